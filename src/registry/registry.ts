// The registry: which key generation opens which backup copy, per HA instance, kept in this
// browser's IndexedDB. Every write is one transaction; reconciliations are serialised across
// tabs with a Web Lock, and other tabs hear about changes through a BroadcastChannel. Copies are
// stored in buckets (`copy-store.ts`): reads and writes touch only the buckets that changed.
import { fetchBackupConfig, fetchBackupInfo, type BackupInfo } from "../data/backup.js";
import { fetchCoreConfig } from "../data/auth.js";
import type { HaConnection } from "../data/connection.js";
import { defaultLocks, KEY_CHANGE_LOCK, type LockPort } from "../common/locks.js";
import { fingerprintKey, newFingerprintSalt } from "../keys/fingerprint.js";
import { activePeriods, assignCopy, commitPeriodStart, lateApplyStart } from "./assign.js";
import { backupOrigin, identifyInstance, needsOwnBackupCheck, urlKeyOf, type Identity, type IdentityInput, type KnownInstance } from "./identity.js";
import { kitLists, type KitLists } from "./kit-lists.js";
import { readListing, type Listed } from "./listing.js";
import { BUCKETS, CopyCache, bucketOf, byCopyKey, decodeBucket, digest, newestKey, type CopyWriter, type NewestCopies } from "./copy-store.js";
import { isLater, laterTime, sameCopy, stampEvidence } from "./merge.js";
import { RegistryError, summarize, type CheckResult, type CopyRecord, type GenerationRecord, type GenerationSummary, type InstanceRecord, type JournalEntry, type JournalType } from "./model.js";
import { DEFAULT_DB_NAME, openRegistryDB, type RegistryDB } from "./schema.js";

export const REGISTRY_LOCK = "backup-keyring-registry";
export const REGISTRY_CHANNEL = "backup-keyring-registry";

export interface ReconcileResult {
  instanceId: string;
  active: GenerationSummary | null;
  /** The key in HA is one this registry did not see set through our flow. */
  changedElsewhere: boolean;
  /** A generation seen for the first time (including the very first look at an instance). */
  newGeneration: GenerationSummary | null;
  added: number;
  deleted: number;
}

export interface ReconcileInput {
  /** The URL the panel connected to (part of how an instance without backups is recognised). */
  url: string;
  locationName: string;
  password: string | null;
  info: BackupInfo;
  now?: Date;
  /**
   * When HA was asked (before the first answer). A fold of a read older than the last one folded
   * for the instance changes nothing: two overlapping loads (a slow HA, two tabs) would otherwise
   * let the older picture undo the newer one (a backup made in between marked deleted, a newer
   * key retired). Without it the fold is taken as current.
   */
  readAt?: Date;
}

const newId = () => crypto.randomUUID();
/** This browser's time of the newest HA read folded for an instance (local only, never mirrored: it orders this browser's reads). */
const readAtKey = (instanceId: string) => `listingReadAt:${instanceId}`;

export interface FoldOptions {
  /**
   * The key-change flow holding the lock asks itself: its pending generation is settled by what
   * HA holds now (activated, or abandoned) instead of being left for the flow.
   */
  resolvePending?: boolean;
  /** This browser's clock for the reconciliation (tests put a look in the past). */
  now?: Date;
}

/** How a reconciliation finds its instance's records (read inside whatever transaction it runs in). */
interface InstanceReads {
  instances(): Promise<InstanceRecord[]>;
  generations(instanceId: string): Promise<GenerationRecord[]>;
  backupIds(instanceId: string): Promise<Set<string>>;
}

/** The facts `identifyInstance` decides from, for one listing. */
function identityInput(info: BackupInfo, url: string, locationName: string, fingerprint: string | null): { input: IdentityInput; ownListed: () => string[] } {
  const { ownId, ownListed } = readListing(info);
  return { input: { ownId, urlKey: urlKeyOf(url, locationName), locationName, fingerprint }, ownListed };
}

async function recognise(read: InstanceReads, input: IdentityInput, ownListed: () => string[]): Promise<Identity> {
  const known: KnownInstance[] = [];
  for (const record of await read.instances()) {
    const active = (await read.generations(record.id)).find((g) => g.status === "active");
    known.push({ record, activeFingerprint: active?.fingerprint ?? null });
  }
  for (const k of known) {
    if (!needsOwnBackupCheck(k, input)) continue;
    const ids = await read.backupIds(k.record.id);
    k.holdsOwnBackups = ownListed().some((id) => ids.has(id));
  }
  return identifyInstance(known, input);
}

/**
 * Bump when the per-copy reconciliation (`foldBucket`, `assignCopy`) starts to depend on anything
 * `listingDigests` and `timelineDigest` do not cover: every bucket is then looked at once more.
 */
const FOLD_VERSION = 2;

