// Locks that span browser tabs: Web Locks where the browser has them, an in-process queue
// elsewhere (Node tests). `withLock` waits its turn; `tryLock` answers at once (a second tab
// starting the key change is told, not queued).
export type ReleaseLock = () => void;

/** One key change per instance at a time, across tabs: `${KEY_CHANGE_LOCK}:<instance id>`. */
export const KEY_CHANGE_LOCK = "backup-keyring-key-change";

export interface LockPort {
  tryLock(name: string): Promise<ReleaseLock | null>;
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

interface WebLockManager {
  request(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>;
}

export function inProcessLocks(): LockPort {
  const tails = new Map<string, Promise<unknown>>();
  const held = new Set<string>();
  return {
    async tryLock(name) {
      if (held.has(name) || tails.has(name)) return null;
      held.add(name);
      return () => held.delete(name);
    },
    withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const prev = tails.get(name) ?? Promise.resolve();
      const run = prev.catch(() => undefined).then(fn);
      const tail = run.catch(() => undefined);
      tails.set(name, tail);
      void tail.then(() => {
        if (tails.get(name) === tail) tails.delete(name);
      });
      return run;
    },
  };
}

export function webLocks(manager: WebLockManager): LockPort {
  return {
    tryLock(name) {
      return new Promise<ReleaseLock | null>((resolve) => {
        manager
          .request(name, { ifAvailable: true }, (lock) => {
            if (!lock) {
              resolve(null);
              return Promise.resolve();
            }
            return new Promise<void>((release) => resolve(() => release()));
          })
          .catch(() => resolve(null));
      });
    },
    withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
      return manager.request(name, {}, () => fn()) as Promise<T>;
    },
  };
}

let shared: LockPort | null = null;

export function defaultLocks(): LockPort {
  const nav = (globalThis as { navigator?: { locks?: WebLockManager } }).navigator;
  if (nav?.locks) return webLocks(nav.locks);
  return (shared ??= inProcessLocks());
}
