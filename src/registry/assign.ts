// Which generation a copy belongs to when no check has proved it, and how sure we are:
//  - observed: created while we watched that generation active (between its activation and the
//    last reconciliation that still found it active);
//  - inferred: by date, where no key change can have happened in between (before we first looked,
//    or across a change made through our own flow, whose time we know exactly);
//  - unknown: in a gap in which the key was changed elsewhere at a time we do not know.
// A verified copy keeps what the check proved; an unprotected copy is "unencrypted".
import type { CopyRecord, GenerationRecord } from "./model.js";

/** The generations a copy can belong to, in activation order. A reconciliation builds it once for all its copies. */
export function sortedTimeline(generations: GenerationRecord[]): GenerationRecord[] {
  return generations
    .filter((g) => g.activatedAt !== null && g.status !== "pending" && g.status !== "abandoned")
    .sort((a, b) => a.activatedAt!.localeCompare(b.activatedAt!));
}

// Parsed generation times, shared by every copy of a reconciliation (the same few strings).
const parsed = new Map<string, number>();

export function assignCopy(copy: CopyRecord, generations: GenerationRecord[], timeline = sortedTimeline(generations)): CopyRecord {
  if (!copy.protected) return { ...copy, generationId: null, confidence: "unencrypted" };
  if (copy.confidence === "verified" && copy.generationId !== null) return copy;
  if (timeline.length === 0) return { ...copy, generationId: null, confidence: "unknown" };
  const t = new Date(copy.date).getTime();
  const at = (iso: string | null) => {
    if (iso === null) return Number.NaN;
    let ms = parsed.get(iso);
    if (ms === undefined) {
      if (parsed.size > 10_000) parsed.clear();
      parsed.set(iso, (ms = new Date(iso).getTime()));
    }
    return ms;
  };

  if (t < at(timeline[0]!.activatedAt)) return { ...copy, generationId: timeline[0]!.id, confidence: "inferred" };
  for (let i = 0; i < timeline.length; i++) {
    const g = timeline[i]!;
    const next = timeline[i + 1];
    const from = at(g.activatedAt);
    const watchedUntil = at(g.lastSeenActiveAt ?? g.activatedAt);
    if (t >= from && t <= watchedUntil) return { ...copy, generationId: g.id, confidence: "observed" };
    if (t > watchedUntil && (!next || t < at(next.activatedAt))) {
      if (!next) return { ...copy, generationId: g.id, confidence: "inferred" };
      return next.origin === "flow" ? { ...copy, generationId: g.id, confidence: "inferred" } : { ...copy, generationId: null, confidence: "unknown" };
    }
  }
  return { ...copy, generationId: null, confidence: "unknown" };
}
