// How copies are stored: every copy of an instance lives in one of BUCKETS records (store
// `copyBuckets`, key [instanceId, bucket]), the bucket a stable hash of its backup id, so all
// locations of one backup share a record. A bucket holds its copies as one compact JSON text
// (reading 30 000 copies as objects costs Chromium several times what one text per bucket does).
// One index record per instance in `meta` (`copyIndex:<id>`) holds a revision per bucket, bumped
// by every transaction that writes the bucket, so a registry re-reads only buckets another tab
// (or another writer in this one) changed; and, per bucket, a digest of HA's listing at the last
// reconciliation that settled it, so a reconciliation with nothing new reads no bucket at all.
// And the newest copies (`copyTop:<id>`, NEWEST_COPIES of them with the number of all): a page
// paints its first screen from that one small record while the buckets are still being read.
import type { CheckResult, Confidence, CopyEvidence, CopyRecord } from "./model.js";

export const BUCKETS = 256;
/** How many of the newest copies the first screen needs (a table page or two). */
export const NEWEST_COPIES = 60;
/** More stale buckets than this: one range read instead of one read per bucket. */
const RANGE_READ_FROM = 48;

export interface CopyBucketRecord {
  instanceId: string;
  bucket: number;
  /** The bucket's copies (`encodeBucket`). */
  data: string;
}

export interface CopyIndex {
  /** A fresh id whenever the index is created: revisions of two different indexes never compare. */
  epoch: string;
  revs: number[];
  /**
   * Per bucket: the digest of HA's listing for it (`listingDigests`) as of the last
   * reconciliation that wrote or checked it, or null once anything else wrote it since.
   */
  inputs: (string | null)[];
  /** The digest of what the per-copy reconciliation depends on besides the listing (`timelineDigest`). */
  timeline: string | null;
  /** Copies per bucket (absent in indexes written before it: counted again on the next write of every bucket). */
  counts?: number[];
}

/** The newest copies of an instance (by date, then key) and how many it has: the first screen. */
export interface NewestCopies {
  copies: CopyRecord[];
  total: number;
}

export const newestKey = (instanceId: string) => `copyTop:${instanceId}`;

const newestFirst = (a: CopyRecord, b: CopyRecord) => (a.date !== b.date ? (a.date < b.date ? 1 : -1) : -byCopyKey(a, b));

/** The newest `NEWEST_COPIES` of these copies (kept in order while passing over them once). */
export function newestOf(copies: Iterable<CopyRecord>): CopyRecord[] {
  const top: CopyRecord[] = [];
  for (const c of copies) {
    if (top.length === NEWEST_COPIES && newestFirst(c, top[top.length - 1]!) >= 0) continue;
    let i = top.length;
    while (i > 0 && newestFirst(c, top[i - 1]!) < 0) i--;
    top.splice(i, 0, c);
    if (top.length > NEWEST_COPIES) top.pop();
  }
  return top;
}

export const copyIndexKey = (instanceId: string) => `copyIndex:${instanceId}`;
export const bucketRange = (instanceId: string) => IDBKeyRange.bound([instanceId, 0], [instanceId, BUCKETS]);

export function emptyIndex(): CopyIndex {
  return { epoch: crypto.randomUUID(), revs: new Array<number>(BUCKETS).fill(0), inputs: new Array<string | null>(BUCKETS).fill(null), timeline: null, counts: new Array<number>(BUCKETS).fill(0) };
}

/** FNV-1a over UTF-16 code units. */
function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function bucketOf(backupId: string): number {
  return fnv1a(backupId, 2166136261) % BUCKETS;
}

/**
 * A 64-bit digest (two independent 32-bit lanes; cyrb53's mixing), fed string by string (no text
 * is built). Not cryptographic: it only tells "the same listing as last time" from "something
 * changed", over data HA reports.
 */
export class Hasher {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  /** Adds a string and a separator (so "ab","c" and "a","bc" differ). */
  text(s: string): this {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.h1 = Math.imul(h1 ^ 0xffff, 2654435761);
    this.h2 = Math.imul(h2 ^ 0xffff, 1597334677);
    return this;
  }

  /** Adds a number (a safe integer: both 32-bit halves) without turning it into text. */
  num(n: number): this {
    const lo = n % 4294967296;
    const hi = (n - lo) / 4294967296;
    this.h1 = Math.imul(Math.imul(this.h1 ^ (lo >>> 0), 2654435761) ^ (hi >>> 0), 2654435761);
    this.h2 = Math.imul(Math.imul(this.h2 ^ (lo >>> 0), 1597334677) ^ (hi >>> 0), 1597334677);
    return this;
  }

