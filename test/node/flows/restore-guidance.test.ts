// Restore guidance for a backup: which generation opens it, whether its kit was proven, the HA
// steps naming the kit file, and an honest "unknown" that points to loading old kits.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TranslationKey } from "../../../src/common/localize.js";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import { kitFileNameFor, restoreGuidance, restoreGuidanceForFile, restoreGuidanceFromRegistry } from "../../../src/flows/restore-guidance.js";
import { parseEmergencyKit } from "../../../src/kit/parse.js";
import { KIT_BLOCK_MARKER, emergencyKitFileName, renderEmergencyKit } from "../../../src/kit/render.js";
import { sampleKitFacts } from "../../support/kit-facts.js";
import type { CopyRecord, GenerationRecord } from "../../../src/registry/model.js";

const gen = (number: number, status: GenerationRecord["status"], extra: Partial<GenerationRecord> = {}): GenerationRecord => ({
  id: `g${number}`,
  instanceId: "i",
  number,
  fingerprint: `fp${number}`,
  status,
  origin: "observed",
  firstSeenAt: "2025-06-01T00:00:00Z",
  activatedAt: `2025-0${number}-01T00:00:00Z`,
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
  date: "2025-04-02T03:00:00Z",
  size: 1,
  protected: true,
  generationId,
  confidence: generationId ? "inferred" : "unknown",
  lastCheck: null,
  deleted: false,
  deletedAt: null,
  mismatch: false,
  ...extra,
});
const ctx = { instanceName: "Haus am See", timeZone: "UTC" };
const text = (lines: { key: TranslationKey; params?: Record<string, string | number> }[]) => lines.map((l) => localizeEnglish(l.key, l.params)).join("\n");

