// Keeps a copy of the registry in the HA user's own frontend storage (`frontend/*_user_data`), so
// a second device or a cleared browser gets everything back on connect, and two open browsers
// converge live. IndexedDB stays the working copy; the mirror is merged in (`merge.ts`), never
// copied over it. It holds no key: salt, fingerprints, generations, the copies' facts, the journal.
//
// Layout in the user store: a small manifest under MIRROR_KEY with the salt and, per part (the
// header and COPY_GROUPS copy parts, `mirror-codec.ts`), its slot ("a"/"b"), number of chunks and
// hashes; the chunks under `${MIRROR_KEY}.<part>.<slot><n>`. A write fills, for each part it
// changes, the slot the manifest does not point at, then replaces the manifest: a reader never
// sees half a write. A read that raced a second writer fails a part's hash: the reader reads the
// manifest again (a bounded number of times), and rewrites a part that stays inconsistent.
// Work is proportional to what changed: a write sends only parts whose facts changed, a reader
// fetches only parts whose hash differs from what it already holds.
import { isConnectionLost, toHaError, type HaConnection, type UnsubscribeFunc } from "../data/connection.js";
import { BUCKETS, bucketOf, copyIndexKey, newestKey, type CopyIndex } from "./copy-store.js";
import {
  copyFacts,
  journalFact,
  journalKey,
  keepBelief,
  mergeCopy,
  mergeGeneration,
  mergeInstance,
  mergeStates,
  emptyState,
  sameCopy,
  sameGeneration,
  sameInstance,
  type JournalFact,
  type RegistryState,
} from "./merge.js";
import {
  COPY_GROUPS,
  HEADER_PART,
  MIRROR_FORMAT,
  MIRROR_JOURNAL_LIMIT,
  MIRROR_PART_CHARS,
  MIRROR_VERSION,
  MirrorFormatError,
  PART_IDS,
  copyPart,
  decodeGroup,
  decodeHeader,
  encodeGroup,
  encodeHeader,
  fromBase64,
  packPart,
  sha256Hex,
  toBase64,
  unpackPart,
  type MirrorHeader,
} from "./mirror-codec.js";
import type { CopyRecord, JournalEntry } from "./model.js";
import { REGISTRY_LOCK, type Registry } from "./registry.js";
import { VAULT_MIRROR_KEY, decodeVaultValue, encodeVault, vaultMirrorChoice, vaultPlan, type VaultMirrorChoice } from "./vault-mirror.js";
import { RegistryError } from "./model.js";

export const MIRROR_KEY = "backup_keyring_registry";
/**
 * A write waits this long after the last change (so a run of checks becomes one write), but never
 * more than DEFAULT_MIRROR_MAX_WAIT_MS after the first: another browser shows a proof within a
 * second (measured: write and the other side's read and merge take well under the rest).
 */
export const DEFAULT_MIRROR_DEBOUNCE_MS = 150;
export const DEFAULT_MIRROR_MAX_WAIT_MS = 500;
/** How often a read that raced another writer is tried again with a fresh manifest. */
export const MIRROR_READ_RETRIES = 3;
/** `meta`: the parts (by hash) this registry holds everything of, under which salt. */
export const MIRROR_SYNC_META = "mirrorSynced";

export type Slot = "a" | "b";
export const chunkKey = (part: string, slot: Slot, n: number) => `${MIRROR_KEY}.${part}.${slot}${n}`;

export interface PartRef {
  slot: Slot;
  chunks: number;
  /** SHA-256 of the part's text. */
  sha256: string;
  /** SHA-256 of the part's text with times that move on every reconciliation cut to the day (`encodeHeader`). */
  facts: string;
}

export interface MirrorManifest {
  format: typeof MIRROR_FORMAT;
  version: typeof MIRROR_VERSION;
  /** The fingerprint salt (base64): fingerprints of two registries compare only under one salt. */
  salt: string;
  parts: Record<string, PartRef>;
  writtenAt: string;
}

/**
 * `synced`: the registry is in HA too. `local_only`: it lives in this browser only, because HA
 * lacks the commands (`unsupported`), refused a write (`refused`), holds another registry with
 * another fingerprint salt (`other_registry`: `useMirrored()` / `replaceMirrored()` end that), or
 * holds a mirror we cannot read (`damaged`).
 */
