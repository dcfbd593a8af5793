import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LANGUAGES, localizeFor } from "../../../src/common/localize.js";
import { KitParseError, parseEmergencyKit } from "../../../src/kit/parse.js";
import { emergencyKitFileName, renderEmergencyKit, type KitFacts } from "../../../src/kit/render.js";

const KEY = "AB12-CD34-EF56-GH78-IJ90-KL12-MN34";

// HA's exact English kit (frontend `generateEmergencyKit`, reference §7.2).
const HA_SAMPLE = [
  "Home Assistant Backup Emergency Kit",
  "",
  "This emergency kit contains your backup encryption key. You need this key to be able to restore your Home Assistant backups.",
  "",
  "Date: January 15, 2025 at 2:05 PM",
  "",
  "Instance:",
  "Home",
  "",
  "URL:",
  "http://homeassistant.local:8123",
  "",
  "Encryption key:",
  KEY,
  "",
  "For more information, visit https://www.home-assistant.io/more-info/backup-emergency-kit",
].join("\n");

// The first layout (FE 637fe37ef4, 2024-12-24): description wrapped, "visit:" form.
const HA_2024_12 = [
  "Home Assistant Backup Emergency Kit",
  "",
  "This emergency kit contains your backup encryption key.",
  "You need this key to be able to restore your Home Assistant backups.",
  "",
  "Date: December 24, 2024 at 10:00 AM",
  "",
  "Instance:",
  "Cabin",
  "",
  "URL:",
  "http://192.168.1.20:8123",
  "",
  "Encryption key:",
  KEY,
  "",
  "For more information visit: https://www.home-assistant.io/more-info/backup-emergency-kit",
].join("\n");

const facts = (over: Partial<KitFacts> = {}): KitFacts => ({
  key: KEY,
  instanceName: "Home",
  url: "http://homeassistant.local:8123",
  date: new Date("2025-01-15T14:05:00Z"),
  language: "en",
  timeZone: "UTC",
  ...over,
});

describe("rendering", () => {
  it("reproduces HA's English kit exactly, then adds our block", () => {
    // ICU puts a narrow no-break space before "PM", as it does in HA's own kits made in the same engine.
    const text = renderEmergencyKit(facts({ backups: [] })).replace(/\u202f/g, " ");
    assert.ok(text.startsWith(HA_SAMPLE + "\n\n== Backup Keyring =="), text);
    assert.ok(!text.endsWith("\n"));
  });

  it("uses the rc/next documentation host for beta and dev versions", () => {
    assert.match(renderEmergencyKit(facts({ haVersion: "2026.12.0b1" })), /https:\/\/rc\.home-assistant\.io\//);
    assert.match(renderEmergencyKit(facts({ haVersion: "2026.12.0.dev0" })), /https:\/\/next\.home-assistant\.io\//);
  });
});

describe("parsing", () => {
  it("reads HA's exact sample", () => {
    const p = parseEmergencyKit(HA_SAMPLE);
    assert.deepEqual(p, { key: KEY, source: "ha", url: "http://homeassistant.local:8123", instanceName: "Home", dateText: "January 15, 2025 at 2:05 PM" });
  });

  it("reads the 2024-12 layout, CRLF line endings and a BOM", () => {
    assert.equal(parseEmergencyKit(HA_2024_12).key, KEY);
    assert.equal(parseEmergencyKit(HA_2024_12).instanceName, "Cabin");
    assert.equal(parseEmergencyKit("\ufeff" + HA_SAMPLE.replace(/\n/g, "\r\n")).key, KEY);
  });

  it("keeps a legacy user-chosen password exactly as written", () => {
    const legacy = HA_SAMPLE.replace(KEY, "my Old pässword ");
    assert.equal(parseEmergencyKit(legacy).key, "my Old pässword ");
  });

  it("reads a bare key with whitespace, tidied to HA's format", () => {
    assert.deepEqual(parseEmergencyKit(`  ${KEY.toLowerCase()}\n`), { key: KEY, source: "bare-key" });
  });

  for (const lang of LANGUAGES) {
    it(`round trip in ${lang}: key, generation, fingerprint and backups come back`, async () => {
      const localize = await localizeFor(lang);
      const backups = [
        { backup_id: "f3d70b29", date: "2026-05-01T04:45:00+00:00", name: "Automatic backup 2026.5.0", locations: ["hassio.local", "cloud.cloud"] },
        { backup_id: "0a1b2c3d", date: "2026-06-01T04:45:00+00:00", name: "Before | upgrade", locations: ["hassio.local"] },
      ];
      const text = renderEmergencyKit(facts({ language: lang, localize, generation: { number: 3, fingerprint: "7F3A-91C2-0B5E", startedAt: "2026-04-20T10:00:00Z" }, backups }));
      const p = parseEmergencyKit(text);
      assert.equal(p.key, KEY);
      assert.equal(p.source, "backup-keyring");
      assert.equal(p.instanceName, "Home");
      assert.equal(p.generation, 3);
      assert.equal(p.fingerprint, "7F3A-91C2-0B5E");
      assert.deepEqual(p.backups?.map((b) => [b.backup_id, b.date, b.locations]), [
        ["f3d70b29", "2026-05-01", ["hassio.local", "cloud.cloud"]],
        ["0a1b2c3d", "2026-06-01", ["hassio.local"]],
      ]);
    });
  }

  const bad: [string, string][] = [
    ["", "empty"],
    ["   \n  ", "empty"],
    ["x".repeat(70 * 1024), "too_large"],
    ["PK\u0003\u0004\u0000binary", "binary"],
    ["Dear diary,\nnothing here", "not_a_kit"],
    ["ABCD-EFGH", "not_a_kit"],
    [HA_SAMPLE.replace(KEY, ""), "no_key"],
    [HA_SAMPLE.split("\n").slice(0, 12).join("\n"), "no_key"],
    [HA_SAMPLE + "\n\n" + HA_SAMPLE, "multiple_keys"],
  ];
  for (const [text, code] of bad) {
    it(`rejects with ${code}: ${JSON.stringify(text.slice(0, 24))}`, () => {
      assert.throws(() => parseEmergencyKit(text), (e: unknown) => e instanceof KitParseError && e.code === code && !e.message.includes(KEY));
    });
  }
});

describe("file names", () => {
  it("are safe on every OS", () => {
    const date = new Date("2026-11-27T10:00:00Z");
    for (const name of ["Home/Lake: Cabin", "🏠 Casa", "x".repeat(300), "CON", "", "..", "a\\b*c?d\"e<f>g|h"]) {
      const f = emergencyKitFileName({ instanceName: name, date, generation: 2 });
      assert.match(f, /^home_assistant_backup_emergency_kit_[a-z0-9_]+_2026-11-27_gen2\.txt$/, f);
      assert.ok(f.length <= 100);
    }
    assert.equal(emergencyKitFileName({ instanceName: "Home/Lake: Cabin", date }), "home_assistant_backup_emergency_kit_home_lake_cabin_2026-11-27.txt");
  });
});
