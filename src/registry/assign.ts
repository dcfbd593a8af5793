// Which generation a copy belongs to when no check has proved it, and how sure we are. Every
// active period of a generation runs from one observation of its key (a reconciliation, or the
// confirmed commit of our own flow) to the last observation that still found it:
//  - observed: dated inside such a period (we saw the same key before and after it was made), or
//    after the last observation of the generation that is active right now (listed by it);
//  - inferred: dated between the last observation of a key and our own flow's commit that
//    replaced it (the flow re-read HA's key just before the commit, so nothing unseen lies in
//    between, but no reconciliation saw the backup's key either): a guess, labelled as one;
//  - unknown: before the first observation of the instance, or in a gap in which the key was
//    changed elsewhere at a time we do not know.
// A verified copy keeps what the check proved; a generation whose own key failed to open the copy
// is never assigned to it again; an unprotected copy is "unencrypted".
// Assumption (docs in README): HA's key does not go away and come back between two consecutive
// reconciliations; the panel and the card reconcile when they open and after every backup.
import type { CopyRecord, GenerationRecord } from "./model.js";

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

function dated(copy: CopyRecord, periods: Period[]): { gen: GenerationRecord | null; confidence: "observed" | "inferred" | "unknown" } {
  const t = at(copy.date);
  if (Number.isNaN(t) || periods.length === 0 || t < periods[0]!.from) return { gen: null, confidence: "unknown" };
  for (let i = 0; i < periods.length; i++) {
    const p = periods[i]!;
    const next = periods[i + 1];
    if (t >= p.from && t <= p.to) return { gen: p.gen, confidence: "observed" };
    if (t > p.to && (!next || t < next.from)) {
      // After the last observation of the key HA holds now: the reconciliation that just saw the
      // key also listed this backup (dates after it are HA's clock running ahead of ours).
      if (!next) return p.current ? { gen: p.gen, confidence: "observed" } : { gen: null, confidence: "unknown" };
      if (next.first && next.gen.origin === "flow") return { gen: p.gen, confidence: "inferred" };
      return { gen: null, confidence: "unknown" };
    }
  }
  return { gen: null, confidence: "unknown" };
}

export function assignCopy(copy: CopyRecord, generations: GenerationRecord[], periods = activePeriods(generations)): CopyRecord {
  if (!copy.protected) return { ...copy, generationId: null, confidence: "unencrypted" };
  if (copy.confidence === "verified" && copy.generationId !== null) return copy;
  const { gen, confidence } = dated(copy, periods);
  if (gen === null || (copy.ruledOut ?? []).includes(gen.id)) return { ...copy, generationId: null, confidence: "unknown" };
  return { ...copy, generationId: gen.id, confidence };
}