export type MirrorStatus = { state: "starting" } | { state: "synced"; at: string } | { state: "local_only"; reason: "unsupported" | "refused" | "other_registry" | "damaged" };

export interface MirrorTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface MirrorOptions {
  debounceMs?: number;
  maxWaitMs?: number;
  onStatus?: (status: MirrorStatus) => void;
  /** Characters per chunk (tests use small ones to exercise parts of several chunks). */
  chunkChars?: number;
  /** The timers for debounced writes (tests inject their own). */
  timers?: MirrorTimers;
  /**
   * Where the page tells it is going away (`pagehide`, `visibilitychange` to hidden): a pending
   * write goes out at once. Default: the page's window and document; null: none.
   */
  lifecycle?: { window: EventTarget; document: EventTarget & { visibilityState?: string } } | null;
}

const realTimers: MirrorTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

const saltText = (salt: Uint8Array) => toBase64(salt);

// --- reading this registry as mirror parts ---

async function copyIndexes(registry: Registry): Promise<Map<string, CopyIndex>> {
  const tx = registry.db.transaction(["instances", "meta"]);
  const ids = (await tx.objectStore("instances").getAllKeys()) as string[];
  const indexes = await Promise.all(ids.map((id) => tx.objectStore("meta").get(copyIndexKey(id))));
  await tx.done;
  const out = new Map<string, CopyIndex>();
  ids.forEach((id, n) => {
    const v = indexes[n]?.value as CopyIndex | undefined;
    if (v) out.set(id, v);
  });
  return out;
}

/** Which buckets a copy part holds. */
const bucketsOf = (group: number) => Array.from({ length: BUCKETS / COPY_GROUPS }, (_, n) => group + n * COPY_GROUPS);

/** What a copy part's content depends on: the revisions of its buckets in every instance. */
function groupStamp(indexes: Map<string, CopyIndex>, group: number): string {
  return [...indexes.keys()]
    .sort()
    .map(
      (id) =>
        `${id}:${indexes.get(id)!.epoch}:${bucketsOf(group)
          .map((k) => indexes.get(id)!.revs[k])
          .join(",")}`,
    )
    .join(";");
}

async function groupCopies(registry: Registry, indexes: Map<string, CopyIndex>, group: number): Promise<CopyRecord[]> {
  const tx = registry.db.transaction(["meta", "copyBuckets"]);
  const out: CopyRecord[] = [];
  for (const id of indexes.keys()) out.push(...(await registry.copyCache.buckets(tx.objectStore("meta"), tx.objectStore("copyBuckets"), id, bucketsOf(group))));
  await tx.done;
  return out;
}

async function registryHeader(registry: Registry, journalLimit = MIRROR_JOURNAL_LIMIT): Promise<MirrorHeader> {
  const tx = registry.db.transaction(["instances", "generations"]);
  const [instances, generations] = await Promise.all([tx.objectStore("instances").getAll(), tx.objectStore("generations").getAll()]);
  await tx.done;
  const journal = (await registry.journal(null, journalLimit)).map(journalFact);
  return { instances, generations, journal };
}

/** Everything in the registry as a merge state of facts (in merge order, so equal registries compare equal). */
export async function registryState(registry: Registry): Promise<RegistryState> {
  const { instances, generations } = await registryHeader(registry, 0);
  const journal = (await registry.db.getAll("journal")).map(journalFact);
  const copies = (await Promise.all(instances.map((i) => registry.copies(i.id)))).flat().map(copyFacts);
  return mergeStates({ instances, generations, copies, journal }, emptyState());
}

// --- merging into this registry ---

/**
 * Merges facts (a header, copies, or both) into the registry in one transaction, reading and
 * writing only the buckets those copies live in. `facts`: the copies are `copyFacts` already.
 * Returns how many records changed (0: the registry already held every fact).
 */
