// What the overview, the card, the table, History and the key-change dialog say, in English: the
// three words (proven, probably (not checked), unknown), expected outcomes never as failures,
// locations as HA names them, and what a check actually tried.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { localizeEnglish as t } from "../../../src/common/localize-english.js";
import { oldKeyWords } from "../../../src/flows/key-change/flow.js";
import type { CopyRecord, GenerationRecord, JournalEntry } from "../../../src/registry/model.js";
import { cardView } from "../../../src/ui/card/card-model.js";
import { journalLine } from "../../../src/ui/components/journal-text.js";
import { checkNote, keyringStatus, overviewLines, registryRows } from "../../../src/ui/model/keyring-model.js";

const gen = (number: number, status: GenerationRecord["status"]): GenerationRecord => ({
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
  kitDownloadedAt: "2026-01-02T00:00:00Z",
  kitProvenAt: null,
  label: null,
});
const copy = (backupId: string, generationId: string | null, confidence: CopyRecord["confidence"], extra: Partial<CopyRecord> = {}): CopyRecord => ({
  instanceId: "i",
  backupId,
  agentId: "hassio.local",
  name: `Backup ${backupId}`,
  date: `2026-02-${backupId.padStart(2, "0")}T03:00:00Z`,
  size: 1,
  protected: true,
  generationId,
  confidence,
  lastCheck: null,
  deleted: false,
  deletedAt: null,
  mismatch: false,
  ...extra,
});
const lines = (copies: CopyRecord[], gens: GenerationRecord[], held: string[]) => overviewLines(keyringStatus(copies, gens, new Set(held))).map((l) => t(l.key, l.params));

describe("the overview states only what is proven as fact", () => {
  it("some backups need a kit: the line counts proven and probably apart, never 'open' for a guess", () => {
    const gens = [gen(1, "retired"), gen(2, "active")];
    const copies = [copy("1", "g2", "verified"), copy("2", "g2", "observed"), copy("3", "g2", "inferred"), copy("4", "g1", "observed"), copy("5", null, "unknown")];
    const said = lines(copies, gens, ["fp2"]);
    assert.equal(said[0], "Of 5 backups: 1 proven to open with keys you hold, 2 probably (not checked).");
    assert.ok(said.includes("Backups: 1 proven, 3 probably (not checked), 1 unknown."), said.join("\n"));
    for (const l of said) assert.ok(!/\d+ of \d+ backups open/.test(l), l);
  });

  it("all assigned to held keys but not all checked: 'probably', and only a full check says 'open'", () => {
    const gens = [gen(1, "active")];
    assert.deepEqual(lines([copy("1", "g1", "observed"), copy("2", "g1", "verified")], gens, ["fp1"])[0], "All 2 backups probably open with keys you hold (not checked).");
    assert.deepEqual(lines([copy("1", "g1", "verified")], gens, ["fp1"]), ["The backup opens with keys you hold."]);
  });

  it("the newest backup: 'proven' with its date, or 'not proven yet', on the card as in the overview", () => {
    const active = gen(1, "active");
    const view = (c: CopyRecord) =>
      cardView({ keySet: true, active, generations: [active], copies: [c], held: new Set(["fp1"]), agentErrors: [] }).status.map((l) => t(l.key, { ...l.params, date: "today" }));
    assert.ok(view(copy("1", "g1", "verified", { lastCheck: { result: "ok", at: "2026-03-01T00:00:00Z" } })).includes("Newest backup proven today"));
    assert.ok(view(copy("1", "g1", "observed")).includes("Newest backup not proven yet"));
    assert.equal(t("panel.overview.verified_at", { date: "today" }), "Proven today");
    assert.equal(t("panel.overview.not_verified"), "Not proven yet");
  });
});

const NAMING = { thisSystem: "This system", title: () => undefined };

