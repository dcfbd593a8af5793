import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LANGUAGES, localizeFor } from "../../../src/common/localize.js";
import { KitParseError, kitKeyCandidates, parseEmergencyKit, parseKitOrKey } from "../../../src/kit/parse.js";
import { emergencyKitFileName, formatKitDate, renderEmergencyKit } from "../../../src/kit/render.js";
import { SAMPLE_KEY, sampleKitFacts } from "../../support/kit-facts.js";

const KEY = SAMPLE_KEY;

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

const facts = sampleKitFacts;

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

describe("kit date (HA's formatDateTime)", () => {
  const at905 = new Date("2025-01-15T09:05:00Z");
  it("follows the language's clock: 12-hour numeric hour in English, 2-digit 24-hour in German", () => {
    assert.equal(formatKitDate(at905, "en", "UTC").replace(/\u202f/g, " "), "January 15, 2025 at 9:05 AM");
    assert.equal(formatKitDate(at905, "de", "UTC"), "15. Januar 2025 um 09:05");
  });
  it("honours the user's 12/24-hour setting and time zone", () => {
    assert.equal(formatKitDate(at905, "en", "UTC", false), "January 15, 2025 at 09:05");
    assert.equal(formatKitDate(at905, "de", "America/New_York", true).replace(/\u202f/g, " "), "15. Januar 2025 um 4:05 AM");
  });
});