export async function mergeIntoRegistry(registry: Registry, remote: Partial<RegistryState>, options: { facts?: boolean } = {}): Promise<number> {
  const changed = await registry.locks.withLock(REGISTRY_LOCK, async () => {
    const tx = registry.db.transaction(["meta", "instances", "generations", "copyBuckets", "journal"], "readwrite");
    let n = 0;
    // Requests are queued without awaiting each one; a failure aborts the transaction, which
    // `tx.done` reports (the requests' own rejections are that same failure).
    const queue = (request: Promise<unknown>) => {
      request.catch(() => undefined);
      n++;
    };
    const commits: (() => void)[] = [];
    try {
      if (remote.instances?.length) {
        const store = tx.objectStore("instances");
        const local = new Map((await store.getAll()).map((x) => [x.id, x]));
        for (const x of remote.instances) {
          const cur = local.get(x.id);
          const merged = cur ? mergeInstance(cur, x) : x;
          if (!cur || !sameInstance(cur, merged)) queue(store.put(merged));
        }
      }
      if (remote.generations?.length) {
        const store = tx.objectStore("generations");
        const local = new Map((await store.getAll()).map((x) => [x.id, x]));
        for (const x of remote.generations) {
          const cur = local.get(x.id);
          const merged = cur ? mergeGeneration(cur, x) : x;
          if (!cur || !sameGeneration(cur, merged)) queue(store.put(merged));
        }
      }
      if (remote.journal?.length) {
        // Entries the same as one here have its time: only local entries from the oldest time on are read.
        const oldest = remote.journal.reduce((m, j) => (j.at < m ? j.at : m), remote.journal[0]!.at);
        const store = tx.objectStore("journal");
        const have = new Set((await store.index("byTime").getAll(IDBKeyRange.lowerBound(oldest))).map((j) => journalKey(j)));
        for (const j of remote.journal) {
          if (have.has(j.key)) continue;
          have.add(j.key);
          const { key: _key, ...entry } = j;
          queue(store.add(entry as JournalEntry));
        }
      }
      if (remote.copies?.length) {
        const byInstance = new Map<string, Map<number, CopyRecord[]>>();
        for (const c of remote.copies) {
          let buckets = byInstance.get(c.instanceId);
          if (!buckets) byInstance.set(c.instanceId, (buckets = new Map()));
          const k = bucketOf(c.backupId);
          const list = buckets.get(k);
          if (list) list.push(c);
          else buckets.set(k, [c]);
        }
        for (const [instanceId, buckets] of byInstance) {
          const writer = await registry.copyCache.writer(tx.objectStore("meta"), tx.objectStore("copyBuckets"), instanceId);
          await writer.load([...buckets.keys()]);
          for (const [k, incoming] of buckets) {
            const current = new Map(writer.bucket(k).map((c) => [`${c.backupId}\u0000${c.agentId}`, c]));
            let changedHere = 0;
            for (const c of incoming) {
              const key = `${c.backupId}\u0000${c.agentId}`;
              const cur = current.get(key);
              // (Copies read from the mirror are facts already: `decodeGroup`.)
              const merged = cur ? keepBelief(cur, mergeCopy(cur, c)) : options.facts ? c : copyFacts(c);
              if (cur && sameCopy(cur, merged)) continue;
              current.set(key, merged);
              changedHere++;
            }
            if (changedHere > 0) writer.put(k, [...current.values()]);
            n += changedHere;
          }
          writer.finish();
          commits.push(() => writer.commit());
        }
      }
      await tx.done;
      for (const commit of commits) commit();
      return n;
    } catch (err) {
      tx.done.catch(() => undefined);
      try {
        tx.abort();
      } catch {
        // already finished
      }
      throw err;
    }
  });
  if (changed > 0) registry.changed();
  return changed;
}

function isPartRef(v: unknown): v is PartRef {
  if (!v || typeof v !== "object") return false;
  const r = v as Record<string, unknown>;
  const hex = (x: unknown) => typeof x === "string" && /^[0-9a-f]{64}$/.test(x);
  return (r.slot === "a" || r.slot === "b") && Number.isSafeInteger(r.chunks) && (r.chunks as number) >= 1 && (r.chunks as number) <= 64 && hex(r.sha256) && hex(r.facts);
}

function isManifest(v: unknown): v is MirrorManifest {
  if (!v || typeof v !== "object") return false;
  const m = v as Record<string, unknown>;
  if (m.format !== MIRROR_FORMAT || m.version !== MIRROR_VERSION || typeof m.salt !== "string" || !/^[A-Za-z0-9+/]{43}=$/.test(m.salt)) return false;
  if (!m.parts || typeof m.parts !== "object" || Array.isArray(m.parts)) return false;
  const parts = m.parts as Record<string, unknown>;
  return Object.keys(parts).every((p) => PART_IDS.includes(p) && isPartRef(parts[p]));
}

