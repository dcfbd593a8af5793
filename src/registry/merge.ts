// Merging two registries' states (this browser's and the mirror in HA, or two devices'): a join
// in the lattice sense, so the result does not depend on order or repetition (commutative,
// associative, idempotent) and no fact is lost.
//  - Instances, generations and copies are records with ids; journal entries get an id from
//    their content (`journalKey`). Records present on one side only are kept (union).
//  - A copy's checks are evidence with times: per generation, the last time its key opened the
//    copy and the last time it failed to (join: the later of each). The later of the two decides,
//    so a proof withdrawn by a later failure stays withdrawn on every device, and a failure
//    followed by a proof is proven again. Two generations proven at once are a mismatch, which
//    stays set.
//  - A belief by date (observed, inferred) is not a fact: it follows from the generation
//    timeline, which merges, and each device derives it when it reconciles. The join keeps facts
//    only; `keepBelief` puts a device's own belief back unless the evidence rules it out.
//  - Deletion is two marks, the last time a copy was found gone and the last time it was found
//    listed again (join: the later of each); it is deleted iff the first is later.
//  - A generation's earlier active periods are a set: union.
//  - A generation's lifecycle (status with its activation/retirement times) is taken from the
//    side whose last transition is later; kit marks and "last seen active" keep the latest time.
// Pure: no IndexedDB, no clock; tested with random pairs and triples of states.
import type { CopyEvidence, CopyRecord, GenerationRecord, GenerationStatus, InstanceRecord, JournalEntry } from "./model.js";

/** A journal entry as a fact: its id is its content, so the same event recorded twice is one. */
export interface JournalFact extends Omit<JournalEntry, "id"> {
  key: string;
}

export interface RegistryState {
  instances: InstanceRecord[];
  generations: GenerationRecord[];
  copies: CopyRecord[];
  journal: JournalFact[];
}

export const emptyState = (): RegistryState => ({ instances: [], generations: [], copies: [], journal: [] });

export function journalKey(e: Omit<JournalEntry, "id">): string {
  // JSON keeps 5 and "5" apart, so one key always means one content.
  const params = JSON.stringify(
    Object.keys(e.params)
      .sort()
      .map((k) => [k, e.params[k]]),
  );
  return `${e.at}|${e.instanceId ?? ""}|${e.type}|${params}`;
}

export function journalFact(e: JournalEntry): JournalFact {
  return { instanceId: e.instanceId, at: e.at, type: e.type, params: e.params, key: journalKey(e) };
}

/** U+0000 between the parts: ids may hold any other character (`RULES` in mirror-codec.ts). */
export const copyKey = (c: Pick<CopyRecord, "instanceId" | "backupId" | "agentId">) => `${c.instanceId}\u0000${c.backupId}\u0000${c.agentId}`;

type Tuple = readonly (string | number | boolean | null)[];

/** Lexicographic order of tuples; null sorts first. */
function compare(a: Tuple, b: Tuple): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** The larger of two tuples (each side's fields come whole from one tuple: the order decides, not the argument position). */
const larger = <T extends Tuple>(a: T, b: T): T => (compare(a, b) >= 0 ? a : b);
const maxOf = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);
const minOf = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a < b ? a : b);

const STATUS_RANK: Record<GenerationStatus, number> = { pending: 0, active: 1, retired: 2, abandoned: 3 };

export function mergeInstance(a: InstanceRecord, b: InstanceRecord): InstanceRecord {
  // HA's instance id is what a reconciliation decided (identity.ts), and a reconciliation corrects
  // a foreign id the earlier rule recorded: it comes with the rest of the later reconciliation's
  // view (the larger id would bring a corrected foreign id back for good).
  const [lastReconciledAt, haInstanceId, name, url, urlKey, noKey] = larger(
    [a.lastReconciledAt, a.haInstanceId, a.name, a.url, a.urlKey, a.noKey] as const,
    [b.lastReconciledAt, b.haInstanceId, b.name, b.url, b.urlKey, b.noKey] as const,
  );
  return { id: a.id, haInstanceId, urlKey, name, url, firstSeenAt: minOf(a.firstSeenAt, b.firstSeenAt)!, lastReconciledAt, noKey };
}

/**
 * When the generation last changed status: the time that decides which side's lifecycle is newer.
 * Pending is where every generation starts, so it is older than any transition. Only fields
 * carried in the lifecycle tuple may count here, or the order would depend on merged fields.
 */
function transitionAt(g: GenerationRecord): string {
  if (g.status === "active") return g.activatedAt ?? "";
  if (g.status === "pending") return "";
  return g.retiredAt ?? "";
}