describe("restore guidance", () => {
  const g1 = gen(1, "retired", { kitDownloadedAt: "2025-01-03T21:00:00Z", kitProvenAt: "2025-01-04T09:00:00Z" });
  const g2 = gen(2, "retired", { kitDownloadedAt: "2025-02-10T08:00:00Z" });
  const g3 = gen(3, "active");
  const generations = [g1, g2, g3];

  it("proven generation: proven opener, kit proven on its date, HA's 'another key' step with the kit file name", () => {
    const copies = [copy("a", "backup.local", "g1", { confidence: "verified" }), copy("a", "hassio.nas", "g1", { confidence: "verified" })];
    const g = restoreGuidanceFromRegistry("a", copies, generations, ctx)!;
    assert.equal(g.options.length, 1);
    const o = g.options[0]!;
    assert.equal(o.generation, 1);
    assert.equal(o.confidence, "proven");
    assert.deepEqual(o.locations, ["backup.local", "hassio.nas"]);
    assert.equal(o.kit?.state, "proven");
    assert.equal(o.kit?.provenAt, "2025-01-04T09:00:00Z");
    // The same rule src/kit uses when the kit is downloaded.
    assert.equal(o.kit?.fileName, emergencyKitFileName({ instanceName: "Haus am See", date: new Date("2025-01-03T21:00:00Z"), generation: 1, timeZone: "UTC" }));
    assert.equal(o.kit?.fileName, "home_assistant_backup_emergency_kit_haus_am_see_2025-01-03_gen1.txt");
    const t = text(o.lines);
    assert.match(t, /generation 1/);
    assert.match(t, /home_assistant_backup_emergency_kit_haus_am_see_2025-01-03_gen1\.txt/);
    assert.match(t, /another key/i, "explains HA's restore dialog asking for another key");
    assert.doesNotMatch(t, /probably/i);
  });

  it("unproven generation: a date guess is labelled as such, the kit as downloaded but not proven", () => {
    const g = restoreGuidanceFromRegistry("b", [copy("b", "backup.local", "g2")], generations, ctx)!;
    const o = g.options[0]!;
    assert.equal(o.confidence, "probably");
    assert.equal(o.kit?.state, "downloaded");
    assert.equal(o.kit?.provenAt, null);
    const t = text(o.lines);
    assert.match(t, /probably/i);
    assert.match(t, /not checked/i);
    assert.match(t, /never proven/i);
    assert.match(t, /_gen2\.txt/);
  });

  it("a generation whose kit was never downloaded here names HA's own kit file pattern", () => {
    const g0 = gen(4, "retired");
    const o = restoreGuidanceFromRegistry("c", [copy("c", "backup.local", "g4", { confidence: "verified" })], [g0], ctx)!.options[0]!;
    assert.equal(o.kit?.state, "none");
    assert.equal(o.kit?.fileName, null);
    assert.match(text(o.lines), /home_assistant_backup_emergency_kit_…\.txt/);
    assert.doesNotMatch(text(o.lines), /from around/, "a key first seen already in place has no known start date");
    const viaFlow = restoreGuidanceFromRegistry("c", [copy("c", "backup.local", "g4")], [{ ...g0, origin: "flow" }], ctx)!.options[0]!;
    assert.match(text(viaFlow.lines), /from around 2025-04-01T00:00:00Z/);
    assert.equal(kitFileNameFor({ number: 4, kitDownloadedAt: null }, "x", "UTC"), null);
    // The day of the download where the user's dates are shown: 21:00 UTC is the next day in UTC+14.
    assert.equal(kitFileNameFor({ number: 4, kitDownloadedAt: "2025-01-03T21:00:00Z" }, "Home", "Pacific/Kiritimati"), "home_assistant_backup_emergency_kit_home_2025-01-04_gen4.txt");
  });

  it("the current key: HA uses it by itself", () => {
    const o = restoreGuidanceFromRegistry("d", [copy("d", "backup.local", "g3", { confidence: "verified" })], generations, ctx)!.options[0]!;
    assert.equal(o.current, true);
    assert.match(text(o.lines), /current key/i);
  });

  it("unknown generation says so and points to loading old kits", () => {
    const o = restoreGuidanceFromRegistry("e", [copy("e", "backup.local", null)], generations, ctx)!.options[0]!;
    assert.equal(o.generation, null);
    assert.equal(o.confidence, "unknown");
    assert.equal(o.kit, null);
    const t = text(o.lines);
    assert.match(t, /not known/i);
    assert.match(t, /old kit/i);
  });

  it("copies under different generations and an unencrypted copy get one option each, unknown first", () => {
    const copies = [
      copy("f", "backup.local", "g3", { confidence: "verified" }),
      copy("f", "hassio.nas", null),
      copy("f", "cloud.cloud", "g3", { confidence: "observed" }),
      copy("f", "hassio.usb", null, { protected: false, confidence: "unencrypted" }),
      copy("f", "hassio.old", "g1", { deleted: true }),
    ];
    const g = restoreGuidanceFromRegistry("f", copies, generations, ctx)!;
    assert.deepEqual(
      g.options.map((o) => [o.confidence, o.generation, o.locations]),
      [
        ["unknown", null, ["hassio.nas"]],
        ["probably", 3, ["backup.local", "cloud.cloud"]],
        ["unencrypted", null, ["hassio.usb"]],
      ],
    );
    assert.equal(restoreGuidanceFromRegistry("zzz", copies, generations, ctx), null);
  });

  it("works without the registry (recovery page: a file and a loaded kit)", () => {
    const g = restoreGuidance(
      {
        name: "Nightly",
        date: "2025-04-02T03:00:00Z",
        copies: [{ agentId: "file", protected: true, verified: true, generation: { id: "x", number: 2, current: false, kitDownloadedAt: null, kitProvenAt: null, startedAt: "2025-02-01T00:00:00Z" } }],
      },
      ctx,
    );
    assert.equal(g.options[0]!.confidence, "proven");
    assert.equal(g.options[0]!.generation, 2);
  });

  it("every line is translated in English (no key shows through)", () => {
    const all = [g1, g2, g3].flatMap((gg) => restoreGuidanceFromRegistry("a", [copy("a", "x", gg.id)], generations, ctx)!.options.flatMap((o) => o.lines));
    all.push(...restoreGuidanceFromRegistry("a", [copy("a", "x", null), copy("a", "y", null, { protected: false })], generations, ctx)!.options.flatMap((o) => o.lines));
    for (const l of all) assert.notEqual(localizeEnglish(l.key, l.params), l.key, l.key);
  });
});

