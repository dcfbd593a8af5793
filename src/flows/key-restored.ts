// HA's own backup settings pages save the whole `create_backup` block, password included, from
// the copy they loaded. A settings page left open across our key change and then saved puts the
// old key back. From the registry's journal: our change to generation N, then (soon after, with
// nothing in between) HA's key turning into an *earlier* generation again (`generation_reactivated`).
import type { GenerationRecord, JournalEntry } from "../registry/model.js";

/** How soon after our change a return to an older key counts as "put back by another tab". */
export const KEY_RESTORE_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface KeyRestored {
  /** The generation our change made. */
  changedTo: number;
  /** The earlier generation HA uses again. */
  restored: number;
  at: string;
}

/** `journal` newest first (as the registry returns it). Null when nothing like it happened. */
export function keyRestoredAfterChange(journal: readonly JournalEntry[], active: GenerationRecord | null): KeyRestored | null {
  const keyEvents = journal.filter(
    (e) => e.type === "key_changed" || e.type === "key_changed_elsewhere" || e.type === "generation_reactivated" || e.type === "key_removed" || e.type === "generation_observed",
  );
  const [last, previous] = keyEvents;
  // The registry notes a known generation coming back as `generation_reactivated` (older
  // journals, e.g. imported ones, may say `key_changed_elsewhere`).
  const back = last?.type === "generation_reactivated" || last?.type === "key_changed_elsewhere";
  if (!last || !previous || !back || previous.type !== "key_changed") return null;
  const restored = Number(last.params.generation);
  const changedTo = Number(previous.params.generation);
  if (!(restored < changedTo)) return null;
  if (Date.parse(last.at) - Date.parse(previous.at) > KEY_RESTORE_WINDOW_MS) return null;
  // Still so: HA has not been set to another key since.
  if (active?.number !== restored) return null;
  return { changedTo, restored, at: last.at };
}