/**
 * What else the per-copy reconciliation depends on: every generation field, except the last
 * sighting of the generation active now while its period is the latest (it moves on every
 * reconciliation, and no copy's assignment depends on it: a copy dated after it is one "listed by
 * the reconciliation that sees it active", `assign.ts`); the instance's own HA instance id as
 * recorded (who made each backup, `backupOrigin`, is decided against it; the listing digest has
 * each backup's id and marks); the locations in error (their copies are left alone, not marked
 * deleted). The clock margin is a constant: a change of it bumps `FOLD_VERSION`.
 */
export function timelineDigest(gens: readonly GenerationRecord[], haInstanceId: string | null, erroring: readonly string[]): string {
  const active = gens.find((g) => g.status === "active" && g.activatedAt !== null);
  const latest =
    active !== undefined &&
    gens.every((g) => g === active || ((g.activatedAt === null || !isLater(g.activatedAt, active.activatedAt!)) && (g.earlierPeriods ?? []).every((p) => !isLater(p.from, active.activatedAt!))));
  const rows = [...gens]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((g) => [
      g.id,
      g.number,
      g.fingerprint,
      g.status,
      g.origin,
      g.firstSeenAt,
      g.activatedAt,
      g === active && latest ? "" : g.lastSeenActiveAt,
      g.retiredAt,
      g.kitDownloadedAt,
      g.kitProvenAt,
      g.label,
      g.earlierPeriods ?? null,
    ]);
  return digest(JSON.stringify([FOLD_VERSION, haInstanceId, [...erroring].sort(), rows]));
}

/**
 * Step 3 of a reconciliation for the copies of one bucket (the per-copy rules, as they were for
 * all copies at once): every copy HA lists is assigned anew (`assignCopy`), a copy missing from
 * the list is marked deleted unless its location is in error. Copies are never changed in place.
 */
function foldBucket(
  stored: readonly CopyRecord[],
  listed: readonly Listed[],
  ctx: { instanceId: string; haInstanceId: string | null; now: string; erroring: Set<string>; gens: GenerationRecord[]; periods: ReturnType<typeof activePeriods> },
): { copies: CopyRecord[]; changed: boolean; added: number; deleted: number; deletedBackups: string[] } {
  const { instanceId, haInstanceId, now, erroring, gens, periods } = ctx;
  const existing = new Map(stored.map((c) => [`${c.backupId}|${c.agentId}`, c]));
  const current = new Map(existing);
  let changed = false;
  const write = (key: string, c: CopyRecord) => {
    current.set(key, c);
    changed = true;
  };
  const seen = new Set<string>();
  let added = 0;
  for (const b of listed) {
    // Only this instance's own backups can be dated against its key's periods.
    const origin = backupOrigin(b, haInstanceId);
    for (const [agentId, status] of Object.entries(b.agents)) {
      const key = `${b.backup_id}|${agentId}`;
      seen.add(key);
      const before = existing.get(key);
      const base: CopyRecord = before ?? {
        instanceId,
        backupId: b.backup_id,
        agentId,
        name: b.name,
        date: b.date,
        size: status.size,
        protected: status.protected,
        generationId: null,
        confidence: "unknown",
        lastCheck: null,
        deleted: false,
        deletedAt: null,
        mismatch: false,
      };
      const next = assignCopy({ ...base, name: b.name, date: b.date, size: status.size, protected: status.protected, ...listedAgain(base, now) }, gens, periods, origin);
      if (!before) added++;
      if (!before || !sameCopy(before, next)) write(key, next);
    }
  }
  let deleted = 0;
  const deletedBackups = new Set<string>();
  for (const [key, c] of existing) {
    if (seen.has(key) || c.deleted || erroring.has(c.agentId)) continue;
    write(key, { ...c, deleted: true, deletedAt: deletionMark(c, now) });
    deleted++;
    deletedBackups.add(c.backupId);
  }
  return { copies: changed ? [...current.values()] : [...stored], changed, added, deleted, deletedBackups: [...deletedBackups] };
}

/**
 * Deletion marks (`merge.ts`): a copy listed again keeps its deletion time and gets a later
 * "listed" time; both only move at such a change, so an unchanged list writes nothing.
 */
function listedAgain(c: CopyRecord, now: string): Partial<CopyRecord> {
  if (!c.deleted) return {};
  return { deleted: false, listedAt: laterTime(now, c.deletedAt)! };
}

/** A deletion time later than the copy's last "listed again" (clocks of two devices may disagree). */
function deletionMark(c: CopyRecord, now: string): string {
  if (c.listedAt === undefined || isLater(now, c.listedAt)) return now;
  return new Date(Date.parse(c.listedAt) + 1).toISOString();
}

/** Replaces one copy in its bucket, with the evidence (and its time) that the check added. */
function saveToBucket(writer: CopyWriter, bucket: number, before: CopyRecord, next: CopyRecord): void {
  const stamped = stampEvidence(before, next);
  writer.put(
    bucket,
    writer.bucket(bucket).map((c) => (c === before ? stamped : c)),
  );
  writer.finish();
}

