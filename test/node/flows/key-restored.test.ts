import assert from "node:assert/strict";
import { test } from "node:test";
import { keyRestoredAfterChange } from "../../../src/flows/key-restored.js";
import type { GenerationRecord, JournalEntry } from "../../../src/registry/model.js";

const entry = (at: string, type: JournalEntry["type"], generation: number): JournalEntry => ({ instanceId: "i", at, type, params: { generation } });
const active = (number: number) => ({ number, status: "active" }) as GenerationRecord;

test("an earlier key back soon after our change is reported; anything else is not", () => {
  const changed = entry("2026-05-01T10:00:00Z", "key_changed", 3);
  const back = entry("2026-05-01T10:20:00Z", "key_changed_elsewhere", 2);
  const check = entry("2026-05-01T10:30:00Z", "check_passed", 2);
  assert.deepEqual(keyRestoredAfterChange([check, back, changed], active(2)), { changedTo: 3, restored: 2, at: back.at });
  // How the registry notes a known generation coming back.
  const reactivated = entry(back.at, "generation_reactivated", 2);
  assert.deepEqual(keyRestoredAfterChange([check, reactivated, changed], active(2)), { changedTo: 3, restored: 2, at: back.at });
  assert.equal(keyRestoredAfterChange([entry("2026-05-01T11:00:00Z", "key_changed", 3), reactivated, changed], active(3)), null);
  // A newer key set elsewhere is a change, not a restore.
  assert.equal(keyRestoredAfterChange([entry(back.at, "key_changed_elsewhere", 4), changed], active(4)), null);
  // Days later is not "right after".
  assert.equal(keyRestoredAfterChange([entry("2026-05-03T10:00:00Z", "key_changed_elsewhere", 2), changed], active(2)), null);
  // Fixed since (our change again): nothing to report.
  assert.equal(keyRestoredAfterChange([entry("2026-05-01T11:00:00Z", "key_changed", 5), back, changed], active(5)), null);
  // HA moved on to another key after the restore.
  assert.equal(keyRestoredAfterChange([back, changed], active(6)), null);
  assert.equal(keyRestoredAfterChange([], null), null);
});
