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

/** `p`, or a failure naming `what` when it has not settled within `ms` (a hang would end only at the file's timeout). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer!: ReturnType<typeof setTimeout>;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** The error HA answered a command with (`{code, message}`); fails the test when it succeeded. */
export async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error("expected an error");
}

/**
 * A raw socket past the auth phase, for protocol details the client library hides. `next()`
 * gives the next frame; it fails (instead of waiting forever) when none comes within its
 * deadline or the socket closes first.
 */
export async function rawSocket(url: string, token: string): Promise<{ ws: WebSocket; next(timeoutMs?: number): Promise<unknown>; send(m: unknown): void; close(): void }> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/websocket`);
  const queue: unknown[] = [];
  const waiters: { resolve(m: unknown): void; reject(e: Error): void }[] = [];
  ws.on("message", (raw) => {
    const parsed = JSON.parse(String(raw)) as unknown;
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      const w = waiters.shift();
      if (w) w.resolve(m);
      else queue.push(m);
    }
  });
  ws.on("close", () => {
    for (const w of waiters.splice(0)) w.reject(new Error("socket closed before the next frame"));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
  } catch (err) {
    ws.terminate();
    throw err;
  }
  const next = (timeoutMs = 30_000) =>
    queue.length
      ? Promise.resolve(queue.shift())
      : new Promise<unknown>((resolve, reject) => {
          if (ws.readyState !== ws.OPEN) return reject(new Error("socket closed before the next frame"));
          const w = {
            resolve: (m: unknown) => (clearTimeout(timer), resolve(m)),
            reject: (e: Error) => (clearTimeout(timer), reject(e)),
          };
          const timer = setTimeout(() => {
            waiters.splice(waiters.indexOf(w), 1);
            reject(new Error(`no frame within ${timeoutMs} ms`));
          }, timeoutMs);
          waiters.push(w);
        });
  const send = (m: unknown) => ws.send(JSON.stringify(m));
  try {
    await next(); // auth_required
    send({ type: "auth", access_token: token });
    const ok = (await next()) as { type: string };
    if (ok.type !== "auth_ok") throw new Error(`auth failed: ${ok.type}`);
  } catch (err) {
    ws.terminate();
    throw err;
  }
  // terminate, not close: a close handshake the other side never answers would keep the test running.
  return { ws, next, send, close: () => ws.terminate() };
}
