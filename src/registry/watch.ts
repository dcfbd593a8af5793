// Keeps the registry current while the panel is open: every backup operation that ends (a backup
// created or received, a restore finished or failed) can add or remove copies, so reconcile then.
// Key changes made in HA's UI send no backup event; they are caught by the next reconciliation.
import { subscribeBackupEvents, type ManagerStateEvent } from "../data/backup.js";
import type { HaConnection, UnsubscribeFunc } from "../data/connection.js";
import type { ReconcileResult, Registry } from "./registry.js";

export interface WatchOptions {
  onResult?: (result: ReconcileResult) => void;
  onError?: (err: unknown) => void;
}

/** Whether this event ends an operation (given the manager state seen before it). */
export function endsOperation(event: ManagerStateEvent, previous: ManagerStateEvent | null): boolean {
  // Upload-progress events (HA 2026.4+) carry `agent_id` and no `state`: never an end.
  if ("agent_id" in event && event.state === undefined) return false;
  if (event.state === "completed" || event.state === "failed") return true;
  return event.manager_state === "idle" && previous !== null && previous.manager_state !== "idle";
}

/**
 * Subscribes to `backup/subscribe_events` and reconciles after each finished operation. Runs at
 * most one reconciliation at a time; events arriving meanwhile cause one more run afterwards.
 */
export async function watchBackups(registry: Registry, conn: HaConnection, url: string, options: WatchOptions = {}): Promise<UnsubscribeFunc> {
  let previous: ManagerStateEvent | null = null;
  let running = false;
  let again = false;
  let stopped = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        try {
          const result = await registry.reconcile(conn, url);
          if (!stopped) options.onResult?.(result);
        } catch (err) {
          if (!stopped) options.onError?.(err);
        }
      } while (again && !stopped);
    } finally {
      running = false;
    }
  };
  const unsubscribe = await subscribeBackupEvents(conn, (event) => {
    const ends = endsOperation(event, previous);
    if (!("agent_id" in event && event.state === undefined)) previous = event;
    if (ends && !stopped) void run();
  });
  return async () => {
    stopped = true;
    await unsubscribe();
  };
}
