// The slice of a home-assistant-js-websocket `Connection` this project uses. Inside HA it is
// `hass.connection`; standalone it is a Connection made with a long-lived token. Tests may pass
// any object with the same shape.
export type UnsubscribeFunc = () => Promise<void>;

export interface HaConnection {
  sendMessagePromise<T>(message: { type: string; [key: string]: unknown }): Promise<T>;
  subscribeMessage<T>(callback: (event: T) => void, subscribeMessage: { type: string; [key: string]: unknown }, options?: { resubscribe?: boolean }): Promise<UnsubscribeFunc>;
  readonly haVersion: string;
  addEventListener?(event: "ready" | "disconnected" | "reconnect-error", listener: () => void): void;
  removeEventListener?(event: "ready" | "disconnected" | "reconnect-error", listener: () => void): void;
}

/** An error answered by HA (`{code, message}`) or raised by the client library. */
export interface HaError {
  code: string | number;
  message: string;
}

// home-assistant-js-websocket throws bare numbers for its own errors.
export const ERR_CANNOT_CONNECT = 1;
export const ERR_INVALID_AUTH = 2;
export const ERR_CONNECTION_LOST = 3;

/** Normalises the three shapes HAWS rejects with (number, `{code,message}`, whole result frame). */
export function toHaError(err: unknown): HaError {
  if (typeof err === "number") {
    const names: Record<number, string> = { 1: "cannot_connect", 2: "invalid_auth", 3: "connection_lost", 4: "host_required", 5: "https_to_http", 6: "invalid_auth_callback" };
    return { code: err, message: names[err] ?? `client_error_${err}` };
  }
  if (err && typeof err === "object") {
    const o = err as Record<string, unknown>;
    if (o.type === "result" && o.error && typeof o.error === "object") return toHaError(o.error);
    if ("code" in o) return { code: o.code as string | number, message: String(o.message ?? "") };
    if (err instanceof Error) return { code: "unknown_error", message: err.message };
  }
  return { code: "unknown_error", message: String(err) };
}

export function isConnectionLost(err: unknown): boolean {
  return toHaError(err).code === ERR_CONNECTION_LOST;
}