/** A mirror written by an earlier version of this plugin's development (never released): read as absent. */
const isOlderMirror = (v: unknown) =>
  !!v &&
  typeof v === "object" &&
  (v as { format?: unknown }).format === MIRROR_FORMAT &&
  typeof (v as { version?: unknown }).version === "number" &&
  (v as { version: number }).version < MIRROR_VERSION;

interface Decoded {
  header?: MirrorHeader;
  copies: CopyRecord[];
  parts: Map<string, string>;
}

export class RegistryMirror {
  status: MirrorStatus = { state: "starting" };
  /** What HA holds, as last read or written by us. */
  private remote: MirrorManifest | null = null;
  /** The other registry HA holds while this one keeps its own (`other_registry`). */
  private other: MirrorManifest | null = null;
  /** Parts (by hash) whose every fact this registry holds: merged from HA or written to it. */
  private held = new Map<string, string>();
  private heldLoaded = false;
  /** This registry's last encoding of each part: its stamp (copy parts), text and hashes. */
  private readonly local = new Map<string, { stamp: string; text: string; sha256: string; facts: string }>();
  /** Parts to write even if their hash looks current: they stayed inconsistent after retries. */
  private readonly repair = new Set<string>();
  private overwrite = false;
  private unsubscribe: UnsubscribeFunc | null = null;
  private offChange: (() => void) | null = null;
  private offLifecycle: (() => void) | null = null;
  private timer: unknown = null;
  private firstPendingAt: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private pendingEvent: { value: unknown } | null = null;
  private stopped = false;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly timers: MirrorTimers;

  constructor(
    private readonly registry: Registry,
    private readonly conn: HaConnection,
    private readonly options: MirrorOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? DEFAULT_MIRROR_DEBOUNCE_MS;
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MIRROR_MAX_WAIT_MS;
    this.timers = options.timers ?? realTimers;
  }

  /**
   * Reads the mirror and merges it in (restoring a cleared browser), then follows changes both
   * ways. Resolves once what HA holds now is merged in.
   */
  async start(): Promise<void> {
    // The vault's copy is read meanwhile (one round trip instead of two in a row).
    const vault = this.readVault();
    try {
      // The first event carries the current value (before the subscription's result, as core
      // sends it); each later one a newer manifest. Events that arrive while one is being read
      // are folded into one read of the newest.
      this.unsubscribe = await this.conn.subscribeMessage<{ value: unknown }>((ev) => this.heard(ev.value), { type: "frontend/subscribe_user_data", key: MIRROR_KEY });
      await this.queue;
    } catch {
      // Older HA has get/set but not subscribe (or none of them): the mirror is read on every
      // connect (`refresh`), and that read says what HA can do.
      await this.run(async () => {
        const manifest = await this.readManifest();
        if (manifest !== undefined) await this.pull(manifest);
      });
    }
    await this.run(async () => this.applyVault(await vault));
    if (this.status.state === "local_only" && this.status.reason === "unsupported") return;
    if (this.stopped) return void this.unsubscribe?.();
    this.offChange = this.registry.onChange(() => this.schedulePush());
    this.watchLifecycle();
    // Facts recorded before the mirror existed (or while HA was unreachable) go out after the
    // debounce: the reconciliation that follows a start usually changes something too.
    this.schedulePush();
  }

  private heard(value: unknown): void {
    const first = this.pendingEvent === null;
    this.pendingEvent = { value };
    if (first) {
      void this.run(async () => {
        const ev = this.pendingEvent;
        this.pendingEvent = null;
        if (ev) await this.pull(ev.value);
      }).catch(() => undefined);
    }
  }

  private watchLifecycle(): void {
    const g = globalThis as { window?: EventTarget; document?: EventTarget & { visibilityState?: string } };
    const life = this.options.lifecycle === undefined ? (g.window && g.document ? { window: g.window, document: g.document } : null) : this.options.lifecycle;
    if (!life) return;
    // The page may be gone a moment later: a write waiting for its debounce goes out now.
    const hide = () => void this.flush().catch(() => undefined);
    const visibility = () => {
      if (life.document.visibilityState === "hidden") hide();
    };
    life.window.addEventListener("pagehide", hide);
    life.document.addEventListener("visibilitychange", visibility);
    this.offLifecycle = () => {
      life.window.removeEventListener("pagehide", hide);
      life.document.removeEventListener("visibilitychange", visibility);
    };
  }