function wrapStorageError(err: unknown): never {
  const name = (err as { name?: string })?.name;
  if (name === "QuotaExceededError") throw new RegistryError("storage_full");
  throw err;
}

export interface RegistryOptions {
  /** The clock for times this registry writes itself (tests inject one). */
  now?: () => Date;
}

export class Registry {
  private readonly channel: BroadcastChannel | null;
  private readonly listeners = new Set<() => void>();
  /** The copies this registry has read, per bucket (`copy-store.ts`). */
  readonly copyCache = new CopyCache();
  readonly now: () => Date;

  private constructor(
    readonly db: RegistryDB,
    private saltBytes: Uint8Array,
    readonly locks: LockPort,
    options: RegistryOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(REGISTRY_CHANNEL) : null;
    this.channel?.addEventListener("message", () => this.emit(false));
  }

  static async open(name = DEFAULT_DB_NAME, locks: LockPort = defaultLocks(), options: RegistryOptions = {}): Promise<Registry> {
    const db = await openRegistryDB(name);
    // Creating the salt is itself a race between tabs: the first writer wins, others read it.
    const tx = db.transaction("meta", "readwrite");
    let salt = (await tx.store.get("salt"))?.value as Uint8Array | undefined;
    if (!salt) {
      salt = newFingerprintSalt();
      await tx.store.put({ key: "salt", value: salt });
    }
    await tx.done;
    return new Registry(db, new Uint8Array(salt), locks, options);
  }

  close(): void {
    this.channel?.close();
    this.db.close();
  }

  /** The fingerprint salt as last read (`currentSalt()` reads it again). */
  get salt(): Uint8Array {
    return this.saltBytes;
  }

  /**
   * The salt as stored now. Another registry on this database (another tab, the card's session)
   * may have adopted the mirror's salt since this one opened: fingerprints made with the old one
   * would not match any generation and look like a key changed elsewhere.
   */
  async currentSalt(): Promise<Uint8Array> {
    const stored = (await this.db.get("meta", "salt"))?.value as Uint8Array | undefined;
    if (stored && (stored.length !== this.saltBytes.length || stored.some((b, i) => b !== this.saltBytes[i]))) this.saltBytes = new Uint8Array(stored);
    return this.saltBytes;
  }

  /** Sets the salt this registry uses (after the writer stored it: salt adoption, import). */
  saltAdopted(salt: Uint8Array): void {
    this.saltBytes = new Uint8Array(salt);
  }

  async fingerprint(key: string): Promise<string> {
    return fingerprintKey(key, await this.currentSalt());
  }

  /** Called after any change in this tab or another. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(broadcast: boolean): void {
    if (broadcast) this.channel?.postMessage({ type: "changed" });
    for (const l of this.listeners) l();
  }

  changed(): void {
    this.emit(true);
  }

  // --- reads ---

  instances(): Promise<InstanceRecord[]> {
    return this.db.getAll("instances");
  }

  async generations(instanceId: string): Promise<GenerationRecord[]> {
    return (await this.db.getAllFromIndex("generations", "byInstance", instanceId)).sort((a, b) => a.number - b.number);
  }

  /** Every copy of an instance. Only buckets written since this registry last read them are read again. */
  async copies(instanceId: string): Promise<CopyRecord[]> {
    const tx = this.db.transaction(["meta", "copyBuckets"]);
    const copies = await this.copyCache.all(tx.objectStore("meta"), tx.objectStore("copyBuckets"), instanceId);
    await tx.done;
    // A new array (the cached one stays as read); the records are never changed in place.
    return [...copies];
  }

  /** The newest copies of an instance and how many there are (one small record: a page's first screen), or null if not known yet. */
  async newestCopies(instanceId: string): Promise<NewestCopies | null> {
    return ((await this.db.get("meta", newestKey(instanceId)))?.value as NewestCopies | undefined) ?? null;
  }

  /**
   * The newest `limit` journal entries (of one instance, or of all with `null`), newest first by
   * their time (then by when they were recorded here): entries merged in from another device
   * carry their own times. Reads only those entries.
   */
  async journal(instanceId: string | null, limit = 200): Promise<JournalEntry[]> {
    if (limit <= 0) return [];
    const tx = this.db.transaction("journal");
    // The time of the `limit`-th newest entry (one step of a key cursor, not one per entry), then
    // everything from there on in one read.
    const lower: IDBValidKey = instanceId === null ? "" : [instanceId, ""];
    const upper: IDBValidKey = instanceId === null ? "\uffff" : [instanceId, "\uffff"];
    const index = instanceId === null ? tx.store.index("byTime") : tx.store.index("byInstanceTime");
    let cursor = await index.openKeyCursor(IDBKeyRange.bound(lower, upper), "prev");
    if (cursor && limit > 1) cursor = await cursor.advance(limit - 1);
    const from = cursor ? (cursor.key as IDBValidKey) : lower;
    const entries = await index.getAll(IDBKeyRange.bound(from, upper));
    await tx.done;
    return entries.reverse().slice(0, limit);
  }