export function mergeGeneration(a: GenerationRecord, b: GenerationRecord): GenerationRecord {
  const [, , status, activatedAt, retiredAt] = larger(
    [transitionAt(a), STATUS_RANK[a.status], a.status, a.activatedAt, a.retiredAt] as const,
    [transitionAt(b), STATUS_RANK[b.status], b.status, b.activatedAt, b.retiredAt] as const,
  );
  const [instanceId, number, fingerprint, origin] = larger([a.instanceId, -a.number, a.fingerprint, a.origin] as const, [b.instanceId, -b.number, b.fingerprint, b.origin] as const);
  return {
    id: a.id,
    instanceId,
    number: -number,
    fingerprint,
    status,
    origin,
    firstSeenAt: minOf(a.firstSeenAt, b.firstSeenAt)!,
    activatedAt,
    lastSeenActiveAt: maxOf(a.lastSeenActiveAt, b.lastSeenActiveAt),
    retiredAt,
    kitDownloadedAt: maxOf(a.kitDownloadedAt, b.kitDownloadedAt),
    kitProvenAt: maxOf(a.kitProvenAt, b.kitProvenAt),
    label: maxOf(a.label, b.label),
    ...periodsUnion(a.earlierPeriods, b.earlierPeriods),
  };
}

type Period = { from: string; to: string };
function periodsUnion(a: Period[] | undefined, b: Period[] | undefined): { earlierPeriods?: Period[] } {
  if (!a?.length && !b?.length) return {};
  const all = new Map([...(a ?? []), ...(b ?? [])].map((p) => [`${p.from}|${p.to}`, p]));
  return { earlierPeriods: [...all.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([, p]) => ({ from: p.from, to: p.to })) };
}

/** The start of time: stands in for a check time records from before `evidence` did not keep. */
export const EPOCH = "1970-01-01T00:00:00.000Z";

const ms = (t: string) => {
  const v = Date.parse(t);
  return Number.isNaN(v) ? -Infinity : v;
};
/** Whether `a` is later than `b` (by the instant; equal instants in other spellings by the text). */
export function isLater(a: string, b: string): boolean {
  const x = ms(a);
  const y = ms(b);
  return x !== y ? x > y : a > b;
}
/** The later of two times (a total order, so the join is associative). */
export const laterTime = (a: string | null | undefined, b: string | null | undefined): string | null => (a == null ? (b ?? null) : b == null ? a : isLater(b, a) ? b : a);

/** Deleted iff marked deleted later than last found listed again. */
export const isDeleted = (deletedAt: string | null, listedAt: string | null | undefined): boolean => deletedAt !== null && (listedAt == null || isLater(deletedAt, listedAt));

/**
 * A copy's two deletion marks. Records from before `listedAt` kept `deletedAt` only while
 * deleted (a mark without the flag cannot be told from a listing, so it counts as listed again).
 */
function marksOf(c: CopyRecord): { deletedAt: string | null; listedAt: string | null } {
  const deletedAt = c.deletedAt ?? (c.deleted ? EPOCH : null);
  const listedAt = c.listedAt ?? (!c.deleted && deletedAt !== null ? deletedAt : null);
  return { deletedAt, listedAt };
}

/** A copy's evidence; for records without it, taken from its last check and its ruled-out generations. */
export function evidenceOf(c: CopyRecord): Record<string, CopyEvidence> {
  if (c.evidence) return c.evidence;
  const ev: Record<string, CopyEvidence> = {};
  const at = c.lastCheck?.at ?? EPOCH;
  for (const g of c.ruledOut ?? []) ev[g] = { failed: c.lastCheck && c.lastCheck.result !== "ok" ? at : EPOCH };
  if (c.confidence === "verified" && c.generationId !== null) ev[c.generationId] = { ...ev[c.generationId], ok: c.lastCheck?.result === "ok" ? at : EPOCH };
  return ev;
}

function joinEvidence(a: Record<string, CopyEvidence>, b: Record<string, CopyEvidence>): Record<string, CopyEvidence> | undefined {
  const ids = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  if (ids.length === 0) return undefined;
  const out: Record<string, CopyEvidence> = {};
  for (const id of ids) {
    const ok = laterTime(a[id]?.ok, b[id]?.ok);
    const failed = laterTime(a[id]?.failed, b[id]?.failed);
    out[id] = { ...(ok !== null ? { ok } : {}), ...(failed !== null ? { failed } : {}) };
  }
  return out;
}