describe("our block", () => {
  it("follows HA's block after a blank line, with the marker and a heading in the user's language", async () => {
    const localize = await localizeFor("en");
    const lines = renderEmergencyKit(facts({ localize, generation: { number: 2, fingerprint: "ab".repeat(32), startedAt: "2026-01-02T00:00:00Z" }, backups: [] })).split("\n");
    assert.deepEqual(lines.slice(16, 23), [
      "",
      "== Backup Keyring ==",
      "Added by Backup Keyring (not part of Home Assistant's kit): this key's generation and its backups, each under a heading that says how sure it is.",
      "Key generation: 2",
      "Key fingerprint: ABAB-ABAB-ABAB",
      "In use since: 2026-01-02",
      "No backup is known to open with this key yet.",
    ]);
    assert.equal(lines.length, 23);
  });
  it("says when the backups are not known", () => {
    assert.match(renderEmergencyKit(facts()), /Which backups this key opens is not known yet\.$/);
  });
  it("lists facts as '- ' lines and guesses apart as '? ' lines under their own heading; the parser keeps them apart", async () => {
    const localize = await localizeFor("en");
    const proven = [
      { backup_id: "aaaa1111", date: "2026-02-01T03:00:00Z", name: "Automatic backup", locations: ["Local", "Cloud"], checked: true },
      { backup_id: "cccc3333", date: "2026-02-02T03:00:00Z", name: "Automatic backup", locations: ["Local"] },
    ];
    const guessed = [{ backup_id: "bbbb2222", date: "2026-01-20T03:00:00Z", name: "Before upgrading | 2026.1", locations: ["NAS"] }];
    const text = renderEmergencyKit(facts({ localize, backups: proven, guessed }));
    const ours = text.split("\n").slice(text.split("\n").indexOf("== Backup Keyring =="));
    assert.deepEqual(ours.slice(2), [
      "Proven by a check to open with this key: 1 backup (id | date | name | locations):",
      "- aaaa1111 | 2026-02-01 | Automatic backup | Local, Cloud",
      "Made while Backup Keyring saw this key in use, not checked: 1 backup (id | date | name | locations):",
      "- cccc3333 | 2026-02-02 | Automatic backup | Local",
      "Probably also opens (not checked, guessed by date): 1 backup (id | date | name | locations):",
      "? bbbb2222 | 2026-01-20 | Before upgrading 2026.1 | NAS",
    ]);
    const parsed = parseEmergencyKit(text);
    assert.deepEqual(
      parsed.backups?.map((b) => b.backup_id),
      ["aaaa1111", "cccc3333"],
    );
    assert.deepEqual(
      parsed.guessed?.map((b) => [b.backup_id, b.locations]),
      [["bbbb2222", ["NAS"]]],
    );
    // Only guesses: no fact line at all.
    const onlyGuessed = renderEmergencyKit(facts({ localize, backups: [], guessed }));
    assert.ok(!onlyGuessed.split("\n").some((l) => l.startsWith("- ")));
    assert.equal(parseEmergencyKit(onlyGuessed).backups, undefined);
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

  it("reads HA's layout whatever the label language (found by shape and the documentation link)", () => {
    const translated = [
      "Home Assistant Backup-Notfallkit",
      "",
      "Beschreibung.",
      "",
      "Datum: 15. Januar 2025 um 14:05",
      "",
      "Instanz:",
      "Ferienhaus",
      "",
      "URL:",
      "https://ha.example.org",
      "",
      "Schlüssel:",
      KEY,
      "",
      "Mehr unter https://rc.home-assistant.io/more-info/backup-emergency-kit",
    ].join("\n");
    assert.deepEqual(parseEmergencyKit(translated), { key: KEY, source: "ha", url: "https://ha.example.org", instanceName: "Ferienhaus", dateText: "15. Januar 2025 um 14:05" });
  });

  it("keeps a legacy user-chosen password exactly as written", () => {
    const legacy = HA_SAMPLE.replace(KEY, "my Old pässword ");
    assert.equal(parseEmergencyKit(legacy).key, "my Old pässword ");
  });

  it("reads a bare key with whitespace, tidied to HA's format", () => {
    assert.deepEqual(parseEmergencyKit(`  ${KEY.toLowerCase()}\n`), { key: KEY, typed: KEY.toLowerCase(), source: "bare-key" });
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
      assert.deepEqual(
        p.backups?.map((b) => [b.backup_id, b.date, b.locations]),
        [
          ["f3d70b29", "2026-05-01", ["hassio.local", "cloud.cloud"]],
          ["0a1b2c3d", "2026-06-01", ["hassio.local"]],
        ],
      );
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
    [`${KEY}\n${KEY.replace("AB12", "ZZ99")}\n`, "multiple_keys"],
  ];
  for (const [text, code] of bad) {
    it(`rejects with ${code}: ${JSON.stringify(text.slice(0, 24))}`, () => {
      assert.throws(
        () => parseEmergencyKit(text),
        (e: unknown) => e instanceof KitParseError && e.code === code && !e.message.includes(KEY),
      );
    });
  }
});

describe("kit parsing edge cases", () => {
  for (const lang of LANGUAGES) {
    it(`${lang}: a kit whose key line was deleted is "no key", never the label read as the key`, async () => {
      const text = renderEmergencyKit(facts({ language: lang, localize: await localizeFor(lang) }));
      const withoutKey = text
        .split("\n")
        .filter((l) => l !== KEY)
        .join("\n");
      assert.throws(
        () => parseEmergencyKit(withoutKey),
        (e: unknown) => e instanceof KitParseError && e.code === "no_key",
      );
    });
  }

  it("a backup whose name contains the documentation link does not break the kit that lists it", () => {
    const text = renderEmergencyKit(
      facts({
        generation: { number: 4, fingerprint: "7F3A-91C2-0B5E", startedAt: "2026-01-01T00:00:00Z" },
        backups: [{ backup_id: "0a1b2c3d", date: "2026-06-01T00:00:00Z", name: "see https://www.home-assistant.io/more-info/backup-emergency-kit", locations: ["hassio.local"] }],
      }),
    );
    const p = parseEmergencyKit(text);
    assert.equal(p.key, KEY);
    assert.equal(p.generation, 4);
  });

  it("text after the key line cannot change which key is read", () => {
    const ours = [
      "",
      "== Backup Keyring ==",
      "Key generation: 2",
      "- 0a1b2c3d | 2026-06-01 | https://www.home-assistant.io/more-info/backup-emergency-kit | hassio.local",
      "ZZ99-ZZ99-ZZ99-ZZ99-ZZ99-ZZ99-ZZ99",
    ].join("\n");
    assert.equal(parseEmergencyKit(HA_SAMPLE + "\n" + ours).key, KEY);
    // A second whole kit (its own blank line before the link) is still "multiple keys".
    assert.throws(
      () => parseEmergencyKit(HA_SAMPLE + "\n\n" + HA_SAMPLE),
      (e: unknown) => e instanceof KitParseError && e.code === "multiple_keys",
    );
  });

  it("a backup file given as a kit is recognised as one", () => {
    const tar = "./backup.json".padEnd(257, "\u0000") + "ustar\u000000" + "\u0000".repeat(200);
    assert.throws(
      () => parseEmergencyKit(tar),
      (e: unknown) => e instanceof KitParseError && e.code === "is_backup",
    );
  });

  it("the panel's loader takes a one-line legacy password exactly as typed; several lines of other text are refused", () => {
    assert.deepEqual(parseKitOrKey("  My old Password 2019 \n"), { key: "  My old Password 2019 ", source: "legacy" });
    assert.deepEqual(kitKeyCandidates(parseKitOrKey(`${KEY.toLowerCase()}\n`)), [KEY.toLowerCase(), KEY]);
    assert.deepEqual(kitKeyCandidates(parseKitOrKey("abcdefghijklmnopqrstuvwxyz12")), ["abcdefghijklmnopqrstuvwxyz12", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12"]);
    assert.throws(
      () => parseKitOrKey("Dear diary,\nnothing here"),
      (e: unknown) => e instanceof KitParseError && e.code === "not_a_kit",
    );
  });
});

describe("file names", () => {
  it("are safe on every OS", () => {
    const date = new Date("2026-11-27T10:00:00Z");
    for (const name of ["Home/Lake: Cabin", "🏠 Casa", "x".repeat(300), "CON", "", "..", 'a\\b*c?d"e<f>g|h']) {
      const f = emergencyKitFileName({ instanceName: name, date, generation: 2, timeZone: "UTC" });
      assert.match(f, /^home_assistant_backup_emergency_kit_[a-z0-9_]+_2026-11-27_gen2\.txt$/, f);
      assert.ok(f.length <= 100);
    }
    assert.equal(emergencyKitFileName({ instanceName: "Home/Lake: Cabin", date, timeZone: "UTC" }), "home_assistant_backup_emergency_kit_home_lake_cabin_2026-11-27.txt");
    // The day where the instance is: 05:00 UTC is still the 26th in Honolulu.
    assert.equal(
      emergencyKitFileName({ instanceName: "Ferienhaus Müritz", date: new Date("2026-11-27T05:00:00Z"), timeZone: "Pacific/Honolulu" }),
      "home_assistant_backup_emergency_kit_ferienhaus_muritz_2026-11-26.txt",
    );
  });
});