  digest(): string {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (h2 >>> 0).toString(16).padStart(8, "0") + (h1 >>> 0).toString(16).padStart(8, "0");
  }
}

export const digest = (s: string): string => new Hasher().text(s).digest();

// --- the bucket text ---

// Numbers per value; a Record, so a value added to the model without a number does not compile.
const CONFIDENCE_CODE: Record<Confidence, number> = { verified: 0, observed: 1, inferred: 2, unknown: 3, unencrypted: 4 };
const RESULT_CODE: Record<CheckResult, number> = { ok: 0, failed: 1, other_key: 2, not_supported: 3, mislabelled: 4, error: 5 };
const values = <T extends string>(codes: Record<T, number>): T[] => {
  const out: T[] = [];
  for (const [k, n] of Object.entries(codes) as [T, number][]) out[n] = k;
  return out;
};
const CONFIDENCE = values(CONFIDENCE_CODE);
const RESULT = values(RESULT_CODE);

/**
 * `[strings, backups]`: strings interned per bucket (names, locations, generation ids); a backup
 * is `[backupId, name, date, copies]`, a copy `[agent, size, flags, generation, confidence,
 * checkResult, checkAt, deletedAt, listedAt, ruledOut, evidence, name?, date?]` (flags: 1
 * protected, 2 deleted, 4 mismatch; -1/null/0 for none/absent). Every record reads back exactly
 * as it was written, absent optional fields included.
 */
export function encodeBucket(copies: readonly CopyRecord[]): string {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (s: string) => {
    let n = index.get(s);
    if (n === undefined) index.set(s, (n = strings.push(s) - 1));
    return n;
  };
  const byBackup = new Map<string, CopyRecord[]>();
  for (const c of copies) {
    const list = byBackup.get(c.backupId);
    if (list) list.push(c);
    else byBackup.set(c.backupId, [c]);
  }
  const backups: unknown[] = [];
  for (const [backupId, list] of byBackup) {
    const first = list[0]!;
    backups.push([
      backupId,
      ref(first.name),
      first.date,
      list.map((c) => {
        const row: unknown[] = [
          ref(c.agentId),
          c.size,
          (c.protected ? 1 : 0) | (c.deleted ? 2 : 0) | (c.mismatch ? 4 : 0),
          c.generationId === null ? -1 : ref(c.generationId),
          CONFIDENCE_CODE[c.confidence],
          c.lastCheck ? RESULT_CODE[c.lastCheck.result] : -1,
          c.lastCheck ? c.lastCheck.at : null,
          c.deletedAt,
          c.listedAt ?? null,
          c.ruledOut ? c.ruledOut.map(ref) : 0,
          c.evidence ? Object.entries(c.evidence).map(([g, e]) => [ref(g), e.ok ?? null, e.failed ?? null]) : 0,
        ];
        if (c.name !== first.name || c.date !== first.date) row.push(ref(c.name), c.date);
        return row;
      }),
    ]);
  }
  return JSON.stringify([strings, backups]);
}

type Row = [number, number, number, number, number, number, string | null, string | null, string | null, number[] | 0, [number, string | null, string | null][] | 0, number?, string?];

export function decodeBucket(instanceId: string, data: string): CopyRecord[] {
  const [strings, backups] = JSON.parse(data) as [string[], [string, number, string, Row[]][]];
  const out: CopyRecord[] = [];
  for (const [backupId, nameRef, date, rows] of backups) {
    for (const r of rows) {
      const c: CopyRecord = {
        instanceId,
        backupId,
        agentId: strings[r[0]]!,
        name: r.length > 11 ? strings[r[11]!]! : strings[nameRef]!,
        date: r.length > 11 ? r[12]! : date,
        size: r[1],
        protected: (r[2] & 1) === 1,
        generationId: r[3] === -1 ? null : strings[r[3]]!,
        confidence: CONFIDENCE[r[4]]!,
        lastCheck: r[5] === -1 ? null : { result: RESULT[r[5]]!, at: r[6]! },
        deleted: (r[2] & 2) === 2,
        deletedAt: r[7],
        mismatch: (r[2] & 4) === 4,
      };
      if (r[8] !== null) c.listedAt = r[8];
      if (r[9] !== 0) c.ruledOut = r[9].map((n) => strings[n]!);
      if (r[10] !== 0) {
        const ev: Record<string, CopyEvidence> = {};
        for (const [g, ok, failed] of r[10]) ev[strings[g]!] = { ...(ok !== null ? { ok } : {}), ...(failed !== null ? { failed } : {}) };
        c.evidence = ev;
      }
      out.push(c);
    }
  }
  return out;
}

