// The card's warnings as a user reads them: backups whose key generation is unknown are counted
// and named as such (not hidden, not mixed into "needs generation N").
import assert from "node:assert/strict";
import { it } from "node:test";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import type { CopyRecord, GenerationRecord } from "../../../src/registry/model.js";
import { cardView } from "../../../src/ui/card/card-model.js";

const active: GenerationRecord = {
  id: "g2",
  instanceId: "i",
  number: 2,
  fingerprint: "fp2",
  status: "active",
  origin: "flow",
  firstSeenAt: "2026-01-01T00:00:00Z",
  activatedAt: "2026-01-01T00:00:00Z",
  lastSeenActiveAt: null,
  retiredAt: null,
  kitDownloadedAt: "2026-01-01T00:00:00Z",
  kitProvenAt: "2026-01-01T00:00:00Z",
  label: null,
};
const copy = (backupId: string, agentId: string, generationId: string | null): CopyRecord => ({
  instanceId: "i",
  backupId,
  agentId,
  name: `Backup ${backupId}`,
  date: `2026-02-0${backupId}T03:00:00Z`,
  size: 1,
  protected: true,
  generationId,
  confidence: generationId ? "inferred" : "unknown",
  lastCheck: null,
  deleted: false,
  deletedAt: null,
  mismatch: false,
});

it("backups of an unknown generation: one warning with their count, in words", () => {
  const copies = [copy("1", "hassio.local", null), copy("1", "hassio.nas", null), copy("2", "hassio.local", null), copy("3", "hassio.local", "g2")];
  const v = cardView({ keySet: true, active, generations: [active], copies, held: new Set(["fp2"]), agentErrors: [] });
  assert.deepEqual(v.warnings, [{ key: "panel.status.unknown", params: { count: 2 } }], "two backups, each counted once");
  assert.equal(v.allGood, false);
  assert.equal(localizeEnglish(v.warnings[0]!.key, v.warnings[0]!.params), "2 backups are encrypted with a key of unknown generation: verify them, or load your old kits.");
  const one = cardView({ keySet: true, active, generations: [active], copies: [copy("2", "hassio.local", null)], held: new Set(["fp2"]), agentErrors: [] });
  assert.deepEqual(one.warnings, [{ key: "panel.status.unknown", params: { count: 1 } }]);
});

it("a backup with one copy of a known generation is not 'unknown'", () => {
  const copies = [copy("1", "hassio.local", null), copy("1", "hassio.nas", "g2")];
  const v = cardView({ keySet: true, active, generations: [active], copies, held: new Set(), agentErrors: [] });
  assert.ok(!v.warnings.some((w) => w.key === "panel.status.unknown"), "not counted as unknown");
  // Generation 2's kit was saved: needing it is information, not a warning.
  assert.deepEqual(v.warnings, []);
  assert.ok(
    v.status.some((l) => l.key === "panel.status.needs_saved" && l.params?.generation === 2),
    "names the generation the backup needs",
  );
  // Without a saved kit, needing generation 2's key is a warning.
  const unsaved = { ...active, kitDownloadedAt: null, kitProvenAt: null };
  const w = cardView({ keySet: true, active: unsaved, generations: [unsaved], copies, held: new Set(), agentErrors: [] });
  assert.ok(w.warnings.some((x) => x.key === "panel.status.needs"));
  assert.ok(!w.warnings.some((x) => x.key === "panel.status.unknown"));
});
