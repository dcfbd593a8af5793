// The panel's and the card's pure view logic: what a user reads about their backups.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CopyRecord, GenerationRecord } from "../../../src/registry/model.js";
import { cardView } from "../../../src/ui/card/card-model.js";
import { checkCardConfig, validateCardConfig } from "../../../src/ui/card/card-config.js";
import { ageInDays, inUseSince, keyringStatus, newestBackupCheck, registryRows, timeline } from "../../../src/ui/model/keyring-model.js";
import { localizeEnglish } from "../../../src/common/localize-english.js";

const gen = (number: number, status: GenerationRecord["status"], extra: Partial<GenerationRecord> = {}): GenerationRecord => ({
  id: `g${number}`,
  instanceId: "i",
  number,
  fingerprint: `fp${number}`,
  status,
  origin: "observed",
  firstSeenAt: "2026-01-01T00:00:00Z",
  activatedAt: "2026-01-01T00:00:00Z",
  lastSeenActiveAt: null,
  retiredAt: null,
  kitDownloadedAt: null,
  kitProvenAt: null,
  label: null,
  ...extra,
});

const copy = (backupId: string, agentId: string, generationId: string | null, extra: Partial<CopyRecord> = {}): CopyRecord => ({
  instanceId: "i",
  backupId,
  agentId,
  name: `Backup ${backupId}`,
  date: `2026-02-${backupId.padStart(2, "0")}T03:00:00Z`,
  size: 1000,
  protected: true,
  generationId,
  confidence: generationId ? "inferred" : "unknown",
  lastCheck: null,
  deleted: false,
  deletedAt: null,
  mismatch: false,
  ...extra,
});

describe("keyring status", () => {
  const gens = [gen(1, "retired"), gen(2, "active")];

  it("all backups open when every one has a copy under a held key or unencrypted", () => {
    const copies = [copy("1", "backup.local", "g2"), copy("1", "hassio.nas", null, { protected: false, confidence: "unencrypted" }), copy("2", "backup.local", "g2")];
    const s = keyringStatus(copies, gens, new Set(["fp2"]));
    assert.equal(s.kind, "all_open");
    assert.equal(s.total, 2);
    // Both encrypted copies are only assigned by date until a check proves them.
    assert.equal(s.unverified, 2);
    assert.equal(keyringStatus([copy("1", "backup.local", "g2", { confidence: "verified" })], gens, new Set(["fp2"])).unverified, 0);
    assert.equal(localizeEnglish("panel.status.all_open", { count: s.total }), "All 2 backups open with keys you hold.");
  });

  it("names the generation whose kit is needed, per backup not per copy", () => {
    const copies = [copy("1", "backup.local", "g1"), copy("1", "cloud.cloud", "g1"), copy("2", "backup.local", "g1"), copy("3", "backup.local", "g2"), copy("4", "backup.local", null)];
    const s = keyringStatus(copies, gens, new Set(["fp2"]));
    assert.equal(s.kind, "needs_kits");
    assert.deepEqual(s.needs, [{ generation: 1, count: 2, kitSaved: false }]);
    assert.equal(s.unknown, 1);
    assert.equal(s.open, 1);
    // An unencrypted copy elsewhere does not make an encrypted copy under an old key open.
    assert.equal(keyringStatus([copy("9", "backup.local", "g1"), copy("9", "hassio.nas", null, { protected: false, confidence: "unencrypted" })], gens, new Set(["fp2"])).kind, "needs_kits");
    assert.equal(localizeEnglish("panel.status.needs", { count: 2, generation: 1 }), "2 backups need key generation 1: load its kit.");
    // Its kit was saved (the key change asked for it): a reminder that says so, not a warning.
    const saved = keyringStatus(
      copies,
      gens.map((g) => (g.id === "g1" ? { ...g, kitDownloadedAt: "2026-01-01T00:00:00Z" } : g)),
      new Set(["fp2"]),
    );
    assert.deepEqual(saved.needs, [{ generation: 1, count: 2, kitSaved: true }]);
    assert.deepEqual(s.counts, { proven: 0, probably: 3, unknown: 1 });
    // Loading generation 1's kit makes them open.
    assert.deepEqual(keyringStatus(copies, gens, new Set(["fp1", "fp2"])).needs, []);
  });

  it("ignores deleted copies", () => {
    const s = keyringStatus([copy("1", "backup.local", "g1", { deleted: true })], gens, new Set());
    assert.equal(s.kind, "empty");
  });

  it("table rows carry generation numbers, mismatch and deletion", () => {
    const rows = registryRows(
      [copy("1", "backup.local", "g1", { mismatch: true, confidence: "verified" }), copy("2", "hassio.nas", null, { deleted: true })],
      gens,
      [
        { agent_id: "backup.local", name: "local" },
        { agent_id: "hassio.nas", name: "nas" },
      ],
      { thisSystem: "This system", title: () => undefined },
    );
    assert.equal(rows[0]!.generation, 1);
    assert.equal(rows[0]!.check, "mismatch");
    assert.equal(rows[0]!.agentName, "This system");
    assert.equal(rows[1]!.agentName, "nas", "a network storage by the name given to it");
    assert.equal(rows[1]!.generation, null);
    assert.equal(rows[1]!.deleted, true);
  });

  it("newest backup: verified time from its own ok checks only", () => {
    const at = "2026-03-01T10:00:00Z";
    const copies = [
      copy("1", "backup.local", "g2", { confidence: "verified", lastCheck: { result: "ok", at: "2026-02-02T00:00:00Z" } }),
      copy("5", "backup.local", "g2", { confidence: "verified", lastCheck: { result: "ok", at } }),
      copy("5", "cloud", "g2"),
    ];
    assert.equal(newestBackupCheck(copies)?.verifiedAt, at);
    assert.equal(newestBackupCheck([copy("5", "backup.local", "g2")])?.verifiedAt, null);
  });

  it("timeline leaves out abandoned changes, newest first; age in whole days", () => {
    assert.deepEqual(
      timeline([gen(1, "retired"), gen(3, "abandoned"), gen(2, "active")]).map((g) => g.number),
      [2, 1],
    );
    assert.equal(ageInDays("2026-01-01T00:00:00Z", new Date("2026-01-15T12:00:00Z")), 14);
  });

  it("a key is in use since its oldest credited backup when that is older than the registry", () => {
    const g = gen(1, "active", { firstSeenAt: "2026-11-27T10:00:00Z", activatedAt: null });
    const copies = [copy("5", "backup.local", "g1", { date: "2025-10-03T03:00:00Z" }), copy("6", "backup.local", "g2", { date: "2024-01-01T00:00:00Z" })];
    assert.equal(inUseSince(g, copies), "2025-10-03T03:00:00Z", "another generation's backup does not count");
    assert.equal(inUseSince(g, []), "2026-11-27T10:00:00Z");
    assert.ok(ageInDays(inUseSince(g, copies), new Date("2026-11-27T12:00:00Z")) > 365);
  });
});