describe("restore guidance on the recovery page (a backup file and the loaded kits)", () => {
  // Kits as the page reads them: our kit with its block, and HA's own kit (our block cut off).
  const ours = parseEmergencyKit(renderEmergencyKit(sampleKitFacts({ generation: { number: 3, fingerprint: "ABCD-EF01-2345", startedAt: "2025-01-15T14:05:00Z" } })));
  const haText = renderEmergencyKit(sampleKitFacts({ key: "ZZ99-YY88-XX77-WW66-VV55-UU44-TT33" }));
  const bare = parseEmergencyKit(haText.slice(0, haText.indexOf(KIT_BLOCK_MARKER)));
  const kits = [
    { fileName: "kit_from_usb_stick.txt", generation: ours.generation, fingerprint: ours.fingerprint },
    { fileName: "home_assistant_backup_emergency_kit_home_2025-01-15.txt", generation: bare.generation, fingerprint: bare.fingerprint },
    { fileName: null },
  ];
  const report = (openedBy: number | null, encrypted = true) => ({ file: "Nightly.tar", name: "Nightly", date: "2025-04-02T03:00:00Z", encrypted, openedBy });

  it("opened by our kit: proven, generation from its block, HA's steps name the file the user loaded", () => {
    assert.equal(ours.generation, 3);
    const g = restoreGuidanceForFile(report(0), kits);
    assert.equal(g.name, "Nightly");
    const o = g.options[0]!;
    assert.equal(o.confidence, "proven");
    assert.equal(o.generation, 3);
    assert.equal(o.generationId, "ABCD-EF01-2345");
    assert.deepEqual(o.kit, { state: "loaded", provenAt: null, downloadedAt: null, fileName: "kit_from_usb_stick.txt" });
    const t = text(o.lines);
    assert.match(t, /Opens with the key of generation 3 \(proven by a check\)/);
    assert.match(t, /another key: use the key from the kit of generation 3, file name kit_from_usb_stick\.txt/);
    assert.match(t, /On new hardware: .*kit_from_usb_stick\.txt/);
    assert.doesNotMatch(t, /probably|not known|_gen3/i, "the real file name, not a recomputed one");
  });

  it("opened by HA's own kit (no generation): the lines name the kit by its file alone", () => {
    assert.equal(bare.source, "ha");
    assert.equal(bare.generation, undefined);
    const o = restoreGuidanceForFile(report(1), kits).options[0]!;
    assert.equal(o.confidence, "proven");
    assert.equal(o.generation, null);
    assert.equal(o.kit?.fileName, "home_assistant_backup_emergency_kit_home_2025-01-15.txt");
    const t = text(o.lines);
    assert.match(t, /Opens with the key from the kit home_assistant_backup_emergency_kit_home_2025-01-15\.txt \(proven by a check\)/);
    assert.match(t, /another key: use the key from the kit home_assistant_backup_emergency_kit_home_2025-01-15\.txt\./);
    assert.doesNotMatch(t, /generation/i, "no generation is made up");
  });

  it("opened by a typed key: proven, and says to keep that key", () => {
    const t = text(restoreGuidanceForFile(report(2), kits).options[0]!.lines);
    assert.match(t, /key you typed here \(proven by a check\)/);
  });

  it("no loaded kit opens it: unknown, pointing to loading more kits on this page", () => {
    for (const g of [restoreGuidanceForFile(report(null), kits), restoreGuidanceForFile(report(null), [])]) {
      const o = g.options[0]!;
      assert.equal(o.confidence, "unknown");
      assert.equal(o.kit, null);
      const t = text(o.lines);
      assert.match(t, /not known yet/);
      assert.match(t, /Load more emergency kits above/);
      assert.doesNotMatch(t, /Keys and files/, "the panel's menu does not exist on this page");
    }
  });

  it("unencrypted: says no key is needed, whatever kits are loaded", () => {
    const o = restoreGuidanceForFile(report(null, false), kits).options[0]!;
    assert.equal(o.confidence, "unencrypted");
    assert.match(text(o.lines), /Not encrypted: no key is needed/);
  });

  it("a file without backup.json is named by its file; every line is translated", () => {
    assert.equal(restoreGuidanceForFile({ ...report(0), name: null }, kits).name, "Nightly.tar");
    const all = [0, 1, 2, null].flatMap((i) => restoreGuidanceForFile(report(i), kits).options.flatMap((o) => o.lines));
    for (const l of all) assert.notEqual(localizeEnglish(l.key, l.params), l.key, l.key);
  });
});
