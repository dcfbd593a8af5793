// Which generation a copy belongs to when no check has proved it, and how sure we are. Every
// active period of a generation runs from one observation of its key (a reconciliation, or the
// commit of our own flow) to the last observation that still found it:
//  - observed: an automatic backup of this instance dated inside such a period, at least the
//    clock margin away from its ends (we saw the same key before and after it was made), or
//    after the last observation of the generation that is active right now (listed by it);
//  - inferred: a guess, labelled as one: dated between the last observation of a key and the
//    commit of our own flow that replaced it (the flow re-read HA's key just before the commit),
//    or within the clock margin of a period's end, or a manual backup (HA's own frontend sends
//    the configured key, but `backup/generate` and the Supervisor accept any password);
//  - unknown: a backup another instance made (HA lists backups on shared locations), one dated
//    before the first observation of the instance, or in a gap in which the key was changed at a
//    time we do not know (elsewhere, or our own update that HA applied late).
// A verified copy keeps what the check proved; a generation whose own key failed to open the copy
// is never assigned to it again; an unprotected copy is "unencrypted".
// Assumption (docs in README): HA's key does not go away and come back between two consecutive
// reconciliations; the panel and the card reconcile when they open and after every backup.
import type { CopyRecord, GenerationRecord } from "./model.js";

/**
 * Period boundaries are this browser's clock, backup dates HA's: a copy dated within this margin
 * of a boundary may have been made on the other side of it, so it is at most a guess there.
 */
export const CLOCK_MARGIN_MS = 5 * 60_000;

/** Who made a backup, as HA reports it: this instance with its automatic settings, this instance by hand, or another instance. */
export type BackupOrigin = "automatic" | "manual" | "foreign";

interface Period {
  gen: GenerationRecord;
  from: number;
  to: number;
  /** The generation's first active period (a flow-made generation began with our commit). */
  first: boolean;
  /** The period of the generation active now. */
  current: boolean;
}

// Parsed times, shared by every copy of a reconciliation (the same few generation strings; copies' dates repeat per location).
const parsed = new Map<string, number>();
const at = (iso: string) => {
  let ms = parsed.get(iso);
  if (ms === undefined) {
    if (parsed.size > 50_000) parsed.clear();
    parsed.set(iso, (ms = new Date(iso).getTime()));
  }
  return ms;
};

/** Every active period of every generation that was ever active, oldest first. */
export function activePeriods(generations: GenerationRecord[]): Period[] {
  const periods: Period[] = [];
  for (const g of generations) {
    if (g.activatedAt === null || g.status === "pending" || g.status === "abandoned") continue;
    const earlier = g.earlierPeriods ?? [];
    earlier.forEach((p, i) => periods.push({ gen: g, from: at(p.from), to: at(p.to), first: i === 0, current: false }));
    periods.push({ gen: g, from: at(g.activatedAt), to: at(g.lastSeenActiveAt ?? g.activatedAt), first: earlier.length === 0, current: g.status === "active" });
  }
  return periods.sort((a, b) => a.from - b.from);
}

type Dated = { gen: GenerationRecord | null; confidence: "observed" | "inferred" | "unknown" };
const UNKNOWN: Dated = { gen: null, confidence: "unknown" };

function dated(copy: CopyRecord, periods: Period[], margin: number): Dated {
  const t = at(copy.date);
  if (Number.isNaN(t) || periods.length === 0 || t < periods[0]!.from) return UNKNOWN;
  for (let i = 0; i < periods.length; i++) {
    const p = periods[i]!;
    const next = periods[i + 1];
    if (t >= p.from && t <= p.to) {
      // Near the start the backup may predate the key; near the end of a period that is over it
      // may postdate its last sighting. The period active now ends "now": the reconciliation that
      // just saw the key also listed the backup, so it was made before.
      const nearStart = t < p.from + margin;
      const nearEnd = !(p.current && !next) && t > p.to - margin;
      return { gen: p.gen, confidence: nearStart || nearEnd ? "inferred" : "observed" };
    }
    if (t > p.to && (!next || t < next.from)) {
      // After the last observation of the key HA holds now: the reconciliation that just saw the
      // key also listed this backup (dates after it are HA's clock running ahead of ours).
      if (!next) return p.current ? { gen: p.gen, confidence: t < p.from + margin ? "inferred" : "observed" } : UNKNOWN;
      // The gap before our own commit: HA's key was re-read just before it, so the old key held
      // until the commit and ours after it. If the old key was still seen after our commit, HA
      // applied our update late, at a time we do not know.
      if (next.first && next.gen.origin === "flow") {
        const commit = at(next.gen.firstSeenAt);
        if (Number.isNaN(commit) || p.to >= commit) return UNKNOWN;
        return { gen: t < commit ? p.gen : next.gen, confidence: "inferred" };
      }
      return UNKNOWN;
    }
  }
  return UNKNOWN;
}

export function assignCopy(copy: CopyRecord, generations: GenerationRecord[], periods = activePeriods(generations), origin: BackupOrigin = "automatic", margin = CLOCK_MARGIN_MS): CopyRecord {
  if (!copy.protected) return { ...copy, generationId: null, confidence: "unencrypted" };
  if (copy.confidence === "verified" && copy.generationId !== null) return copy;
  // Another instance's backup says nothing about this instance's key at its date.
  if (origin === "foreign") return { ...copy, generationId: null, confidence: "unknown" };
  const { gen, confidence } = dated(copy, periods, margin);
  if (gen === null || (copy.ruledOut ?? []).includes(gen.id)) return { ...copy, generationId: null, confidence: "unknown" };
  return { ...copy, generationId: gen.id, confidence: origin === "manual" && confidence === "observed" ? "inferred" : confidence };
}

/**
 * When the active period of our flow's generation begins once HA holds its key: the commit (the
 * pending record is written just before the update is sent), or — if another key was still seen
 * after the commit while the flow was sending — that last sighting, so periods never overlap.
 */
export function commitPeriodStart(pending: GenerationRecord, generations: GenerationRecord[]): string {
  let start = pending.firstSeenAt;
  for (const g of generations) {
    if (g.id !== pending.id && g.lastSeenActiveAt !== null && at(g.lastSeenActiveAt) > at(start)) start = g.lastSeenActiveAt;
  }
  return start;
}

/**
 * Our flow's generation that HA took only after the flow had given it up (the update arrived
 * late): if another key was seen after the commit, HA changed over at a moment we do not know,
 * so the period begins with this observation; otherwise with the commit.
 */
export function lateApplyStart(abandoned: GenerationRecord, generations: GenerationRecord[], now: string): string {
  const commit = at(abandoned.firstSeenAt);
  const seenAfter = generations.some((g) => g.id !== abandoned.id && g.lastSeenActiveAt !== null && at(g.lastSeenActiveAt) >= commit);
  return seenAfter ? now : abandoned.firstSeenAt;
}