/** Sorted by backup, then location: a bucket's order does not depend on who wrote it. */
export const byCopyKey = (a: CopyRecord, b: CopyRecord) => (a.backupId < b.backupId ? -1 : a.backupId > b.backupId ? 1 : a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);

// --- reading and writing inside a transaction ---

interface MetaStore {
  get(key: string): Promise<{ key: string; value: unknown } | undefined>;
  put?(value: { key: string; value: unknown }): Promise<unknown>;
}
interface BucketStore {
  get(key: [string, number]): Promise<CopyBucketRecord | undefined>;
  getAll(range: IDBKeyRange): Promise<CopyBucketRecord[]>;
  put?(value: CopyBucketRecord): Promise<unknown>;
}

interface Cached {
  epoch: string;
  revs: number[];
  buckets: (CopyRecord[] | undefined)[];
  flat: CopyRecord[] | null;
}

/** A queued request: its failure aborts the transaction, which `tx.done` reports. */
const queue = (request: Promise<unknown>) => void request.catch(() => undefined);

/**
 * The copies a registry has read, per instance and bucket, with the revisions they were read at.
 * Arrays handed out are never changed in place: a writer builds new ones.
 */
export class CopyCache {
  private readonly instances = new Map<string, Cached>();

  private cached(instanceId: string, index: CopyIndex): Cached {
    let c = this.instances.get(instanceId);
    if (!c || c.epoch !== index.epoch) {
      c = { epoch: index.epoch, revs: new Array<number>(BUCKETS).fill(-1), buckets: new Array(BUCKETS), flat: null };
      this.instances.set(instanceId, c);
    }
    return c;
  }

  /** Every copy of an instance, reading only the buckets changed since this registry last read them. */
  async all(meta: MetaStore, store: BucketStore, instanceId: string): Promise<CopyRecord[]> {
    const index = await readIndex(meta, instanceId);
    if (!index) return [];
    const c = this.cached(instanceId, index);
    await this.load(store, instanceId, index, c, null);
    // Bucket by bucket, each in key order (backup, then location); no order across buckets.
    if (!c.flat) c.flat = c.buckets.flatMap((b) => b ?? []);
    return c.flat;
  }

  /** Loads the given buckets (null: every bucket) where the cache is behind `index`. */
  private async load(store: BucketStore, instanceId: string, index: CopyIndex, c: Cached, wanted: number[] | null): Promise<void> {
    const stale = (wanted ?? [...Array(BUCKETS).keys()]).filter((k) => c.revs[k] !== index.revs[k]);
    if (stale.length === 0) return;
    c.flat = null;
    const fill = (k: number, rec: CopyBucketRecord | undefined) => {
      c.buckets[k] = rec ? decodeBucket(instanceId, rec.data) : [];
      c.revs[k] = index.revs[k]!;
    };
    const empty = stale.filter((k) => index.revs[k] === 0);
    for (const k of empty) fill(k, undefined);
    const toRead = stale.filter((k) => index.revs[k] !== 0);
    if (toRead.length >= RANGE_READ_FROM) {
      const byBucket = new Map((await store.getAll(bucketRange(instanceId))).map((r) => [r.bucket, r]));
      for (const k of toRead) fill(k, byBucket.get(k));
    } else {
      const recs = await Promise.all(toRead.map((k) => store.get([instanceId, k])));
      toRead.forEach((k, i) => fill(k, recs[i]));
    }
  }

  /** The copies of some buckets of an instance (reading only those the cache lacks). */
  async buckets(meta: MetaStore, store: BucketStore, instanceId: string, wanted: number[]): Promise<CopyRecord[]> {
    const index = await readIndex(meta, instanceId);
    if (!index) return [];
    const c = this.cached(instanceId, index);
    await this.load(store, instanceId, index, c, wanted);
    return wanted.flatMap((k) => c.buckets[k] ?? []);
  }

  /** Starts writing copies of an instance in a read-write transaction over `meta` and `copyBuckets`. */
  async writer(meta: MetaStore, store: BucketStore, instanceId: string): Promise<CopyWriter> {
    const [index, newest] = await Promise.all([readIndex(meta, instanceId), meta.get(newestKey(instanceId))]);
    const i = index ?? emptyIndex();
    return new CopyWriter(this, meta, store, instanceId, i, this.cached(instanceId, i), (newest?.value as NewestCopies | undefined) ?? null);
  }

  /** After a transaction committed: what it wrote is what this registry has read. */
  committed(instanceId: string, index: CopyIndex, written: Map<number, CopyRecord[]>): void {
    const c = this.cached(instanceId, index);
    for (const [k, copies] of written) {
      c.buckets[k] = copies;
      c.revs[k] = index.revs[k]!;
    }
    if (written.size > 0) c.flat = null;
  }