describe("the table's note says which key a check tried", () => {
  const gens = [gen(1, "retired"), gen(2, "retired"), gen(3, "active")];
  const row = (ruledOut: string[]) => registryRows([copy("1", "g1", "observed", { lastCheck: { result: "other_key", at: "2026-03-01T00:00:00Z" }, ruledOut })], gens, [], NAMING)[0]!;
  it("HA's current key tried: 'does not open with the current key'", () => {
    assert.equal(checkNote(row(["g3"]), t), "does not open with the current key, as expected for generation 1");
  });
  it("only a loaded older kit tried: never said to be the current key", () => {
    assert.equal(checkNote(row(["g2"]), t), "does not open with the key of generation 2, as expected for generation 1");
    assert.ok(!/current key/.test(checkNote(row([]), t)!));
  });
  it("an error is 'could not be checked', a copy HA cannot check 'cannot be checked online'", () => {
    const err = registryRows([copy("1", "g1", "observed", { lastCheck: { result: "error", at: "2026-03-01T00:00:00Z" } })], gens, [], NAMING)[0]!;
    assert.equal(checkNote(err, t), "could not be checked (Home Assistant answered with an error)");
    const ns = registryRows([copy("1", null, "unknown", { lastCheck: { result: "not_supported", at: "2026-03-01T00:00:00Z" } })], gens, [], NAMING)[0]!;
    assert.equal(checkNote(ns, t), "cannot be checked online");
  });
});

describe("History", () => {
  const entry = (type: JournalEntry["type"], params: JournalEntry["params"]): JournalEntry => ({ instanceId: "i", at: "2026-03-01T00:00:00Z", type, params });
  const say = (e: JournalEntry) => {
    const l = journalLine(e, (id) => ({ "hassio.local": "Local", "cloud.cloud": "Cloud" })[id] ?? id);
    return t(l.key, l.params);
  };
  it("names locations as HA does and outcomes in words, never raw codes", () => {
    assert.equal(say(entry("check_passed", { backup_id: "abc", agent_id: "cloud.cloud", generation: 2 })), "Backup abc on Cloud is proven to open with generation 2");
    assert.equal(
      say(entry("check_failed", { backup_id: "abc", agent_id: "hassio.local", result: "failed", generation: 1 })),
      "Backup abc on Local does not open with key generation 1, which it was believed to need: that belief is withdrawn",
    );
    assert.equal(
      say(entry("check_failed", { backup_id: "abc", agent_id: "hassio.local", result: "not_supported" })),
      "Backup abc on Local cannot be checked online: Home Assistant cannot check this copy against a key",
    );
    // Entries written by earlier versions read honestly too.
    assert.equal(say(entry("check_failed", { backup_id: "abc", agent_id: "hassio.local", result: "error" })), "Backup abc on Local could not be checked (Home Assistant answered with an error)");
    assert.ok(!/could not be opened|\(other_key\)/.test(say(entry("check_failed", { backup_id: "abc", agent_id: "hassio.local", result: "other_key" }))));
  });
});

describe("the key-change dialog's old-key step", () => {
  it("counts proven (checked) and probably (made while in use, or guessed) apart, and names the unknown", () => {
    const b = (id: string, checked?: boolean) => ({ backup_id: id, date: "2026-02-01T00:00:00Z", name: id, locations: ["Local"], ...(checked ? { checked } : {}) });
    const words = oldKeyWords({ oldBackups: [b("a", true), b("b"), b("c", true)], oldGuessed: [b("d")], oldUnknown: 3 });
    assert.deepEqual(words, { proven: 2, probably: 2, unknown: 3 });
    assert.equal(t("flow.old.backups", { count: words.proven, generation: 4 }), "2 backups are proven to open with key generation 4, the current key.");
    assert.equal(t("flow.old.guessed", { count: words.probably }), "2 more backups probably (not checked) need it.");
    assert.equal(t("flow.old.unknown", { count: words.unknown }), "3 backups are unknown: which key they need is not known yet.");
  });
});