  /** How many journal entries are later than `after` (every entry with null), leaving out one type; counted, not read. */
  async journalCount(after: string | null, exceptType?: JournalType): Promise<number> {
    const tx = this.db.transaction("journal");
    const n = await tx.store.index("byTime").count(after === null ? null : IDBKeyRange.lowerBound(after, true));
    const except = exceptType ? await tx.store.index("byTypeTime").count(IDBKeyRange.bound([exceptType, after ?? ""], [exceptType, "\uffff"], after !== null)) : 0;
    await tx.done;
    return n - except;
  }

  /**
   * What a kit of this generation may say (`kit-lists.ts`): `facts`, the backups with a copy of
   * this generation that a check proved (`checked`) or that was made while the key was seen in
   * use; `guessed`, those only inferred. Locations are named as HA shows them (`locationNames`).
   */
  async backupsOpenedBy(instanceId: string, generationId: string, locationNames: Record<string, string> = {}): Promise<KitLists> {
    return kitLists(await this.copies(instanceId), generationId, locationNames);
  }

  /**
   * Reads HA's listing for a fold to come (its digests, whose backups they are): called while the
   * caller waits on HA (the mirror's read), it takes that work out of the fold. Optional: a fold
   * does it itself otherwise.
   */
  prepare(info: BackupInfo): void {
    readListing(info).listing.catch(() => undefined);
  }

  /** The stored instance a listing belongs to, by the reconciliation's own rule (for a first paint before it). */
  async findInstance(info: BackupInfo, url: string, locationName: string, password: string | null): Promise<InstanceRecord | null> {
    const fingerprint = password === null ? null : await this.fingerprint(password);
    const { input, ownListed } = identityInput(info, url, locationName, fingerprint);
    const tx = this.db.transaction(["meta", "instances", "generations", "copyBuckets"]);
    const found = await recognise(this.instanceReads(tx), input, ownListed);
    await tx.done;
    return found.instance;
  }

  /** Identity reads inside `tx` (read or read-write over meta, instances, generations, copyBuckets); copies come from the bucket cache. */
  private instanceReads(tx: { objectStore(name: "instances" | "generations" | "copyBuckets" | "meta"): unknown }): InstanceReads {
    const t = tx as ReturnType<RegistryDB["transaction"]>;
    return {
      instances: () => t.objectStore("instances").getAll(),
      generations: (id) => t.objectStore("generations").index("byInstance").getAll(id),
      backupIds: async (id) => new Set((await this.copyCache.all(t.objectStore("meta"), t.objectStore("copyBuckets"), id)).map((c) => c.backupId)),
    };
  }

  // --- reconciliation ---

  /** Reads HA's config and backups and folds them in. Safe to run any number of times, in any number of tabs. */
  async reconcile(conn: HaConnection, url: string, options: FoldOptions = {}): Promise<ReconcileResult> {
    const readAt = new Date();
    const [config, info, core] = await Promise.all([fetchBackupConfig(conn), fetchBackupInfo(conn), fetchCoreConfig(conn)]);
    return this.fold({ url, locationName: core.location_name, password: config.config.create_backup.password, info, now: options.now, readAt }, options);
  }

  async fold(input: ReconcileInput, options: FoldOptions = {}): Promise<ReconcileResult> {
    // The listing is read (in slices, between other work) while the lock and the fingerprint are awaited.
    this.prepare(input.info);
    const result = await this.locks.withLock(REGISTRY_LOCK, async () => {
      // Under the lock, with the salt as stored now: another registry on this database may have
      // adopted the mirror's salt (salt adoption takes this lock too).
      const fingerprint = input.password === null ? null : await fingerprintKey(input.password, await this.currentSalt());
      return this.foldLocked(input.now ? input : { ...input, now: this.now() }, fingerprint, options);
    });
    this.changed();
    return result;
  }

