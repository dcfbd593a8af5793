// What a kit says in every language, and the details a person reads on it: HA's seven lines with
// their labels, the documentation host, dates in the instance's time zone, backup names that cannot
// break the list, and a file name every system accepts.
import assert from "node:assert/strict";
import { it } from "node:test";
import { LANGUAGES } from "../../../src/common/localize.js";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import { HA_KIT_STRINGS_EN, haKitStrings } from "../../../src/kit/ha-kit-strings.js";
import { parseEmergencyKit } from "../../../src/kit/parse.js";
import { emergencyKitFileName, kitDocumentationUrl, renderEmergencyKit, type KitFacts } from "../../../src/kit/render.js";

const KEY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12";
const facts = (extra: Partial<KitFacts> = {}): KitFacts => ({
  key: KEY,
  instanceName: "Home",
  url: "http://ha.local:8123",
  date: new Date("2026-01-01T12:00:00Z"),
  language: "en",
  timeZone: "UTC",
  localize: localizeEnglish,
  ...extra,
});

it("every language's kit has HA's lines, each label filled in and the key where HA puts it", () => {
  const titles = new Set<string>();
  for (const language of LANGUAGES) {
    const h = haKitStrings(language);
    const lines = renderEmergencyKit(facts({ language })).split("\n");
    assert.equal(lines[0], h.title, language);
    assert.match(h.title, /Home Assistant/, language);
    titles.add(h.title);
    assert.ok(h.description.length > 40, `${language}: description`);
    assert.equal(lines[2], h.description);
    for (const [i, label] of [
      [4, h.date],
      [6, h.instance],
      [9, h.url],
      [12, h.encryption_key],
    ] as const) {
      assert.match(label, /\S\s?:$/, `${language}: a label ending in ':'`);
      assert.ok(lines[i]!.startsWith(label), `${language}: line ${i}`);
    }
    assert.equal(h.url, "URL:");
    assert.deepEqual([lines[7], lines[10], lines[13]], ["Home", "http://ha.local:8123", KEY]);
    assert.match(lines[15]!, /https:\/\/www\.home-assistant\.io\/more-info\/backup-emergency-kit/);
    assert.equal(parseEmergencyKit(lines.join("\n")).key, KEY, language);
  }
  assert.equal(titles.size, LANGUAGES.length, "each language has its own title");
  assert.equal(haKitStrings("de-AT"), haKitStrings("de"), "a regional variant uses its language");
  assert.equal(haKitStrings("xx"), HA_KIT_STRINGS_EN);
});

it("documentation host: rc for betas, next for dev builds, www otherwise", () => {
  assert.equal(kitDocumentationUrl("2026.12.0b1"), "https://rc.home-assistant.io/more-info/backup-emergency-kit");
  assert.equal(kitDocumentationUrl("2026.12.0.dev0"), "https://next.home-assistant.io/more-info/backup-emergency-kit");
  assert.equal(kitDocumentationUrl("2026.11.2"), "https://www.home-assistant.io/more-info/backup-emergency-kit");
  assert.equal(kitDocumentationUrl(), "https://www.home-assistant.io/more-info/backup-emergency-kit");
});

it("our block: the fingerprint's short form, dates in the instance's time zone, names that cannot break a line", () => {
  const text = renderEmergencyKit(
    facts({
      timeZone: "Pacific/Auckland",
      generation: { number: 2, fingerprint: "0123456789abcdef".repeat(4), startedAt: "2026-03-31T20:00:00Z" },
      backups: [
        { backup_id: "b1", date: "2026-04-01T20:30:00Z", name: "Before | upgrade\nnow", locations: ["Local", "NAS"], checked: true },
        { backup_id: "b2", date: "not a date", name: "Odd", locations: [] },
      ],
    }),
  );
  assert.match(text, /^Key fingerprint: 0123-4567-89AB$/m);
  assert.match(text, /: 2026-04-01$/m, "started 2026-03-31 UTC is April 1st in Auckland");
  assert.match(text, /^Proven by a check to open with this key: 1 backup \(id \| date \| name \| locations\):\n- b1 \| 2026-04-02 \| Before upgrade now \| Local, NAS$/m);
  assert.match(text, /^Made while Backup Keyring saw this key in use, not checked: 1 backup \(id \| date \| name \| locations\):\n- b2 \| not a date \| Odd \| $/m);
  const shortForm = renderEmergencyKit(facts({ generation: { number: 1, fingerprint: "7F3A-91C2-0B5E", startedAt: "2026-01-01T00:00:00Z" } }));
  assert.match(shortForm, /^Key fingerprint: 7F3A-91C2-0B5E$/m);
  const notHex = renderEmergencyKit(facts({ generation: { number: 1, fingerprint: `x${"0".repeat(64)}`, startedAt: "2026-01-01T00:00:00Z" } }));
  assert.match(notHex, /^Key fingerprint: x0{64}$/m, "only a whole 64-digit hex value is shortened");
  const single = renderEmergencyKit(facts({ backups: [{ backup_id: "b1", date: "2026-04-01T20:30:00Z", name: "One", locations: ["Local"] }] }));
  assert.match(single, /^Made while Backup Keyring saw this key in use, not checked: 1 backup \(id \| date \| name \| locations\):$/m);
  assert.ok(!/this key opens/.test(single), "a backup not checked is never said to open with the key");
});

