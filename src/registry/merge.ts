// Merging two registries' states (this browser's and the mirror in HA, or two devices'): a join
// in the lattice sense, so the result does not depend on order or repetition (commutative,
// associative, idempotent) and no fact is lost.
//  - Instances, generations and copies are records with ids; journal entries get an id from
//    their content (`journalKey`). Records present on one side only are kept (union).
//  - A copy's confidence only rises with evidence: verified > observed > inferred > unknown.
//    Two checks proving different generations set `mismatch`, which stays set.
//  - A deletion is a mark that stays (`deleted`, earliest `deletedAt`).
//  - "Ruled out" generations of a copy (its own key failed) and a generation's earlier active
//    periods are sets: union. A guess the union rules out is dropped by the next reconciliation
//    (`assignCopy` never assigns a ruled-out generation), not here: dropping it in the join would
//    break associativity (the next-best guess of a third state would be lost).
//  - A generation's lifecycle (status with its activation/retirement times) is taken from the
//    side whose last transition is later; kit marks and "last seen active" keep the latest time.
// Pure: no IndexedDB, no clock; tested with random pairs and triples of states.
import type { Confidence, CopyRecord, GenerationRecord, GenerationStatus, InstanceRecord, JournalEntry } from "./model.js";

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
  const params = JSON.stringify(Object.keys(e.params).sort().map((k) => [k, e.params[k]]));
  return `${e.at}|${e.instanceId ?? ""}|${e.type}|${params}`;
}

export function journalFact(e: JournalEntry): JournalFact {
  return { instanceId: e.instanceId, at: e.at, type: e.type, params: e.params, key: journalKey(e) };
}

export const copyKey = (c: Pick<CopyRecord, "instanceId" | "backupId" | "agentId">) => `${c.instanceId}|${c.backupId}|${c.agentId}`;

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

const CONFIDENCE_RANK: Record<Confidence, number> = { unencrypted: 0, unknown: 1, inferred: 2, observed: 3, verified: 4 };
const STATUS_RANK: Record<GenerationStatus, number> = { pending: 0, active: 1, retired: 2, abandoned: 3 };

export function mergeInstance(a: InstanceRecord, b: InstanceRecord): InstanceRecord {
  const [lastReconciledAt, name, url, urlKey, noKey] = larger(
    [a.lastReconciledAt, a.name, a.url, a.urlKey, a.noKey] as const,
    [b.lastReconciledAt, b.name, b.url, b.urlKey, b.noKey] as const,
  );
  return { id: a.id, haInstanceId: maxOf(a.haInstanceId, b.haInstanceId), urlKey, name, url, firstSeenAt: minOf(a.firstSeenAt, b.firstSeenAt)!, lastReconciledAt, noKey };
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

function ruledOutUnion(a: string[] | undefined, b: string[] | undefined): { ruledOut?: string[] } {
  if (!a?.length && !b?.length) return {};
  return { ruledOut: [...new Set([...(a ?? []), ...(b ?? [])])].sort() };
}

const sameList = <T>(a: T[] | undefined, b: T[] | undefined, eq: (x: T, y: T) => boolean) =>
  (a?.length ?? 0) === (b?.length ?? 0) && (a ?? []).every((x, i) => eq(x, b![i]!));

export function mergeCopy(a: CopyRecord, b: CopyRecord): CopyRecord {
  // What HA reported about the copy: the same on both sides unless HA changed it; any fixed choice will do.
  const [date, name, size, prot] = larger([a.date, a.name, a.size, a.protected] as const, [b.date, b.name, b.size, b.protected] as const);
  // The assignment with the strongest evidence. Two proofs of different generations are a
  // mismatch, shown as such; which one is listed is then a fixed choice (the check times are
  // merged separately, so they cannot decide without breaking associativity).
  const [, generationId, confidence] = larger(
    [CONFIDENCE_RANK[a.confidence], a.generationId, a.confidence] as const,
    [CONFIDENCE_RANK[b.confidence], b.generationId, b.confidence] as const,
  );
  const [lastAt, lastResult] = larger([a.lastCheck?.at ?? null, a.lastCheck?.result ?? null] as const, [b.lastCheck?.at ?? null, b.lastCheck?.result ?? null] as const);
  const provedApart = a.confidence === "verified" && b.confidence === "verified" && a.generationId !== b.generationId;
  const deleted = a.deleted || b.deleted;
  return {
    instanceId: a.instanceId,
    backupId: a.backupId,
    agentId: a.agentId,
    name,
    date,
    size,
    protected: prot,
    generationId,
    confidence,
    lastCheck: lastAt === null || lastResult === null ? null : { result: lastResult, at: lastAt },
    deleted,
    deletedAt: deleted ? minOf(a.deleted ? a.deletedAt : null, b.deleted ? b.deletedAt : null) : null,
    mismatch: a.mismatch || b.mismatch || provedApart,
    ...ruledOutUnion(a.ruledOut, b.ruledOut),
  };
}

function mergeBy<T>(a: readonly T[], b: readonly T[], id: (x: T) => string, join: (x: T, y: T) => T): T[] {
  const out = new Map<string, T>();
  for (const x of a) {
    const k = id(x);
    const prev = out.get(k);
    out.set(k, prev === undefined ? x : join(prev, x));
  }
  for (const y of b) {
    const k = id(y);
    const prev = out.get(k);
    out.set(k, prev === undefined ? y : join(prev, y));
  }
  // A fixed order, so equal states compare equal however they were reached.
  return [...out.entries()].sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0)).map(([, v]) => v);
}