/**
 * What the evidence says: a generation is proven when its key's last success is later than its
 * last failure, ruled out when its last failure is as late or later (a tie counts as a failure:
 * nothing is shown as proven on contradicting evidence). Proven generations latest first.
 */
export function settleEvidence(ev: Record<string, CopyEvidence> | undefined): { proven: string[]; ruledOut: string[] } {
  const proven: [string, string][] = [];
  const ruledOut: string[] = [];
  for (const [id, e] of Object.entries(ev ?? {})) {
    if (e.ok !== undefined && (e.failed === undefined || isLater(e.ok, e.failed))) proven.push([id, e.ok]);
    else if (e.failed !== undefined) ruledOut.push(id);
  }
  proven.sort((x, y) => (x[1] === y[1] ? (x[0] < y[0] ? 1 : -1) : isLater(x[1], y[1]) ? -1 : 1));
  return { proven: proven.map(([id]) => id), ruledOut: ruledOut.sort() };
}

/**
 * Records the evidence a check added, with the check's time: a proof of the generation the copy
 * is now verified for, a failure for each generation newly ruled out. `before` → `after` is one
 * `recordCheck`; whatever else it decided is kept as it is.
 */
export function stampEvidence(before: CopyRecord, after: CopyRecord): CopyRecord {
  const check = after.lastCheck;
  if (!check || (before.lastCheck && before.lastCheck.at === check.at && before.lastCheck.result === check.result)) return after;
  const ev: Record<string, CopyEvidence> = { ...evidenceOf(before) };
  if (after.confidence === "verified" && after.generationId !== null && check.result === "ok") {
    ev[after.generationId] = { ...ev[after.generationId], ok: laterTime(ev[after.generationId]?.ok, check.at)! };
  }
  const had = new Set(before.ruledOut ?? []);
  for (const id of after.ruledOut ?? []) if (!had.has(id)) ev[id] = { ...ev[id], failed: laterTime(ev[id]?.failed, check.at)! };
  const evidence = joinEvidence(ev, {});
  const { evidence: _old, ...rest } = after;
  return evidence ? { ...rest, evidence } : rest;
}

const sameList = <T>(a: T[] | undefined, b: T[] | undefined, eq: (x: T, y: T) => boolean) => (a?.length ?? 0) === (b?.length ?? 0) && (a ?? []).every((x, i) => eq(x, b![i]!));

/**
 * The join of two records of one copy, over facts only: what HA reported, the last check, the
 * evidence with its times, the deletion marks and the mismatch mark. A belief by date
 * (`observed`, `inferred`) is not a fact: each device derives it from the (merged) generation
 * timeline when it reconciles, so the join says `unknown` unless the evidence proves a
 * generation (`verified`: the one proven last; two proven generations are a mismatch).
 * `keepBelief` puts a device's own belief back.
 */
export function mergeCopy(a: CopyRecord, b: CopyRecord): CopyRecord {
  // What HA reported about the copy: the same on both sides unless HA changed it; any fixed choice will do.
  const [date, name, size, prot] = larger([a.date, a.name, a.size, a.protected] as const, [b.date, b.name, b.size, b.protected] as const);
  // The later check (by its instant, then its text and result: a total order).
  const checkKey = (c: CopyRecord) => [c.lastCheck ? ms(c.lastCheck.at) : null, c.lastCheck?.at ?? null, c.lastCheck?.result ?? null] as const;
  const lastCheck = compare(checkKey(a), checkKey(b)) >= 0 ? a.lastCheck : b.lastCheck;
  const evidence = joinEvidence(evidenceOf(a), evidenceOf(b));
  const { proven, ruledOut } = settleEvidence(evidence);
  const ma = marksOf(a);
  const mb = marksOf(b);
  const deletedAt = laterTime(ma.deletedAt, mb.deletedAt);
  const listedAt = laterTime(ma.listedAt, mb.listedAt);
  const verified = prot && proven.length > 0;
  return {
    instanceId: a.instanceId,
    backupId: a.backupId,
    agentId: a.agentId,
    name,
    date,
    size,
    protected: prot,
    generationId: verified ? proven[0]! : null,
    confidence: !prot ? "unencrypted" : verified ? "verified" : "unknown",
    lastCheck: lastCheck ? { result: lastCheck.result, at: lastCheck.at } : null,
    deleted: isDeleted(deletedAt, listedAt),
    deletedAt,
    ...(listedAt !== null ? { listedAt } : {}),
    // Two keys that each opened the copy at some time: a mismatch, also after one was withdrawn.
    mismatch: a.mismatch || b.mismatch || Object.values(evidence ?? {}).filter((e) => e.ok !== undefined).length > 1,
    ...(ruledOut.length > 0 ? { ruledOut } : {}),
    ...(evidence ? { evidence } : {}),
  };
}