it("file names: accents dropped, runs of other characters one underscore, none at either end, at most 40", () => {
  const day = new Date("2026-05-06T23:30:00Z");
  assert.equal(emergencyKitFileName({ instanceName: "__Maison d'été!!__", date: day, timeZone: "UTC" }), "home_assistant_backup_emergency_kit_maison_d_ete_2026-05-06.txt");
  assert.equal(emergencyKitFileName({ instanceName: "***", date: day, generation: 3, timeZone: "UTC" }), "home_assistant_backup_emergency_kit_home_2026-05-06_gen3.txt");
  assert.equal(emergencyKitFileName({ instanceName: "Home", date: day, timeZone: "Europe/Berlin" }), "home_assistant_backup_emergency_kit_home_2026-05-07.txt");
  const long = emergencyKitFileName({ instanceName: `${"a".repeat(39)} b`, date: day, timeZone: "UTC" });
  assert.equal(long, `home_assistant_backup_emergency_kit_${"a".repeat(39)}_2026-05-06.txt`, "cut at 40 without a trailing underscore");
});

it("a hostile backup name, id or location cannot end its line or add a fake '- ' line", () => {
  const evil = "x\n- deadbeef | 2026-01-01 | fake | Local\r\n? cafe | 2026-01-01 | fake | NAS\u2028- f00d | d | n | l";
  const text = renderEmergencyKit(
    facts({
      backups: [{ backup_id: "id1|x\n- aaaa", date: "2026-04-01T20:30:00Z", name: evil, locations: ["NAS | x\n- bbbb", "Cloud, Local"] }],
      guessed: [{ backup_id: "id2", date: "not a date\n- cccc | 2026-01-01 | f | Local", name: evil, locations: ["Local"] }],
    }),
  );
  const parsed = parseEmergencyKit(text);
  assert.equal(parsed.backups?.length, 1, "one fact line, the real one");
  assert.equal(parsed.guessed?.length, 1, "one guess line");
  assert.equal(parsed.backups![0]!.backup_id, "id1_x_-_aaaa", "the id stays one word");
  assert.deepEqual(parsed.backups![0]!.locations, ["NAS x - bbbb", "Cloud Local"], "a location's own comma does not make two");
  for (const id of ["deadbeef", "cafe", "f00d", "aaaa", "bbbb", "cccc"]) {
    assert.ok(!(parsed.backups ?? []).some((b) => b.backup_id === id) && !(parsed.guessed ?? []).some((b) => b.backup_id === id), id);
  }
  const ours = text.slice(text.indexOf("== Backup Keyring =="));
  assert.equal(ours.split("\n").filter((l) => /^[-?] /.test(l)).length, 2, "exactly the two lines the kit meant");
});

it("the parser keeps only whole backup lines: four fields, an id without spaces", () => {
  const text = renderEmergencyKit(facts({ backups: [{ backup_id: "good1", date: "2026-04-01T20:30:00Z", name: "Fine", locations: ["Local"], checked: true }] }));
  const edited = `${text}\n- two words | 2026-01-01 | n | Local\n- five | 2026-01-01 | a | b | c\n- short | 2026-01-01\n? also fine | x | y | z`;
  const parsed = parseEmergencyKit(edited);
  assert.deepEqual(
    parsed.backups?.map((b) => b.backup_id),
    ["good1"],
  );
  assert.equal(parsed.guessed, undefined);
});

it("a kit written before the headings were split still parses: every '- ' line is read", () => {
  const old =
    renderEmergencyKit(facts({ generation: { number: 1, fingerprint: "ab".repeat(32), startedAt: "2026-01-01T00:00:00Z" } })) +
    "\nThe 2 backups this key opens: proven by a check, or made while Backup Keyring saw this key in use (id | date | name | locations):\n- aaaa1111 | 2026-02-01 | Automatic backup | Local, Cloud\n- bbbb2222 | 2026-02-02 | Automatic backup | Local";
  const parsed = parseEmergencyKit(old.replace("Which backups this key opens is not known yet.\n", ""));
  assert.deepEqual(
    parsed.backups?.map((b) => [b.backup_id, b.locations]),
    [
      ["aaaa1111", ["Local", "Cloud"]],
      ["bbbb2222", ["Local"]],
    ],
  );
  assert.equal(parsed.generation, 1);
});

it("kit lines as written: fields trimmed, an empty id as '_', commas in a location as spaces, line breaks in HA's values one space", () => {
  const text = renderEmergencyKit(
    facts({
      instanceName: "Lake\r\nCabin\nNorth",
      url: "http://ha.local:8123\n/x",
      backups: [{ backup_id: "  ", date: "2026-01-02T00:00:00Z", name: "  spaced name \n", locations: ["NAS,2", " USB "], checked: true }],
    }),
  );
  const lines = text.split("\n");
  assert.equal(lines[7], "Lake Cabin North");
  assert.equal(lines[10], "http://ha.local:8123 /x");
  assert.ok(lines.includes("- _ | 2026-01-02 | spaced name | NAS 2, USB"), text);
});

it("each backup heading appears only when it has backups; a fingerprint not in the registry's form is written as given", () => {
  const b = { backup_id: "b1", date: "2026-01-02T00:00:00Z", name: "n", locations: ["L"] };
  const onlySeen = renderEmergencyKit(facts({ backups: [b] }));
  assert.ok(!onlySeen.includes("Proven by a check") && onlySeen.includes("Made while Backup Keyring saw this key in use"));
  const onlyChecked = renderEmergencyKit(facts({ backups: [{ ...b, checked: true }] }));
  assert.ok(onlyChecked.includes("Proven by a check") && !onlyChecked.includes("Made while"));
  const fp = `${"a".repeat(64)}x`;
  assert.ok(renderEmergencyKit(facts({ generation: { number: 2, fingerprint: fp, startedAt: "2026-01-01T00:00:00Z" } })).includes(`Key fingerprint: ${fp}`));
});