describe("card", () => {
  it("warns about a missing kit and backups needing an old kit; all good otherwise", () => {
    const gens = [gen(1, "retired"), gen(2, "active")];
    const v = cardView({ keySet: true, active: gens[1]!, generations: gens, copies: [copy("1", "backup.local", "g1", { confidence: "verified" })], held: new Set(["fp2"]), agentErrors: ["Offsite"] });
    assert.deepEqual(
      v.warnings.map((w) => w.key),
      ["card.warning.kit_missing", "panel.status.needs", "card.warning.unproven_backups", "card.warning.agent_error"],
    );
    assert.equal(v.allGood, false);
    const proven = gen(2, "active", { kitDownloadedAt: "x", kitProvenAt: "y" });
    const good = cardView({ keySet: true, active: proven, generations: [proven], copies: [copy("1", "backup.local", "g2")], held: new Set(["fp2"]), agentErrors: [] });
    assert.equal(good.allGood, true);
    assert.deepEqual(
      good.status.map((l) => l.key),
      ["card.status.key_set", "card.status.kit_last_proven", "card.status.newest_not_verified", "panel.status.counts"],
    );
  });

  it("the kit drill at a glance: last proven, next drill due (a day in the instance's zone), due now, off; backups never proven", () => {
    const proven = gen(2, "active", { kitDownloadedAt: "2026-01-31T23:30:00Z", kitProvenAt: "2026-01-31T23:30:00Z" });
    const base = { keySet: true, active: proven, generations: [proven], copies: [copy("1", "backup.local", "g2")], held: new Set(["fp2"]), agentErrors: [] };
    const ok = cardView({ ...base, drill: { months: 6, now: new Date("2026-03-01T00:00:00Z"), timeZone: "Europe/Berlin" } });
    assert.deepEqual(ok.status[1], { key: "card.status.kit_last_proven", params: { date: "2026-01-31T23:30:00Z" } });
    assert.deepEqual(ok.status[2], { key: "card.status.drill_next", params: { day: "2026-08-01" } });
    assert.equal(ok.allGood, true);
    const due = cardView({ ...base, drill: { months: 6, now: new Date("2026-08-01T00:00:00Z"), timeZone: "Europe/Berlin" } });
    assert.deepEqual(
      due.warnings.map((w) => w.key),
      ["card.status.drill_due"],
    );
    assert.equal(due.allGood, false);
    assert.equal(cardView({ ...base, drill: { months: 0, now: new Date("2030-01-01T00:00:00Z") } }).status[2]!.key, "card.status.drill_off");
    // A backup under an older generation whose kit was never proven.
    const old = gen(1, "retired");
    const checked = { confidence: "verified" as const };
    const v = cardView({
      ...base,
      generations: [old, proven],
      copies: [copy("1", "backup.local", "g1", checked), copy("2", "backup.local", "g1", checked), copy("3", "backup.local", "g2")],
      held: new Set(["fp1", "fp2"]),
    });
    assert.deepEqual(v.warnings, [{ key: "card.warning.unproven_backups", params: { count: 2 } }]);
    assert.equal(localizeEnglish(v.warnings[0]!.key, v.warnings[0]!.params), "2 backups need keys whose kit was never proven.");
    // Known only by date: said to be a guess.
    const guessed = cardView({
      ...base,
      generations: [old, proven],
      copies: [copy("1", "backup.local", "g1", checked), copy("2", "backup.local", "g1"), copy("3", "backup.local", "g2")],
      held: new Set(["fp1", "fp2"]),
    });
    assert.equal(localizeEnglish(guessed.warnings[0]!.key, guessed.warnings[0]!.params), "2 backups need keys whose kit was never proven (1 of them by date, not checked).");
  });

  it("no key: says so and warns", () => {
    const v = cardView({ keySet: false, active: null, generations: [], copies: [], held: new Set(), agentErrors: [] });
    assert.equal(v.status[0]!.key, "card.status.no_key");
    assert.equal(v.warnings[0]!.key, "card.warning.no_key");
  });

  it("config validation: clear errors for bad configs", () => {
    assert.deepEqual(validateCardConfig({ type: "custom:backup-keyring-card", title: "Keys" }), { type: "custom:backup-keyring-card", title: "Keys" });
    assert.throws(() => validateCardConfig(null), /must be a mapping/);
    assert.throws(() => validateCardConfig({ type: "custom:backup-keyring-card", show_kit_button: "yes" }), /"show_kit_button" must be a boolean/);
    assert.throws(() => validateCardConfig({ type: "custom:other-card" }), /"type" must be/);
    assert.throws(() => validateCardConfig({ type: "custom:backup-keyring-card", panel_path: "javascript:alert(1)" }), /panel_path/);
    assert.throws(() => validateCardConfig({ type: "custom:backup-keyring-card", visibility: { condition: "user" } }), /"visibility" must be a list/);
  });

  it("config validation: HA's own card options are accepted, unknown future keys kept and noted, not thrown", (t) => {
    const fromHa = {
      type: "custom:backup-keyring-card",
      grid_options: { columns: 12, rows: 4 },
      layout_options: { grid_columns: 4 },
      visibility: [{ condition: "user", users: ["abc"] }],
      view_layout: { position: "sidebar" },
    };
    assert.deepEqual(validateCardConfig(fromHa), fromHa);
    const info = t.mock.method(console, "info", () => undefined);
    const future = validateCardConfig({ type: "custom:backup-keyring-card", titel: "x", future_option: 1 });
    assert.equal((future as unknown as Record<string, unknown>).titel, "x", "kept so the editor round-trips it");
    assert.equal(info.mock.callCount(), 2);
    assert.match(String(info.mock.calls[0]!.arguments[0]), /ignoring the option "titel"/);
    // The editor gets the same facts without an exception.
    assert.deepEqual(checkCardConfig({ type: "custom:backup-keyring-card", panel_path: "no-slash" }).problems, [{ option: "panel_path", code: "panel_path" }]);
    assert.deepEqual(checkCardConfig({ type: "custom:backup-keyring-card", titel: "x" }).unknown, ["titel"]);
  });
});
