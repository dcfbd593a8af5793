// One connection lifecycle for everything that follows HA's backups (panel, card): after
// connecting and after every reconnect, wait until HA's backup integration is loaded (an HA
// that just restarted answers `backup/*` with unknown_command for a while), load, then subscribe
// to backup events afresh. home-assistant-js-websocket re-sends a subscription on reconnect but
// silently drops it when that fails, so we never let it resubscribe for us.
import { subscribeBackupEvents, type ManagerStateEvent } from "./backup.js";
import { isConnectionLost, toHaError, type HaConnection, type UnsubscribeFunc } from "./connection.js";

export interface FollowHandlers {
  /** Each `backup/subscribe_events` event (the first one of each subscription is the current state). */
  onEvent(event: ManagerStateEvent): void;
  /**
   * The backup integration is available (first connect, or after a reconnect): load everything.
   * Resolve true to receive backup events (admins only: HA refuses the subscription to others).
   * Throw when loading failed and is worth trying again (HA answered an error): it is retried
   * with a growing pause, and events are subscribed once it works.
   */
  onAvailable(): Promise<boolean>;
  /**
   * Whether this user gets backup events (an admin), when that is known before loading: events
   * are then subscribed first, as HA's own backup page does, so a backup that ends during the
   * load (after its read) is still heard. Without it, or false, events follow a load that says so.
   */
  followsEvents?(): Promise<boolean>;
  /** The connection dropped (HA restarting, network): show it; onAvailable follows. */
  onUnavailable?(): void;
  /** onAvailable failed: show it; it is tried again in `retryInMs`. */
  onError?(err: unknown, retryInMs: number): void;
}

export interface FollowOptions {
  /** First pause before retrying a subscription HA did not know yet (doubles, up to 8×). */
  retryMs?: number;
  /** How many times to retry unknown_command before giving up until the next reconnect. */
  retries?: number;
  /** First pause before loading again after onAvailable failed (doubles, up to `loadRetryMaxMs`). */
  loadRetryMs?: number;
  loadRetryMaxMs?: number;
}

export interface BackupFollower {
  /**
   * Settles once this connection's round has subscribed to backup events, or has ended without
   * (not an admin, no backup integration, dropped, closed). An action whose outcome arrives only
   * as events (a backup made now) waits for it: sent earlier, its end could pass unseen.
   */
  following(): Promise<void>;
  /** Stops following: listeners removed, subscription ended. */
  close(): void;
}

/**
 * Waits for HA's backup integration as HA's own frontend does (`integration/wait`). Resolves
 * false when HA says it did not load (no backup integration), true otherwise (also when HA is
 * too old to know `integration/wait`: the commands themselves will tell).
 */
export async function waitForBackupIntegration(conn: HaConnection): Promise<boolean> {
  try {
    const r = await conn.sendMessagePromise<{ integration_loaded: boolean }>({ type: "integration/wait", domain: "backup" });
    return r.integration_loaded;
  } catch (err) {
    if (isConnectionLost(err)) throw err;
    return true;
  }
}

export function followBackup(conn: HaConnection, handlers: FollowHandlers, options: FollowOptions = {}): BackupFollower {
  const retryMs = options.retryMs ?? 500;
  const retries = options.retries ?? 8;
  const loadRetryMs = options.loadRetryMs ?? 1000;
  const loadRetryMaxMs = options.loadRetryMaxMs ?? 30_000;
  let round = 0;
  let closed = false;
  let unsubscribe: UnsubscribeFunc | null = null;
  // Pauses end early when the round ends (reconnect, close), so nothing waits on a dead round.
  const pauses = new Set<{ timer: ReturnType<typeof setTimeout>; done: () => void }>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const p = { timer: setTimeout(() => (pauses.delete(p), resolve()), ms), done: resolve };
      pauses.add(p);
    });
  const endPauses = () => {
    for (const p of pauses) {
      clearTimeout(p.timer);
      p.done();
    }
    pauses.clear();
  };

  const stale = (mine: number) => closed || mine !== round;

  /** Subscribes for this round (retrying while HA registers its commands); true once subscribed. */
  const subscribe = async (mine: number, tries = retries): Promise<boolean> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const unsub = await subscribeBackupEvents(
          conn,
          (ev) => {
            if (!stale(mine)) handlers.onEvent(ev);
          },
          { resubscribe: false },
        );
        if (stale(mine)) {
          void unsub().catch(() => undefined);
          return false;
        }
        unsubscribe = unsub;
        return true;
      } catch (err) {
        if (stale(mine) || isConnectionLost(err)) return false;
        // An integration that has just loaded may register its commands a moment later.
        if (toHaError(err).code !== "unknown_command" || attempt >= tries) return false;
        await sleep(retryMs * Math.min(2 ** attempt, 8));
        if (stale(mine)) return false;
      }
    }
  };

  let roundSettled = (): void => undefined;
  let following = Promise.resolve();
  const run = async (): Promise<void> => {
    const mine = ++round;
    roundSettled();
    following = new Promise<void>((resolve) => (roundSettled = resolve));
    const settle = roundSettled;
    // A subscription from before a reconnect died with the old socket (resubscribe: false).
    unsubscribe = null;
    try {
      const loaded = await waitForBackupIntegration(conn);
      if (stale(mine)) return;
      // Sent before the load's backup reads on the same socket (HA takes a connection's messages
      // in order; the load asks who the user is first, so the subscription, started with it,
      // goes out ahead of them), and not awaited: a slow answer does not hold the load up. Tried
      // once here; a refusal is tried again, with pauses, after the load.
      const early: Promise<boolean> =
        loaded && handlers.followsEvents
          ? handlers
              .followsEvents()
              .catch(() => false)
              .then((admin) => (admin && !stale(mine) ? subscribe(mine, 0) : false))
          : Promise.resolve(false);
      void early.then((ok) => ok && settle());
      let wantEvents = false;
      for (let attempt = 0; ; attempt++) {
        try {
          wantEvents = await handlers.onAvailable();
          break;
        } catch (err) {
          // A dropped connection brings its own "ready"; anything else is tried again here.
          if (stale(mine) || isConnectionLost(err)) return;
          const wait = Math.min(loadRetryMs * 2 ** attempt, loadRetryMaxMs);
          handlers.onError?.(err, wait);
          await sleep(wait);
          if (stale(mine)) return;
        }
      }
      const subscribed = await early;
      if (stale(mine) || subscribed || !wantEvents || !loaded) return;
      await subscribe(mine);
    } catch {
      // The connection dropped while waiting: the next "ready" starts over.
    } finally {
      settle();
    }
  };

  const onReady = () => void run();
  const onDisconnected = () => {
    round++; // whatever was in flight belongs to the old socket
    // Its subscription may never be answered (HAWS drops a pending one with the socket): whoever
    // waits on this round goes on now, and meets the dropped connection itself.
    roundSettled();
    endPauses();
    unsubscribe = null;
    handlers.onUnavailable?.();
  };
  conn.addEventListener?.("ready", onReady);
  conn.addEventListener?.("disconnected", onDisconnected);
  void run();

  return {
    // The round that is current when it settles: a reconnect's new round starting meanwhile (it
    // settles the old one) is waited for too.
    async following() {
      for (;;) {
        const current = following;
        await current;
        if (current === following) return;
      }
    },
    close() {
      closed = true;
      roundSettled();
      endPauses();
      conn.removeEventListener?.("ready", onReady);
      conn.removeEventListener?.("disconnected", onDisconnected);
      void unsubscribe?.().catch(() => undefined);
      unsubscribe = null;
    },
  };
}
