// Keeps a copy of the registry in the HA user's own frontend storage (`frontend/*_user_data`), so
// a second device or a cleared browser gets everything back on connect, and two open browsers
// converge live. IndexedDB stays the working copy; the mirror is merged in (`merge.ts`), never
// copied over it. It holds no key: salt, fingerprints, generations, the copy map, the journal.
//
// Layout in the user store: a small manifest under MIRROR_KEY naming the slot ("a"/"b") and the
// number of parts; the parts under `${MIRROR_KEY}.<slot><n>`. A write fills the slot the
// manifest does not point at, then replaces the manifest: a reader never sees half a write,
// and a read that raced a second writer fails its hash check and waits for the next manifest.
import { isConnectionLost, toHaError, type HaConnection, type UnsubscribeFunc } from "../data/connection.js";
import { journalFact, mergeStates, emptyState, sameCopy, sameGeneration, sameInstance, copyKey, type RegistryState } from "./merge.js";
import { MIRROR_FORMAT, MIRROR_VERSION, MirrorFormatError, packMirror, toBase64, unpackMirror } from "./mirror-codec.js";
import { REGISTRY_LOCK, dropCopySnapshots, type Registry } from "./registry.js";
import { VAULT_MIRROR_KEY, VAULT_MIRROR_META, decodeVault, encodeVault, mergeVault } from "./vault-mirror.js";

export const MIRROR_KEY = "backup_keyring_registry";
export const DEFAULT_MIRROR_DEBOUNCE_MS = 1500;

export type Slot = "a" | "b";
export const partKey = (slot: Slot, n: number) => `${MIRROR_KEY}.${slot}${n}`;

export interface MirrorManifest {
  format: typeof MIRROR_FORMAT;
  version: typeof MIRROR_VERSION;
  slot: Slot;
  parts: number;
  sha256: string;
  writtenAt: string;
}

/**
 * `synced`: the registry is in HA too. `local_only`: it lives in this browser only, because HA
 * lacks the commands (`unsupported`), refused a write (`refused`), holds another registry with
 * another fingerprint salt (`other_registry`), or holds a mirror we cannot read (`damaged`).
 */
export type MirrorStatus = { state: "starting" } | { state: "synced"; at: string } | { state: "local_only"; reason: "unsupported" | "refused" | "other_registry" | "damaged" };

export interface MirrorOptions {
  debounceMs?: number;
  onStatus?: (status: MirrorStatus) => void;
}

/** Everything in the registry as a merge state (in merge order, so equal registries compare equal). */
export async function registryState(registry: Registry): Promise<RegistryState> {
  const tx = registry.db.transaction(["instances", "generations", "journal"]);
  const [instances, generations, journal] = await Promise.all([tx.objectStore("instances").getAll(), tx.objectStore("generations").getAll(), tx.objectStore("journal").getAll()]);
  await tx.done;
  // Copies through `copies()`: its snapshot is one value to read where the records are thousands.
  const copies = (await Promise.all(instances.map((i) => registry.copies(i.id)))).flat();
  return mergeStates({ instances, generations, copies, journal: journal.map(journalFact) }, emptyState());
}

function isManifest(v: unknown): v is MirrorManifest {
  if (!v || typeof v !== "object") return false;
  const m = v as Record<string, unknown>;
  return m.format === MIRROR_FORMAT && m.version === MIRROR_VERSION && (m.slot === "a" || m.slot === "b") && Number.isSafeInteger(m.parts) && (m.parts as number) >= 1 && (m.parts as number) <= 64 && typeof m.sha256 === "string";
}

/**
 * Merges `remote` into the registry in one transaction and writes only what changed. Returns how
 * many records changed (0: the registry already held every fact).
 */