  private async foldLocked(input: ReconcileInput, fingerprint: string | null, options: FoldOptions): Promise<ReconcileResult> {
    const now = (input.now ?? this.now()).toISOString();
    const { input: identity, ownListed } = identityInput(input.info, input.url, input.locationName, fingerprint);
    const { ownId, urlKey } = identity;
    // The instance is recognised once, before the transaction: the key-change lock is asked for
    // it, and awaiting a lock inside the transaction would let IndexedDB commit it early. Every
    // writer of instances and generations holds REGISTRY_LOCK (held here), so it stays true.
    const readTx = this.db.transaction(["meta", "instances", "generations", "copyBuckets"]);
    const found = await recognise(this.instanceReads(readTx), identity, ownListed);
    const lastRead = found.instance && input.readAt ? ((await readTx.objectStore("meta").get(readAtKey(found.instance.id)))?.value as number | undefined) : undefined;
    // Older news than what is folded already: the registry stays as the newer read left it. (A
    // stored time ahead of this clock is from before the clock was put back: not trusted. The
    // key-change flow settling its pending generation is never skipped: it decides by HA's key now.)
    const olderNews = input.readAt !== undefined && lastRead !== undefined && !options.resolvePending && input.readAt.getTime() < lastRead && lastRead <= Date.now();
    const current = found.instance && olderNews ? (await readTx.objectStore("generations").index("byInstance").getAll(found.instance.id)).find((g) => g.status === "active") : undefined;
    await readTx.done;
    if (found.instance && olderNews) {
      return { instanceId: found.instance.id, active: current ? summarize(current) : null, changedElsewhere: false, newGeneration: null, added: 0, deleted: 0 };
    }
    // Read while the steps above waited on IndexedDB; awaited before the key-change lock is asked and the transaction opens (an await of
    // anything but IndexedDB inside it would let it commit early).
    const listing = await readListing(input.info).listing;
    const flowLiveFor = found.instance && !options.resolvePending && !(await this.keyChangeFree(found.instance.id)) ? found.instance.id : null;
    const tx = this.db.transaction(["meta", "instances", "generations", "copyBuckets", "journal"], "readwrite");
    const journal: Omit<JournalEntry, "instanceId">[] = [];
    const note = (type: JournalType, params: Record<string, string | number> = {}) => journal.push({ at: now, type, params });
    try {
      // 1. The instance (identity.ts): its own id, else URL + name, else the same name and key.
      const instances = tx.objectStore("instances");
      let instance = found.instance;
      if (!instance) {
        instance = { id: newId(), haInstanceId: ownId, urlKey, name: input.locationName, url: input.url, firstSeenAt: now, lastReconciledAt: null, noKey: false };
      }
      // A record made under another instance's id (or none) takes the own one; its other records
      // point at the record's own id, so nothing else moves.
      const haInstanceId = found.adoptOwnId ? ownId : (instance.haInstanceId ?? ownId);
      instance = { ...instance, haInstanceId, name: input.locationName, url: input.url, urlKey, lastReconciledAt: now, noKey: fingerprint === null };
      await instances.put(instance);
      const instanceId = instance.id;

      // 2. Generations.
      const genStore = tx.objectStore("generations");
      const gens = (await genStore.index("byInstance").getAll(instanceId)).sort((a, b) => a.number - b.number);
      const put = async (g: GenerationRecord) => {
        await genStore.put(g);
        const i = gens.findIndex((x) => x.id === g.id);
        if (i >= 0) gens[i] = g;
        else gens.push(g);
      };
      let active = gens.find((g) => g.status === "active") ?? null;
      const pending = gens.find((g) => g.status === "pending") ?? null;
      let changedElsewhere = false;
      let created: GenerationRecord | null = null;
      const retire = async (g: GenerationRecord | null) => {
        if (g && g.status === "active") await put({ ...g, status: "retired", retiredAt: now });
      };

      // A key change in flight (its tab holds the key-change lock) keeps its pending generation
      // until it decides itself: HA may not have received the update yet.
      const pendingInFlight = pending !== null && flowLiveFor === instanceId;
      if (pending && fingerprint !== null && pending.fingerprint === fingerprint) {
        await retire(active);
        // Its period begins with the commit, not with this (maybe much later) look.
        active = { ...pending, status: "active", activatedAt: pending.activatedAt ?? commitPeriodStart(pending, gens), lastSeenActiveAt: now };
        await put(active);
        note("key_changed", { generation: active.number });
      } else {
        if (pending && !pendingInFlight) {
          await put({ ...pending, status: "abandoned", retiredAt: now });
          note("change_abandoned", { generation: pending.number });
        }
        if (fingerprint === null) {
          if (active) note("key_removed", { generation: active.number });
          await retire(active);
          active = null;
        } else if (active && active.fingerprint === fingerprint) {
          active = { ...active, lastSeenActiveAt: now };
          await put(active);
        } else {
          const known = gens.find((g) => g.fingerprint === fingerprint && g.status !== "pending" && g.status !== "abandoned");
          // A key our own flow generated (its kit proven) that HA applied only after the flow gave
          // up on it (the update arrived late): the user's own change, not one made elsewhere.
          const late = known ? undefined : gens.find((g) => g.fingerprint === fingerprint && g.status === "abandoned" && g.origin === "flow");
          await retire(active);
          const firstLook = gens.filter((g) => g.status !== "abandoned").length === 0;
          if (late) {
            active = { ...late, status: "active", activatedAt: lateApplyStart(late, gens, now), lastSeenActiveAt: now, retiredAt: null };
          } else if (known) {
            // The same key again (HA put back on it): a second active period; the first one, and
            // the backups dated in it, stay as they were.
            const earlierPeriods = known.activatedAt === null ? known.earlierPeriods : [...(known.earlierPeriods ?? []), { from: known.activatedAt, to: known.lastSeenActiveAt ?? known.activatedAt }];
            active = { ...known, status: "active", activatedAt: now, lastSeenActiveAt: now, retiredAt: null, ...(earlierPeriods ? { earlierPeriods } : {}) };
          } else {
            const number = Math.max(0, ...gens.map((g) => g.number)) + 1;
            active = {
              id: newId(),
              instanceId,
              number,
              fingerprint,
              status: "active",
              origin: firstLook ? "observed" : "elsewhere",
              firstSeenAt: now,
              activatedAt: now,
              lastSeenActiveAt: now,
              retiredAt: null,
              kitDownloadedAt: null,
              kitProvenAt: null,
              label: null,
            };
            created = active;
          }
          await put(active);
          changedElsewhere = !firstLook && !late;
          // A key known only from a loaded kit was never in use here: this is its first period.
          const firstUse = known !== undefined && known.activatedAt === null && !known.earlierPeriods?.length;
          if (late) note("key_changed", { generation: active.number });
          else if (firstLook) note("generation_observed", { generation: active.number });
          else if (known && !firstUse) note("generation_reactivated", { generation: active.number });
          else note("key_changed_elsewhere", firstUse ? { generation: active.number, from_kit: 1 } : { generation: active.number });
        }
      }

      // An import from another browser can bring a second "active" generation: HA has one key, so
      // only the one matching it stays active.
      for (const g of [...gens]) {
        if (g.status === "active" && g.id !== active?.id) await put({ ...g, status: "retired", retiredAt: now });
      }

      // 3. Copies, bucket by bucket: a bucket whose HA listing and timeline are those it was
      // settled at is not read; only changed buckets are written. Requests are queued without
      // awaiting each (a failed one aborts the transaction, and `tx.done` reports that).
      const queue = (request: Promise<unknown>) => void request.catch(() => undefined);
      const periods = activePeriods(gens);
      const erroring = new Set(Object.keys(input.info.agent_errors));
      const timeline = timelineDigest(gens, haInstanceId, [...erroring]);
      const copies = await this.copyCache.writer(tx.objectStore("meta"), tx.objectStore("copyBuckets"), instanceId);
      const todo = [...Array(BUCKETS).keys()].filter((k) => !copies.isSettled(k, listing.digests[k]!, timeline));
      await copies.load(todo);
      let added = 0;
      let deleted = 0;
      const deletedBackups = new Set<string>();
      for (const k of todo) {
        const r = foldBucket(copies.bucket(k), listing.backups[k]!, { instanceId, haInstanceId, now, erroring, gens, periods });
        added += r.added;
        deleted += r.deleted;
        for (const id of r.deletedBackups) deletedBackups.add(id);
        if (r.changed) copies.put(k, r.copies, listing.digests[k]!);
        else copies.settled(k, listing.digests[k]!);
      }
      copies.setTimeline(timeline);
      copies.finish();
      if (input.readAt) queue(tx.objectStore("meta").put({ key: readAtKey(instanceId), value: input.readAt.getTime() }));
      for (const backupId of deletedBackups) note("backup_deleted", { backup_id: backupId });

      const journalStore = tx.objectStore("journal");
      for (const j of journal) queue(journalStore.add({ ...j, instanceId }));
      await tx.done;
      copies.commit();
      return {
        instanceId,
        active: active ? summarize(active) : null,
        changedElsewhere,
        newGeneration: created ? summarize(created) : null,
        added,
        deleted,
      };
    } catch (err) {
      // Aborting rejects `tx.done`; that rejection is expected, the original error is what counts.
      tx.done.catch(() => undefined);
      try {
        tx.abort();
      } catch {
        // already finished
      }
      wrapStorageError(err);
    }
  }