/** A copy's facts alone (`mergeCopy` with itself): what the mirror carries. */
export const copyFacts = (c: CopyRecord): CopyRecord => mergeCopy(c, c);

/**
 * `facts` (a join that involved this device's record `local`) with this device's own belief by
 * date put back, unless the joined evidence settles it: a proof shows as `verified`, and a
 * generation whose key failed on the copy is never believed.
 */
export function keepBelief(local: CopyRecord, facts: CopyRecord): CopyRecord {
  if (facts.confidence !== "unknown" || local.generationId === null || (local.confidence !== "observed" && local.confidence !== "inferred")) return facts;
  if ((facts.ruledOut ?? []).includes(local.generationId)) return facts;
  return { ...facts, generationId: local.generationId, confidence: local.confidence };
}

/** Union by id, joining records on both sides; `own` makes a record present on one side a lattice element too. */
function mergeBy<T>(a: readonly T[], b: readonly T[], id: (x: T) => string, join: (x: T, y: T) => T, own: (x: T) => T = (x) => x): T[] {
  const out = new Map<string, T>();
  for (const x of [...a, ...b]) {
    const k = id(x);
    const prev = out.get(k);
    out.set(k, prev === undefined ? own(x) : join(prev, x));
  }
  // A fixed order, so equal states compare equal however they were reached.
  return [...out.entries()].sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0)).map(([, v]) => v);
}

export function mergeStates(a: RegistryState, b: RegistryState): RegistryState {
  return {
    instances: mergeBy(a.instances, b.instances, (i) => i.id, mergeInstance),
    generations: mergeBy(a.generations, b.generations, (g) => g.id, mergeGeneration),
    copies: mergeBy(a.copies, b.copies, copyKey, mergeCopy, copyFacts),
    journal: mergeBy(
      a.journal,
      b.journal,
      (j) => j.key,
      (x) => x,
    ),
  };
}

const sameTimeNull = (a: { result: string; at: string } | null, b: { result: string; at: string } | null) => (a === null ? b === null : b !== null && a.result === b.result && a.at === b.at);

/** Field-by-field equality of two copies (cheaper than comparing JSON, and blind to key order). */
export function sameCopy(a: CopyRecord, b: CopyRecord): boolean {
  return (
    a.instanceId === b.instanceId &&
    a.backupId === b.backupId &&
    a.agentId === b.agentId &&
    a.name === b.name &&
    a.date === b.date &&
    a.size === b.size &&
    a.protected === b.protected &&
    a.generationId === b.generationId &&
    a.confidence === b.confidence &&
    sameTimeNull(a.lastCheck, b.lastCheck) &&
    a.deleted === b.deleted &&
    a.deletedAt === b.deletedAt &&
    a.listedAt === b.listedAt &&
    a.mismatch === b.mismatch &&
    sameList(a.ruledOut, b.ruledOut, (x, y) => x === y) &&
    sameEvidence(a.evidence, b.evidence)
  );
}

function sameEvidence(a: Record<string, CopyEvidence> | undefined, b: Record<string, CopyEvidence> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => b![k] !== undefined && a![k]!.ok === b![k]!.ok && a![k]!.failed === b![k]!.failed);
}

export function sameGeneration(a: GenerationRecord, b: GenerationRecord): boolean {
  return (
    a.id === b.id &&
    a.instanceId === b.instanceId &&
    a.number === b.number &&
    a.fingerprint === b.fingerprint &&
    a.status === b.status &&
    a.origin === b.origin &&
    a.firstSeenAt === b.firstSeenAt &&
    a.activatedAt === b.activatedAt &&
    a.lastSeenActiveAt === b.lastSeenActiveAt &&
    a.retiredAt === b.retiredAt &&
    a.kitDownloadedAt === b.kitDownloadedAt &&
    a.kitProvenAt === b.kitProvenAt &&
    a.label === b.label &&
    sameList(a.earlierPeriods, b.earlierPeriods, (x, y) => x.from === y.from && x.to === y.to)
  );
}

export function sameInstance(a: InstanceRecord, b: InstanceRecord): boolean {
  return (
    a.id === b.id &&
    a.haInstanceId === b.haInstanceId &&
    a.urlKey === b.urlKey &&
    a.name === b.name &&
    a.url === b.url &&
    a.firstSeenAt === b.firstSeenAt &&
    a.lastReconciledAt === b.lastReconciledAt &&
    a.noKey === b.noKey
  );
}