  /** Reads the manifest again (on reconnect, where HA has no subscribe). */
  refresh(): Promise<void> {
    return this.run(async () => {
      const manifest = await this.readManifest();
      if (manifest === undefined) return;
      await this.pull(manifest);
      await this.pullVault();
    });
  }

  /** The manifest HA holds; undefined when it could not be read (the status says why). */
  private async readManifest(): Promise<unknown> {
    try {
      return (await this.conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: MIRROR_KEY })).value;
    } catch (err) {
      if (isConnectionLost(err)) return undefined;
      this.setStatus({ state: "local_only", reason: toHaError(err).code === "unknown_command" ? "unsupported" : "refused" });
      return undefined;
    }
  }

  // --- the vault's copy (separate opt-in, `vault-mirror.ts`) ---

  /** What was last written to (or read from) HA's vault copy, as JSON. */
  private vaultSeen: string | null = null;
  /** Why the last vault write was not made, when it was refused by the rules. */
  vaultNote: "other_vault" | "off_elsewhere" | null = null;

  /** HA's copy of the vault (undefined: it could not be read; the registry mirror's status says what HA can do). */
  private readVault(): Promise<unknown> {
    return this.conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: VAULT_MIRROR_KEY }).then(
      (r) => r.value,
      () => undefined,
    );
  }

  private async pullVault(): Promise<void> {
    await this.applyVault(await this.readVault());
  }

  /** HA's copy of the vault: restored into a browser that has none, merged into the same vault; never turns this browser's switch on. */
  private async applyVault(value: unknown): Promise<void> {
    if (value === undefined) return;
    const remote = decodeVaultValue(value);
    // No copy in HA (the usual case): nothing to restore or merge, no transaction needed.
    if (remote.kind === "none") return void (this.vaultSeen = JSON.stringify(value ?? null));
    await this.registry.locks.withLock(REGISTRY_LOCK, async () => {
      const tx = this.registry.db.transaction(["meta", "vault"], "readwrite");
      const local = await tx.objectStore("vault").get("vault");
      const choice = vaultMirrorChoice((await tx.objectStore("meta").get("mirrorVault"))?.value);
      const plan = vaultPlan(local, choice, remote);
      if (plan.store) await tx.objectStore("vault").put(plan.store);
      if (plan.choice) await tx.objectStore("meta").put({ key: "mirrorVault", value: plan.choice });
      await tx.done;
      this.vaultNote = plan.note ?? this.vaultNote;
    });
    this.vaultSeen = JSON.stringify(value ?? null);
  }

  /** Turns the vault's copy in HA on or off for this browser (off removes it from HA, and other browsers stop writing it). */
  async setVaultMirrored(on: boolean): Promise<void> {
    await this.run(async () => {
      await this.pullVault();
      let value: unknown;
      try {
        value = (await this.conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: VAULT_MIRROR_KEY })).value;
      } catch (err) {
        throw new RegistryError(isConnectionLost(err) ? "vault_mirror_offline" : "vault_mirror_refused");
      }
      const remote = decodeVaultValue(value);
      const local = await this.registry.db.get("vault", "vault");
      if (on && local && remote.kind === "vault" && !remote.sameAs(local)) throw new RegistryError("vault_mirror_other_vault");
      const choice: VaultMirrorChoice = { on, at: this.registry.now().toISOString() };
      await this.registry.setMeta("mirrorVault", choice);
      this.vaultNote = null;
      await this.pushVault();
    });
  }

  private async pushVault(): Promise<void> {
    const choice = vaultMirrorChoice(await this.registry.getMeta("mirrorVault"));
    const local = await this.registry.db.get("vault", "vault");
    // Off here, and this browser's last word: HA keeps no copy, and a note other browsers respect.
    const value = !choice.on ? (choice.at ? { format: "backup-keyring-vault", version: 1, removed: true, at: choice.at } : undefined) : local ? encodeVault(local, choice.at!) : undefined;
    if (value === undefined) return;
    const text = JSON.stringify(value);
    if (text === this.vaultSeen) return;
    // Never over another vault, nor over a later "off" from another browser (`vaultPlan` on read).
    const current = decodeVaultValue((await this.conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: VAULT_MIRROR_KEY })).value);
    if (choice.on && local && current.kind === "vault" && !current.sameAs(local)) {
      this.vaultNote = "other_vault";
      return;
    }
    if (choice.on && current.kind === "removed" && current.at > choice.at!) return;
    if (!choice.on && current.kind === "none") return;
    await this.conn.sendMessagePromise({ type: "frontend/set_user_data", key: VAULT_MIRROR_KEY, value });
    this.vaultSeen = text;
  }

  // --- lifecycle ---

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.startPending(Promise.resolve());
    this.offChange?.();
    this.offLifecycle?.();
    void this.unsubscribe?.().catch(() => undefined);
    this.unsubscribe = null;
  }

  /** Sends a write still waiting for its debounce, then stops (the page or the session is closing). */
  async close(): Promise<void> {
    const pending = this.timer !== null;
    try {
      if (pending) await this.flush();
      else await this.queue;
    } finally {
      this.stop();
    }
  }

  /**
   * Resolves once nothing is pending: no write waiting for its debounce, no read or write running
   * (tests count what reached HA only then). Waits out the debounce; sends nothing early.
   */
  async idle(): Promise<void> {
    for (;;) {
      if (this.pending) await this.pending.done;
      await this.queue;
      if (!this.pending) return;
    }
  }

  /** The write the debounce timer will start, while one is scheduled; `started` hands over the write. */
  private pending: { done: Promise<void>; started(write: Promise<void>): void } | null = null;

  private schedulePending(): void {
    if (this.pending) return;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    this.pending = { done, started: (write) => void write.catch(() => undefined).then(finished) };
  }

  private startPending(write: Promise<void>): void {
    const p = this.pending;
    this.pending = null;
    p?.started(write);
  }

  /** Writes pending changes now instead of after the debounce (tests, the benchmark, page hide). */
  flush(): Promise<void> {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.firstPendingAt = null;
    const write = this.run(() => this.push());
    this.startPending(write);
    return write;
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

  /** Debounced, but at most `maxWaitMs` after the first change waiting. */
  private schedulePush(delay = this.debounceMs): void {
    if (this.stopped) return;
    const now = this.timers.now();
    this.firstPendingAt ??= now;
    const wait = Math.max(0, Math.min(delay, this.firstPendingAt + this.maxWaitMs - now));
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.schedulePending();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.firstPendingAt = null;
      const write = this.run(() => this.push());
      this.startPending(write);
      void write.catch(() => undefined);
    }, wait);
  }

  // --- reading HA's copy ---

  private async loadHeld(salt: string): Promise<void> {
    if (this.heldLoaded) return;
    this.heldLoaded = true;
    const saved = await this.registry.getMeta<{ salt: string; parts: Record<string, string> }>(MIRROR_SYNC_META);
    if (saved?.salt === salt) for (const [p, sha] of Object.entries(saved.parts)) if (!this.held.has(p)) this.held.set(p, sha);
  }

  private async saveHeld(salt: string): Promise<void> {
    await this.registry.setMeta(MIRROR_SYNC_META, { salt, parts: Object.fromEntries(this.held) });
  }

  private async pull(value: unknown, attempt = 0, cache = new Map<string, string>()): Promise<void> {
    if (value === null || value === undefined || isOlderMirror(value)) {
      this.remote = null;
      if (this.status.state === "starting" || (this.status.state === "local_only" && this.status.reason === "other_registry")) this.setStatus({ state: "synced", at: new Date().toISOString() });
      return;
    }
    if (!isManifest(value)) return this.setStatus({ state: "local_only", reason: "damaged" });
    let salt = saltText(await this.registry.currentSalt());
    if (value.salt !== salt) {
      // Fingerprints under two salts cannot be compared: adopt HA's only while this browser knows no generation.
      if (!(await this.adoptSalt(fromBase64(value.salt)))) {
        this.other = value;
        return this.setStatus({ state: "local_only", reason: "other_registry" });
      }
      salt = value.salt;
      this.held.clear();
      this.local.clear();
    }
    this.other = null;
    await this.loadHeld(salt);
    const wanted = Object.entries(value.parts).filter(([p, ref]) => this.held.get(p) !== ref.sha256 && !cache.has(ref.sha256));
    let raced: string[];
    try {
      raced = await this.fetchParts(wanted, cache);
    } catch (err) {
      if (isConnectionLost(err)) return;
      return this.setStatus({ state: "local_only", reason: "damaged" });
    }
    if (raced.length > 0 && attempt < MIRROR_READ_RETRIES) {
      // A part changed under us: another device is writing. Its manifest names consistent parts.
      const fresh = await this.readManifest();
      if (fresh !== undefined) return this.pull(fresh, attempt + 1, cache);
    }
    let decoded: Decoded;
    try {
      decoded = this.decode(value, cache);
    } catch (err) {
      if (!(err instanceof MirrorFormatError)) throw err;
      return this.setStatus({ state: "local_only", reason: "damaged" });
    }
    if (decoded.parts.size > 0) {
      await mergeIntoRegistry(this.registry, { ...(decoded.header ?? {}), copies: decoded.copies }, { facts: true });
      for (const [p, sha] of decoded.parts) this.held.set(p, sha);
      await this.saveHeld(salt);
    }
    // Parts that stayed inconsistent are rewritten from what this registry holds.
    for (const p of raced) this.repair.add(p);
    this.remote = value;
    this.setStatus({ state: "synced", at: new Date().toISOString() });
    // Whatever this registry holds that HA's copy lacks (a write of ours another device's write
    // replaced) goes out again; `push` writes nothing when the parts are the same.
    if (raced.length > 0) this.schedulePush(0);
    else if (decoded.parts.size > 0) this.schedulePush();
  }

  /** Fetches parts into `cache` (hash → text); returns the parts whose chunks did not match their hash. */
  private async fetchParts(wanted: [string, PartRef][], cache: Map<string, string>): Promise<string[]> {
    const raced: string[] = [];
    await Promise.all(
      wanted.map(async ([p, ref]) => {
        const chunks = await Promise.all(
          Array.from({ length: ref.chunks }, (_, n) => this.conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: chunkKey(p, ref.slot, n) }).then((r) => r.value)),
        );
        if (!chunks.every((c): c is string => typeof c === "string")) return void raced.push(p);
        try {
          cache.set(ref.sha256, await unpackPart(chunks, ref.sha256));
        } catch (err) {
          // A hash mismatch (or a cut gzip stream) is a read that raced another device's write.
          if (err instanceof MirrorFormatError) return void raced.push(p);
          throw err;
        }
      }),
    );
    return raced;
  }

  private decode(value: MirrorManifest, cache: Map<string, string>): Decoded {
    const out: Decoded = { copies: [], parts: new Map() };
    for (const [p, ref] of Object.entries(value.parts)) {
      const text = cache.get(ref.sha256);
      if (text === undefined) continue;
      if (p === HEADER_PART) out.header = decodeHeader(text);
      else out.copies.push(...decodeGroup(text));
      out.parts.set(p, ref.sha256);
    }
    return out;
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
      // Every registry on this database reads the stored salt before it fingerprints (`currentSalt`).
      this.registry.saltAdopted(salt);
      this.registry.changed();
      return true;
    });
  }

  // --- the way out of `other_registry` ---

  /**
   * Replaces this browser's registry with the one HA holds (the caller saved an export of this
   * one first): every instance, generation, copy and journal entry here goes, the vault and the
   * settings stay, and HA's registry is read in under its salt.
   */
  async useMirrored(): Promise<void> {
    await this.run(async () => {
      const other = this.other;
      if (!other) return;
      await this.registry.locks.withLock(REGISTRY_LOCK, async () => {
        const tx = this.registry.db.transaction(["meta", "instances", "generations", "copyBuckets", "journal"], "readwrite");
        const ids = (await tx.objectStore("instances").getAllKeys()) as string[];
        await Promise.all([
          tx.objectStore("instances").clear(),
          tx.objectStore("generations").clear(),
          tx.objectStore("copyBuckets").clear(),
          tx.objectStore("journal").clear(),
          ...ids.flatMap((id) => [tx.objectStore("meta").delete(copyIndexKey(id)), tx.objectStore("meta").delete(newestKey(id))]),
          tx.objectStore("meta").delete(MIRROR_SYNC_META),
          tx.objectStore("meta").put({ key: "salt", value: fromBase64(other.salt) }),
        ]);
        await tx.done;
      });
      this.registry.saltAdopted(fromBase64(other.salt));
      this.registry.copyCache.forget();
      this.held.clear();
      this.local.clear();
      this.remote = null;
      this.other = null;
      this.registry.changed();
      await this.pull(other);
    });
  }

  /** Keeps this browser's registry and writes it over the other one HA holds (that browser keeps its own). */
  async replaceMirrored(): Promise<void> {
    await this.run(async () => {
      if (!this.other) return;
      this.remote = this.other;
      this.other = null;
      this.held.clear();
      this.local.clear();
      this.overwrite = true;
      this.setStatus({ state: "synced", at: new Date().toISOString() });
      try {
        await this.push();
      } finally {
        this.overwrite = false;
      }
    });
  }

  // --- writing ---

  private async push(): Promise<void> {
    if (this.status.state === "local_only" && this.status.reason !== "refused") return;
    await this.pushVault().catch(() => undefined);
    if (!this.overwrite) {
      // What HA holds now: a newer manifest (another device wrote) is merged first, so this
      // write carries its facts too.
      const current = await this.readManifest();
      if (current === undefined) return;
      if (JSON.stringify(current) !== JSON.stringify(this.remote)) await this.pull(current);
      if (this.status.state === "local_only") return;
    }
    const salt = saltText(await this.registry.currentSalt());
    await this.loadHeld(salt);
    const indexes = await copyIndexes(this.registry);
    const changed: [string, { text: string; sha256: string; facts: string }][] = [];
    const remoteParts = this.remote?.parts ?? {};

    const header = await registryHeader(this.registry);
    const headerText = encodeHeader(header);
    const headerFacts = await sha256Hex(encodeHeader(header, { volatileToDay: true }));
    if (remoteParts[HEADER_PART]?.facts !== headerFacts || this.repair.has(HEADER_PART)) changed.push([HEADER_PART, { text: headerText, sha256: await sha256Hex(headerText), facts: headerFacts }]);
    for (let g = 0; g < COPY_GROUPS; g++) {
      const p = copyPart(g);
      const stamp = groupStamp(indexes, g);
      let enc = this.local.get(p);
      if (enc?.stamp !== stamp) {
        const text = encodeGroup(await groupCopies(this.registry, indexes, g));
        const sha256 = await sha256Hex(text);
        enc = { stamp, text, sha256, facts: sha256 };
        this.local.set(p, enc);
      }
      if (remoteParts[p]?.sha256 !== enc.sha256 || this.repair.has(p)) changed.push([p, enc]);
    }
    if (changed.length === 0) {
      this.setStatus({ state: "synced", at: new Date().toISOString() });
      return;
    }
    const parts: Record<string, PartRef> = { ...remoteParts };
    try {
      for (const [p, enc] of changed) {
        const slot: Slot = remoteParts[p]?.slot === "a" ? "b" : "a";
        const packed = await packPart(enc.text, this.options.chunkChars ?? MIRROR_PART_CHARS);
        for (let n = 0; n < packed.chunks.length; n++) {
          await this.conn.sendMessagePromise({ type: "frontend/set_user_data", key: chunkKey(p, slot, n), value: packed.chunks[n] });
        }
        parts[p] = { slot, chunks: packed.chunks.length, sha256: enc.sha256, facts: enc.facts };
      }
      const manifest: MirrorManifest = { format: MIRROR_FORMAT, version: MIRROR_VERSION, salt, parts, writtenAt: new Date().toISOString() };
      await this.conn.sendMessagePromise({ type: "frontend/set_user_data", key: MIRROR_KEY, value: manifest });
      this.remote = manifest;
    } catch (err) {
      if (isConnectionLost(err)) return; // written again after the next change or connect
      return this.setStatus({ state: "local_only", reason: toHaError(err).code === "unknown_command" ? "unsupported" : "refused" });
    }
    for (const [p, enc] of changed) {
      this.held.set(p, enc.sha256);
      this.repair.delete(p);
    }
    await this.saveHeld(salt);
    this.setStatus({ state: "synced", at: this.remote.writtenAt });
  }
}

export type { JournalFact };
