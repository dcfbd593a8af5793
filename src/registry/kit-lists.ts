// What a generation's emergency kit may list, from the registry's copies. Pure.
// `- ` lines are facts: a copy of the backup was proven by a check to open with the key, or made
// while the registry saw the key in use (observed). `? ` lines are guesses (inferred by date).
// Unknown copies are not listed at all.
import type { KitBackup } from "../kit/render.js";
import type { CopyRecord } from "./model.js";

export interface KitLists {
  /** The kit's `- ` lines; `checked` marks those proven by a check at every listed location. Oldest first. */
  facts: KitBackup[];
  /** The kit's `? ` lines (never a backup that is also a fact). Oldest first. */
  guessed: KitBackup[];
}

export function kitLists(copies: readonly CopyRecord[], generationId: string, locationNames: Record<string, string> = {}): KitLists {
  const facts = new Map<string, KitBackup>();
  const guessed = new Map<string, KitBackup>();
  for (const c of copies) {
    if (c.generationId !== generationId || c.deleted) continue;
    const fact = c.confidence === "verified" || c.confidence === "observed";
    if (!fact && c.confidence !== "inferred") continue;
    const into = fact ? facts : guessed;
    const b = into.get(c.backupId) ?? { backup_id: c.backupId, name: c.name, date: c.date, locations: [] };
    b.locations.push(locationNames[c.agentId] ?? c.agentId);
    // "Proven by a check" only when every location listed was checked; otherwise the line says
    // what is true of all of them: made while the key was in use.
    if (fact) b.checked = (b.checked ?? true) && c.confidence === "verified";
    into.set(c.backupId, b);
  }
  // A backup with a fact copy is listed once, as a fact, with the locations where it is one.
  for (const id of facts.keys()) guessed.delete(id);
  const sorted = (m: Map<string, KitBackup>) => [...m.values()].sort((a, b) => a.date.localeCompare(b.date));
  return { facts: sorted(facts), guessed: sorted(guessed) };
}