export async function mergeIntoRegistry(registry: Registry, remote: RegistryState): Promise<number> {
  const changed = await registry.locks.withLock(REGISTRY_LOCK, async () => {
    const local = await registryState(registry);
    const merged = mergeStates(local, remote);
    const tx = registry.db.transaction(["meta", "instances", "generations", "copies", "journal"], "readwrite");
    let n = 0;
    // Requests are queued without awaiting each one; a failure aborts the transaction, which
    // `tx.done` reports (the requests' own rejections are that same failure).
    const queue = (request: Promise<unknown>) => {
      request.catch(() => undefined);
      n++;
    };
    const instances = new Map(local.instances.map((x) => [x.id, x]));
    for (const x of merged.instances) {
      const cur = instances.get(x.id);
      if (!cur || !sameInstance(cur, x)) queue(tx.objectStore("instances").put(x));
    }
    const generations = new Map(local.generations.map((x) => [x.id, x]));
    for (const x of merged.generations) {
      const cur = generations.get(x.id);
      if (!cur || !sameGeneration(cur, x)) queue(tx.objectStore("generations").put(x));
    }
    const copies = new Map(local.copies.map((x) => [copyKey(x), x]));
    const before = n;
    for (const x of merged.copies) {
      const cur = copies.get(copyKey(x));
      if (!cur || !sameCopy(cur, x)) queue(tx.objectStore("copies").put(x));
    }
    if (n > before) queue(dropCopySnapshots(tx.objectStore("meta")));
    const journal = new Set(local.journal.map((j) => j.key));
    for (const j of merged.journal) {
      if (journal.has(j.key)) continue;
      const { key: _key, ...entry } = j;
      queue(tx.objectStore("journal").add(entry));
    }
    await tx.done;
    return n;
  });
  if (changed > 0) registry.changed();
  return changed;
}

export class RegistryMirror {
  status: MirrorStatus = { state: "starting" };
  /** What HA holds, as last read or written by us. */
  private remote: { manifest: MirrorManifest; state: RegistryState } | null = null;
  private unsubscribe: UnsubscribeFunc | null = null;
  private offChange: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly debounceMs: number;

  constructor(
    private readonly registry: Registry,
    private readonly conn: HaConnection,
    private readonly options: MirrorOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? DEFAULT_MIRROR_DEBOUNCE_MS;
  }