export function mergeStates(a: RegistryState, b: RegistryState): RegistryState {
  return {
    instances: mergeBy(a.instances, b.instances, (i) => i.id, mergeInstance),
    generations: mergeBy(a.generations, b.generations, (g) => g.id, mergeGeneration),
    copies: mergeBy(a.copies, b.copies, copyKey, mergeCopy),
    journal: mergeBy(a.journal, b.journal, (j) => j.key, (x) => x),
  };
}

const sameTimeNull = (a: { result: string; at: string } | null, b: { result: string; at: string } | null) => (a === null ? b === null : b !== null && a.result === b.result && a.at === b.at);

/** Field-by-field equality of two copies (cheaper than comparing JSON, and blind to key order). */
export function sameCopy(a: CopyRecord, b: CopyRecord): boolean {
  return (
    a.instanceId === b.instanceId && a.backupId === b.backupId && a.agentId === b.agentId && a.name === b.name && a.date === b.date &&
    a.size === b.size && a.protected === b.protected && a.generationId === b.generationId && a.confidence === b.confidence &&
    sameTimeNull(a.lastCheck, b.lastCheck) && a.deleted === b.deleted && a.deletedAt === b.deletedAt && a.mismatch === b.mismatch &&
    sameList(a.ruledOut, b.ruledOut, (x, y) => x === y)
  );
}

export function sameGeneration(a: GenerationRecord, b: GenerationRecord): boolean {
  return (
    a.id === b.id && a.instanceId === b.instanceId && a.number === b.number && a.fingerprint === b.fingerprint && a.status === b.status &&
    a.origin === b.origin && a.firstSeenAt === b.firstSeenAt && a.activatedAt === b.activatedAt && a.lastSeenActiveAt === b.lastSeenActiveAt &&
    a.retiredAt === b.retiredAt && a.kitDownloadedAt === b.kitDownloadedAt && a.kitProvenAt === b.kitProvenAt && a.label === b.label &&
    sameList(a.earlierPeriods, b.earlierPeriods, (x, y) => x.from === y.from && x.to === y.to)
  );
}

export function sameInstance(a: InstanceRecord, b: InstanceRecord): boolean {
  return (
    a.id === b.id && a.haInstanceId === b.haInstanceId && a.urlKey === b.urlKey && a.name === b.name && a.url === b.url &&
    a.firstSeenAt === b.firstSeenAt && a.lastReconciledAt === b.lastReconciledAt && a.noKey === b.noKey
  );
}