  /** No key-change flow (in any tab) holds this instance's key-change lock right now. */
  private async keyChangeFree(instanceId: string): Promise<boolean> {
    const release = await this.locks.tryLock(`${KEY_CHANGE_LOCK}:${instanceId}`);
    release?.();
    return release !== null;
  }

  /** One serialised write: a full disk aborts the transaction (nothing half-written) and surfaces as `storage_full`. */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    return this.locks.withLock(REGISTRY_LOCK, fn).catch(wrapStorageError);
  }

  // --- the key-change flow's steps ---

  async beginPending(instanceId: string, fingerprint: string, facts: { kitDownloadedAt: string | null; kitProvenAt: string | null }): Promise<GenerationSummary> {
    return this.write(async () => {
      const tx = this.db.transaction(["generations", "journal"], "readwrite");
      const gens = await tx.objectStore("generations").index("byInstance").getAll(instanceId);
      for (const g of gens.filter((x) => x.status === "pending")) await tx.objectStore("generations").put({ ...g, status: "abandoned", retiredAt: this.now().toISOString() });
      const now = this.now().toISOString();
      const g: GenerationRecord = {
        id: newId(),
        instanceId,
        number: Math.max(0, ...gens.map((x) => x.number)) + 1,
        fingerprint,
        status: "pending",
        origin: "flow",
        firstSeenAt: now,
        activatedAt: null,
        lastSeenActiveAt: null,
        retiredAt: null,
        kitDownloadedAt: facts.kitDownloadedAt,
        kitProvenAt: facts.kitProvenAt,
        label: null,
      };
      await tx.objectStore("generations").put(g);
      await tx.done;
      this.changed();
      return summarize(g);
    });
  }

  async activatePending(instanceId: string, pendingId: string): Promise<GenerationSummary> {
    return this.write(async () => {
      const tx = this.db.transaction(["generations", "journal"], "readwrite");
      const store = tx.objectStore("generations");
      const pending = await store.get(pendingId);
      if (!pending || pending.instanceId !== instanceId) throw new RegistryError("no_pending");
      const now = this.now().toISOString();
      if (pending.status === "pending") {
        const gens = await store.index("byInstance").getAll(instanceId);
        for (const g of gens) {
          if (g.status === "active") await store.put({ ...g, status: "retired", retiredAt: now });
        }
        // The period begins with the commit: backups HA makes from then on use the new key.
        const active: GenerationRecord = { ...pending, status: "active", activatedAt: commitPeriodStart(pending, gens), lastSeenActiveAt: now };
        await store.put(active);
        await tx.objectStore("journal").add({ instanceId, at: now, type: "key_changed", params: { generation: active.number } });
        await tx.done;
        this.changed();
        return summarize(active);
      }
      await tx.done;
      return summarize(pending);
    });
  }

  async dropPending(instanceId: string, pendingId: string, reason: string): Promise<void> {
    await this.write(async () => {
      const tx = this.db.transaction(["generations", "journal"], "readwrite");
      const g = await tx.objectStore("generations").get(pendingId);
      if (g && g.instanceId === instanceId && g.status === "pending") {
        const now = this.now().toISOString();
        await tx.objectStore("generations").put({ ...g, status: "abandoned", retiredAt: now });
        await tx.objectStore("journal").add({ instanceId, at: now, type: "change_abandoned", params: { generation: g.number, reason } });
      }
      await tx.done;
    });
    this.changed();
  }

  async markKit(instanceId: string, generationId: string, what: "downloaded" | "proven"): Promise<void> {
    await this.write(() => this.markKitLocked(instanceId, generationId, what));
  }

  private async markKitLocked(instanceId: string, generationId: string, what: "downloaded" | "proven"): Promise<void> {
    const tx = this.db.transaction(["generations", "journal"], "readwrite");
    const g = await tx.objectStore("generations").get(generationId);
    if (!g || g.instanceId !== instanceId) throw new RegistryError("unknown_generation");
    const now = this.now().toISOString();
    await tx.objectStore("generations").put(what === "downloaded" ? { ...g, kitDownloadedAt: now } : { ...g, kitDownloadedAt: g.kitDownloadedAt ?? now, kitProvenAt: now });
    await tx.objectStore("journal").add({ instanceId, at: now, type: what === "downloaded" ? "kit_downloaded" : "kit_proven", params: { generation: g.number } });
    await tx.done;
    this.changed();
  }

  /**
   * Records that `fingerprint`'s key opened (or did not open) a copy. A key the registry does not
   * know yet becomes a retired generation (an old kit the user loaded).
   *
   * A copy that does not open with the keys tried keeps what the registry believes about it
   * unless its believed generation's own key was among them (`other_key`: expected, not a
   * failure). Only a failure with that own key withdraws the belief (`failed`). Every generation
   * whose key was tried and failed is remembered in `ruledOut` (what the table's note says was
   * tried). `error` means the copy could not be checked: nothing is learned, nothing goes into
   * History. The journal gets an entry only when something changed: a belief proven or
   * withdrawn, a mismatch, a copy found not checkable online or mislabelled; repeating a check
   * adds nothing.
   */
  async recordCheck(
    instanceId: string,
    backupId: string,
    agentId: string,
    outcome: { fingerprint: string } | { result: Exclude<CheckResult, "ok" | "other_key">; tried?: string[] },
  ): Promise<{ mismatch: boolean; generation: number | null; result: CheckResult }> {
    return this.write(async () => {
      const tx = this.db.transaction(["meta", "generations", "copyBuckets", "journal"], "readwrite");
      const now = this.now().toISOString();
      // The copy's bucket: one record read, one written (`saveCopy`), the cache kept current.
      const bucket = bucketOf(backupId);
      const copies = await this.copyCache.writer(tx.objectStore("meta"), tx.objectStore("copyBuckets"), instanceId);
      await copies.load([bucket]);
      const copy = copies.bucket(bucket).find((c) => c.backupId === backupId && c.agentId === agentId);
      if (!copy) throw new RegistryError("unknown_copy");
      const saveCopy = (next: CopyRecord) => saveToBucket(copies, bucket, copy, next);
      const journal = tx.objectStore("journal");
      const genStore = tx.objectStore("generations");
      const gens = await genStore.index("byInstance").getAll(instanceId);
      if (!("fingerprint" in outcome)) {
        const tried = new Set(outcome.tried ?? []);
        const triedIds = gens.filter((g) => tried.has(g.fingerprint)).map((g) => g.id);
        const believed = copy.generationId === null ? undefined : gens.find((g) => g.id === copy.generationId);
        let next: CopyRecord;
        if (outcome.result !== "failed") {
          next = { ...copy, lastCheck: { result: outcome.result, at: now } };
        } else if (believed && triedIds.includes(believed.id)) {
          // Its own key failed: the belief (even a proof, for a copy that changed) is withdrawn.
          next = { ...copy, generationId: null, confidence: "unknown", lastCheck: { result: "failed", at: now } };
        } else {
          next = { ...copy, lastCheck: { result: "other_key", at: now } };
        }
        const ruledOut = [...new Set([...(copy.ruledOut ?? []), ...(outcome.result === "failed" ? triedIds : [])])];
        if (ruledOut.length > 0) next.ruledOut = ruledOut;
        const result = next.lastCheck!.result;
        // Worth a History line: a withdrawn belief, or a lasting fact about the copy itself.
        const finding = result === "failed" || result === "not_supported" || result === "mislabelled";
        if (finding && (copy.lastCheck?.result !== result || copy.generationId !== next.generationId)) {
          await journal.add({
            instanceId,
            at: now,
            type: "check_failed",
            params: { backup_id: backupId, agent_id: agentId, result, ...(result === "failed" && believed ? { generation: believed.number } : {}) },
          });
        }
        saveCopy(next);
        await tx.done;
        copies.commit();
        return { mismatch: false, generation: null, result };
      }
      let gen = gens.find((g) => g.fingerprint === outcome.fingerprint && g.status !== "abandoned");
      if (!gen) {
        gen = {
          id: newId(),
          instanceId,
          number: Math.max(0, ...gens.map((g) => g.number)) + 1,
          fingerprint: outcome.fingerprint,
          status: "retired",
          origin: "imported",
          firstSeenAt: now,
          activatedAt: null,
          lastSeenActiveAt: null,
          retiredAt: now,
          kitDownloadedAt: null,
          kitProvenAt: null,
          label: null,
        };
        await genStore.put(gen);
        await journal.add({ instanceId, at: now, type: "generation_imported", params: { generation: gen.number } });
      }
      const mismatch = copy.generationId !== null && copy.generationId !== gen.id && (copy.confidence === "observed" || copy.confidence === "inferred" || copy.confidence === "verified");
      const alreadyProven = copy.confidence === "verified" && copy.generationId === gen.id;
      const next: CopyRecord = { ...copy, generationId: gen.id, confidence: "verified", lastCheck: { result: "ok", at: now }, mismatch: copy.mismatch || mismatch };
      const ruledOut = (copy.ruledOut ?? []).filter((id) => id !== gen.id);
      if (ruledOut.length > 0) next.ruledOut = ruledOut;
      else delete next.ruledOut;
      saveCopy(next);
      if (mismatch || !alreadyProven) {
        await journal.add({ instanceId, at: now, type: mismatch ? "mismatch" : "check_passed", params: { backup_id: backupId, agent_id: agentId, generation: gen.number } });
      }
      await tx.done;
      copies.commit();
      return { mismatch, generation: gen.number, result: "ok" };
    });
  }

  async getMeta<T>(key: string): Promise<T | null> {
    return ((await this.db.get("meta", key))?.value as T | undefined) ?? null;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.write(async () => {
      if (value === null) await this.db.delete("meta", key);
      else await this.db.put("meta", { key, value });
    });
  }

  /** Every record (copies flattened out of their buckets, in key order), for export and for tests that check nothing changed. */
  async dump(): Promise<{ instances: InstanceRecord[]; generations: GenerationRecord[]; copies: CopyRecord[]; journal: JournalEntry[] }> {
    const tx = this.db.transaction(["instances", "generations", "copyBuckets", "journal"]);
    const [instances, generations, buckets, journal] = await Promise.all([
      tx.objectStore("instances").getAll(),
      tx.objectStore("generations").getAll(),
      tx.objectStore("copyBuckets").getAll(),
      tx.objectStore("journal").getAll(),
    ]);
    await tx.done;
    const copies = buckets.flatMap((b) => decodeBucket(b.instanceId, b.data));
    copies.sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : byCopyKey(a, b)));
    return { instances, generations, copies, journal };
  }
}

export const openRegistry = (name?: string, locks?: LockPort) => Registry.open(name, locks);
