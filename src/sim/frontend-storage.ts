// HA's per-user frontend storage (core `homeassistant/components/frontend/storage.py`): one JSON
// object per HA user, any JSON value under a string key. `get`/`subscribe` take an optional key
// (without one: the whole object); a subscriber gets the current value at once and again after
// every `set` of its key (or of any key, without one), on every connection of that user.
import { validate } from "./validate.js";

type Listener = () => void;

class UserStore {
  constructor(readonly data: Record<string, unknown> = {}) {}
  /** Key (or null: every key) → listeners, in subscription order, as core keeps them. */
  private readonly subscriptions = new Map<string | null, Listener[]>();

  set(key: string, value: unknown): void {
    this.data[key] = value;
    // Core calls the whole-store subscribers first, then those of the key.
    for (const cb of [...(this.subscriptions.get(null) ?? []), ...(this.subscriptions.get(key) ?? [])]) cb();
  }

  subscribe(key: string | null, cb: Listener): () => void {
    const list = this.subscriptions.get(key) ?? [];
    list.push(cb);
    this.subscriptions.set(key, list);
    return () => {
      const i = list.indexOf(cb);
      if (i >= 0) list.splice(i, 1);
    };
  }
}

export class FrontendStorage {
  private readonly stores = new Map<string, UserStore>();

  /**
   * `saved` (user id → that user's object) is what a previous run stored; `onSave` is called after
   * every set with the same shape, as core saves `.storage/frontend.user_data_<user_id>`.
   */
  constructor(
    saved: Record<string, Record<string, unknown>> = {},
    private readonly onSave: (all: Record<string, Record<string, unknown>>) => void = () => undefined,
  ) {
    for (const [userId, data] of Object.entries(saved)) this.stores.set(userId, new UserStore(data));
  }

  private store(userId: string): UserStore {
    let s = this.stores.get(userId);
    if (!s) this.stores.set(userId, (s = new UserStore()));
    return s;
  }

  /** `frontend/set_user_data`: `key` (str) and `value` (any JSON) are both required. */
  set(userId: string, msg: Record<string, unknown>): null {
    const p = validate(msg, { key: { type: "str", required: true }, value: { type: "any", required: true } });
    // Stored as its JSON text would be read back from `.storage/`: no shared references.
    this.store(userId).set(p.key as string, structuredClone(p.value));
    this.onSave(Object.fromEntries([...this.stores].map(([id, store]) => [id, store.data])));
    return null;
  }

  /** `frontend/get_user_data`: `{value}` of the key (null when absent), or the whole object. */
  get(userId: string, msg: Record<string, unknown>): { value: unknown } {
    const p = validate(msg, { key: { type: "str" } });
    const data = this.store(userId).data;
    return { value: "key" in p ? (data[p.key as string] ?? null) : data };
  }

  /**
   * `frontend/subscribe_user_data`: sends `{value}` now (before the caller's result frame) and after
   * every change; returns the unsubscribe function.
   */
  subscribe(userId: string, msg: Record<string, unknown>, send: (event: { value: unknown }) => void): () => void {
    const p = validate(msg, { key: { type: "str" } });
    const key = "key" in p ? (p.key as string) : null;
    const store = this.store(userId);
    const update = () => send({ value: structuredClone(key === null ? store.data : (store.data[key] ?? null)) });
    const unsubscribe = store.subscribe(key, update);
    update();
    return unsubscribe;
  }
}