  /** Reads the mirror and merges it in (restoring a cleared browser), then follows changes both ways. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.status.state === "local_only" && this.status.reason === "unsupported") return;
    try {
      // The first event carries the current value; each later one a newer manifest.
      this.unsubscribe = await this.conn.subscribeMessage<{ value: unknown }>((ev) => void this.run(() => this.pull(ev.value)), { type: "frontend/subscribe_user_data", key: MIRROR_KEY });
    } catch {
      // Older HA has get/set but not subscribe: the mirror is read on every connect (`refresh`).
    }
    if (this.stopped) return void this.unsubscribe?.();
    this.offChange = this.registry.onChange(() => this.schedulePush());
    // Facts recorded before the mirror existed (or while HA was unreachable) go out now.
    this.schedulePush(0);
  }

  /** Reads the manifest again (on reconnect, where HA has no subscribe). */
  refresh(): Promise<void> {
    return this.run(async () => {
      let manifest: unknown;
      try {
        manifest = (await this.conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: MIRROR_KEY })).value;
      } catch (err) {
        if (isConnectionLost(err)) return;
        this.setStatus({ state: "local_only", reason: toHaError(err).code === "unknown_command" ? "unsupported" : "refused" });
        return;
      }
      await this.pull(manifest);
      await this.pullVault();
    });
  }

  /** HA's copy of the vault (present only if some browser of this user opted in): restored or merged in. */
  private async pullVault(): Promise<void> {
    let value: unknown;
    try {
      value = (await this.conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: VAULT_MIRROR_KEY })).value;
    } catch {
      return; // the registry mirror's status already says what HA can do
    }
    const remote = decodeVault(value);
    if (!remote) return;
    const tx = this.registry.db.transaction(["meta", "vault"], "readwrite");
    const local = await tx.objectStore("vault").get("vault");
    const merged = mergeVault(local, remote);
    if (merged) {
      await tx.objectStore("vault").put(merged);
      // A vault restored from HA stays mirrored: its owner opted in for this HA user.
      if (!local) await tx.objectStore("meta").put({ key: VAULT_MIRROR_META, value: true });
    }
    await tx.done;
    this.vaultSent = JSON.stringify(value);
  }

  /** Turns the vault's copy in HA on or off (off removes it from HA). */
  async setVaultMirrored(on: boolean): Promise<void> {
    await this.registry.setMeta(VAULT_MIRROR_META, on);
    await this.run(() => this.pushVault(!on));
  }

  /** What was last written to (or read from) HA's vault copy, as JSON. */
  private vaultSent: string | null = null;

  private async pushVault(remove = false): Promise<void> {
    const on = (await this.registry.getMeta<boolean>(VAULT_MIRROR_META)) === true;
    const local = on ? await this.registry.db.get("vault", "vault") : undefined;
    const value = local ? encodeVault(local) : null;
    if (!local && !remove) return;
    const text = JSON.stringify(value);
    if (text === this.vaultSent) return;
    await this.conn.sendMessagePromise({ type: "frontend/set_user_data", key: VAULT_MIRROR_KEY, value });
    this.vaultSent = text;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.offChange?.();
    void this.unsubscribe?.().catch(() => undefined);
    this.unsubscribe = null;
  }

  /** Writes pending changes now instead of after the debounce (tests, the benchmark, page hide). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.run(() => this.push());
  }

  private setStatus(s: MirrorStatus): void {
    this.status = s;
    this.options.onStatus?.(s);
  }

  /** Pulls and pushes run one at a time, in order. */
  private run(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(() => (this.stopped ? undefined : fn()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private schedulePush(delay = this.debounceMs): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run(() => this.push()).catch(() => undefined);
    }, delay);
  }

  private async pull(value: unknown): Promise<void> {
    if (value === null || value === undefined) {
      if (this.status.state === "starting") this.setStatus({ state: "synced", at: new Date().toISOString() });
      return;
    }
    if (!isManifest(value)) return this.setStatus({ state: "local_only", reason: "damaged" });
    if (this.remote && this.remote.manifest.sha256 === value.sha256) return;
    let decoded;
    try {
      const parts = await Promise.all(
        Array.from({ length: value.parts }, (_, n) => this.conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: partKey(value.slot, n) }).then((r) => r.value)),
      );
      if (!parts.every((p): p is string => typeof p === "string")) throw new MirrorFormatError("$.parts");
      decoded = await unpackMirror(parts, value.sha256);
    } catch (err) {
      if (isConnectionLost(err)) return;
      // A hash mismatch is usually a read that raced another device's write: its manifest event follows.
      if (err instanceof MirrorFormatError && err.path === "$.sha256") return;
      return this.setStatus({ state: "local_only", reason: "damaged" });
    }
    if (toBase64(decoded.salt) !== toBase64(this.registry.salt)) {
      // Fingerprints under two salts cannot be compared: adopt HA's only while this browser knows no generation.
      if (!(await this.adoptSalt(decoded.salt))) return this.setStatus({ state: "local_only", reason: "other_registry" });
    }
    await mergeIntoRegistry(this.registry, decoded.state);
    this.remote = { manifest: value, state: decoded.state };
    this.setStatus({ state: "synced", at: new Date().toISOString() });
  }

  private adoptSalt(salt: Uint8Array): Promise<boolean> {
    return this.registry.locks.withLock(REGISTRY_LOCK, async () => {
      const tx = this.registry.db.transaction(["meta", "generations"], "readwrite");
      if ((await tx.objectStore("generations").count()) > 0) {
        await tx.done;
        return false;
      }
      await tx.objectStore("meta").put({ key: "salt", value: salt });
      await tx.done;
      // The registry holds its salt in memory; fingerprints from now on use the adopted one.
      (this.registry.salt as Uint8Array).set(salt);
      return true;
    });
  }

  private async push(): Promise<void> {
    if (this.status.state === "local_only" && this.status.reason !== "refused") return;
    await this.pushVault().catch(() => undefined);
    const local = await registryState(this.registry);
    const merged = this.remote ? mergeStates(local, this.remote.state) : local;
    const packed = await packMirror(merged, this.registry.salt);
    if (this.remote && this.remote.manifest.sha256 === packed.sha256) return;
    const slot: Slot = this.remote?.manifest.slot === "a" ? "b" : "a";
    const manifest: MirrorManifest = { format: MIRROR_FORMAT, version: MIRROR_VERSION, slot, parts: packed.parts.length, sha256: packed.sha256, writtenAt: new Date().toISOString() };
    try {
      for (let n = 0; n < packed.parts.length; n++) {
        await this.conn.sendMessagePromise({ type: "frontend/set_user_data", key: partKey(slot, n), value: packed.parts[n] });
      }
      await this.conn.sendMessagePromise({ type: "frontend/set_user_data", key: MIRROR_KEY, value: manifest });
    } catch (err) {
      if (isConnectionLost(err)) return; // written again after the next change or connect
      return this.setStatus({ state: "local_only", reason: toHaError(err).code === "unknown_command" ? "unsupported" : "refused" });
    }
    this.remote = { manifest, state: merged };
    this.setStatus({ state: "synced", at: manifest.writtenAt });
  }
}
