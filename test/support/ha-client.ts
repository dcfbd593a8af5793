// Connects the real home-assistant-js-websocket client to a (simulated) HA from Node.
import { WebSocket } from "ws";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/**
 * What a test opens (a connection, a raw socket's `ws`, a simulated HA) is wrapped in
 * `closeAfterTest(...)` and closed by `afterEach(closeOpened)`, so a failing assertion never
 * leaves a socket that keeps the test file running. (Opened in `before`: closed in `after`.)
 */
const opened = new Set<{ close(): unknown }>();

export function closeAfterTest<T extends { close(): unknown }>(thing: T): T {
  opened.add(thing);
  return thing;
}

export async function closeOpened(): Promise<void> {
  const all = [...opened].reverse();
  opened.clear();
  await Promise.allSettled(all.map(async (t) => t.close()));
}

export function connectHA(url: string, token: string): Promise<Connection> {
  return createConnection({ auth: createLongLivedTokenAuth(url, token) });
}

/** A raw socket past the auth phase, for protocol details the client library hides. */
export async function rawSocket(url: string, token: string): Promise<{ ws: WebSocket; next(): Promise<unknown>; send(m: unknown): void; close(): void }> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/websocket`);
  const queue: unknown[] = [];
  const waiters: ((m: unknown) => void)[] = [];
  ws.on("message", (raw) => {
    const parsed = JSON.parse(String(raw)) as unknown;
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      const w = waiters.shift();
      if (w) w(m);
      else queue.push(m);
    }
  });
  await new Promise((r) => ws.once("open", r));
  const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise<unknown>((r) => waiters.push(r)));
  const send = (m: unknown) => ws.send(JSON.stringify(m));
  await next(); // auth_required
  send({ type: "auth", access_token: token });
  const ok = (await next()) as { type: string };
  if (ok.type !== "auth_ok") throw new Error(`auth failed: ${ok.type}`);
  return { ws, next, send, close: () => ws.close() };
}
