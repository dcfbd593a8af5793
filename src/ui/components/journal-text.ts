// What one History entry says: a translation key and its parameters, with locations named as HA
// shows them (This system, Home Assistant Cloud, a network storage's own name) and check outcomes in words. Pure, tested in Node.
import type { JournalEntry } from "../../registry/model.js";
import { keyIn, type TranslationKey } from "../../common/localize.js";

export interface JournalLine {
  key: TranslationKey;
  params: Record<string, string | number>;
}

/** A check's outcome as History words it; older registries may hold any result. */
const CHECK_KEYS: Record<string, TranslationKey> = {
  failed: "panel.journal.check_withdrawn",
  not_supported: "panel.journal.check_not_supported",
  mislabelled: "panel.journal.check_mislabelled",
  error: "panel.journal.check_error",
  other_key: "panel.journal.check_other_key",
};

export function journalLine(entry: JournalEntry, locationName: (agentId: string) => string = (id) => id): JournalLine {
  const params: Record<string, string | number> = { ...entry.params };
  if (typeof params.agent_id === "string") params.location = locationName(params.agent_id);
  if (entry.type === "check_failed") {
    const result = String(params.result ?? "error");
    // A withdrawal written before the generation was recorded with it says so without a number.
    if (result === "failed" && params.generation === undefined) return { key: "panel.journal.check_withdrawn_unknown", params };
    return { key: CHECK_KEYS[result] ?? "panel.journal.check_error", params };
  }
  if (entry.type === "key_changed_elsewhere" && params.from_kit === 1) return { key: "panel.journal.key_changed_elsewhere_from_kit", params };
  return { key: keyIn("panel.journal", entry.type), params };
}