  /** Reads of `load` for a writer (same cache). */
  loadFor(store: BucketStore, instanceId: string, index: CopyIndex, c: Cached, wanted: number[]): Promise<void> {
    return this.load(store, instanceId, index, c, wanted);
  }

  forget(): void {
    this.instances.clear();
  }
}

export async function readIndex(meta: MetaStore, instanceId: string): Promise<CopyIndex | null> {
  return ((await meta.get(copyIndexKey(instanceId)))?.value as CopyIndex | undefined) ?? null;
}

/** One transaction's writes of one instance's copies; `finish()` queues the index, `commit()` (after `tx.done`) updates the cache. */
export class CopyWriter {
  private readonly written = new Map<number, CopyRecord[]>();
  private indexChanged = false;
  private readonly next: CopyIndex;

  constructor(
    private readonly cache: CopyCache,
    private readonly meta: MetaStore,
    private readonly store: BucketStore,
    readonly instanceId: string,
    private readonly index: CopyIndex,
    private readonly cached: Cached,
    private readonly newest: NewestCopies | null,
  ) {
    this.next = { ...index, revs: [...index.revs], inputs: [...index.inputs], counts: index.counts ? [...index.counts] : undefined };
    if (index.revs.length !== BUCKETS) this.indexChanged = true;
  }

  get stored(): CopyIndex {
    return this.index;
  }

  /** Loads these buckets (reading only those the cache lacks) before `bucket()` is used on them. */
  async load(buckets: number[]): Promise<void> {
    await this.cache.loadFor(this.store, this.instanceId, this.index, this.cached, buckets);
  }

  /** A loaded bucket's copies, as stored (or as written earlier in this transaction). */
  bucket(k: number): CopyRecord[] {
    return this.written.get(k) ?? this.cached.buckets[k] ?? [];
  }

  /**
   * Writes a bucket (queued, not awaited). `input`: the listing digest the reconciliation settled
   * it at; any other writer passes null, so the next reconciliation looks at the bucket again.
   */
  put(k: number, copies: CopyRecord[], input: string | null = null): void {
    const sorted = [...copies].sort(byCopyKey);
    queue(this.store.put!({ instanceId: this.instanceId, bucket: k, data: encodeBucket(sorted) }));
    this.written.set(k, sorted);
    this.next.revs[k] = this.next.revs[k]! + 1;
    if (this.next.counts) this.next.counts[k] = sorted.length;
    this.next.inputs[k] = input;
    this.indexChanged = true;
  }

  /** Records that a bucket is settled at `input` without writing it. */
  settled(k: number, input: string): void {
    if (this.next.inputs[k] === input) return;
    this.next.inputs[k] = input;
    this.indexChanged = true;
  }

  setTimeline(timeline: string): void {
    if (this.next.timeline === timeline) return;
    this.next.timeline = timeline;
    this.indexChanged = true;
  }

  /** Whether a bucket written or settled now would be skipped by the next reconciliation at this listing and timeline. */
  isSettled(k: number, input: string, timeline: string): boolean {
    return this.index.timeline === timeline && this.index.inputs[k] === input;
  }

  get changed(): boolean {
    return this.written.size > 0;
  }

  /**
   * Queues the index write if anything changed, and the newest copies: those of the buckets
   * written now, and the earlier newest of every other bucket (which did not change). Call once,
   * after the last `put`.
   */
  finish(): void {
    if (this.indexChanged) queue(this.meta.put!({ key: copyIndexKey(this.instanceId), value: this.next }));
    if (this.written.size === 0) return;
    // Without an earlier record (and copies stored before), it is exact only once every bucket was written.
    const fresh = this.index.revs.every((r) => r === 0);
    if ((!this.newest && !fresh) || !this.next.counts) {
      if (this.written.size < BUCKETS) return;
      this.next.counts = [...Array(BUCKETS).keys()].map((k) => this.written.get(k)!.length);
      queue(this.meta.put!({ key: copyIndexKey(this.instanceId), value: this.next }));
    }
    const kept = (this.newest?.copies ?? []).filter((c) => !this.written.has(bucketOf(c.backupId)));
    const value: NewestCopies = { copies: newestOf([...kept, ...[...this.written.values()].flat()]), total: this.next.counts.reduce((n, x) => n + x, 0) };
    queue(this.meta.put!({ key: newestKey(this.instanceId), value }));
  }

  /** Call after the transaction committed. */
  commit(): void {
    this.cache.committed(this.instanceId, this.next, this.written);
  }
}
