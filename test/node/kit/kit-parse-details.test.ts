// Reading kits back, line by line: what a person may have done to the file (trimmed it, saved it
// with old Mac line ends, pasted a key with other notes) and how our own block is read.
import assert from "node:assert/strict";
import { it } from "node:test";
import { KitParseError, MAX_KIT_BYTES, parseEmergencyKit } from "../../../src/kit/parse.js";

const KEY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12";
const LINK = "For more information, visit https://www.home-assistant.io/more-info/backup-emergency-kit";
const haKit = (o: { date?: string; instance?: string; url?: string; key?: string; blank?: string } = {}) =>
  ["Home Assistant Backup Emergency Kit", "", "This emergency kit contains your backup encryption key.", "", o.date ?? "Date: January 15, 2025 at 2:05 PM", "", "Instance:", o.instance ?? "Cabin", "", "URL:", o.url ?? "https://ha.example.org", "", "Encryption key:", o.key ?? KEY, o.blank ?? "", LINK].join("\n");
const code = (text: string) => {
  try {
    parseEmergencyKit(text);
    return "parsed";
  } catch (e) {
    assert.ok(e instanceof KitParseError);
    assert.equal(e.name, "KitParseError");
    assert.equal(e.message, `emergency kit: ${e.code}`, "the message never repeats the text");
    return e.code;
  }
};

it("values are read without the spaces around them; a blank line with spaces is still blank", () => {
  const p = parseEmergencyKit(haKit({ date: "Date:   January 15, 2025  ", instance: "  Cabin  ", url: " https://ha.example.org ", blank: "   " }));
  assert.deepEqual(p, { key: KEY, source: "ha", url: "https://ha.example.org", instanceName: "Cabin", dateText: "January 15, 2025" });
});

it("a kit cut at the top (no date or instance lines) still gives its key", () => {
  assert.deepEqual(parseEmergencyKit(["Encryption key:", KEY, "", LINK].join("\n")), { key: KEY, source: "ha", url: undefined, instanceName: undefined, dateText: undefined });
});

it("old Mac line ends (CR only) are line ends", () => {
  assert.equal(parseEmergencyKit(haKit().replace(/\n/g, "\r")).key, KEY);
});

it("a key line of spaces is no key", () => {
  assert.equal(code(haKit({ key: "    " })), "no_key");
});

it("text that is not a kit: which message it gets", () => {
  assert.equal(code(LINK), "not_a_kit", "the link alone is not a kit (a kit cut down to its key line says no_key)");
  assert.equal(code("Home Assistant notes\nsomething\nelse"), "no_key", "starts like a kit, no link: cut off");
  assert.equal(code("Home Assistant\nnotes"), "not_a_kit", "too short to be a cut-off kit");
  assert.equal(code(`Notes\n${KEY}\nthanks`), "not_a_kit", "one key among notes is not a kit");
  assert.equal(code(`${KEY}\n${KEY.replace("A", "B")}`), "multiple_keys");
  assert.equal(code("ABCD-EFGH-IJKL\nMNOP-QRST-UVWX-YZ12"), "not_a_kit", "a key broken over two lines is not taken as one");
});

it("size limit: exactly 64 KiB is read, one more character is too large", () => {
  const padded = (n: number) => KEY + " ".repeat(n - KEY.length);
  assert.equal(parseEmergencyKit(padded(MAX_KIT_BYTES)).key, KEY);
  assert.equal(code(padded(MAX_KIT_BYTES + 1)), "too_large");
});

it("our block: first generation and fingerprint win, values must be whole, backup lines trimmed", () => {
  const text = [
    haKit(),
    "",
    "== Backup Keyring ==",
    "Added by Backup Keyring.",
    "Key generation: 2b",
    "Key fingerprint: X7F3A-91C2-0B5E",
    "Key fingerprint: 7F3A-91C2-0B5EX",
    "Key generation: 12",
    "Key fingerprint: 7F3A-91C2-0B5E",
    "Key generation: 13",
    "Key fingerprint: AAAA-BBBB-CCCC",
    "-  b1  |  2026-01-01  |  Before upgrade  |  Local ,  NAS , ",
    "x- b2 | 2026-01-02 | Not a backup line | Local",
  ].join("\n");
  const p = parseEmergencyKit(text);
  assert.equal(p.source, "backup-keyring");
  assert.equal(p.generation, 12);
  assert.equal(p.fingerprint, "7F3A-91C2-0B5E");
  assert.deepEqual(p.backups, [{ backup_id: "b1", date: "2026-01-01", name: "Before upgrade", locations: ["Local", "NAS"] }]);
});

it("a note after the kit, even one quoting the documentation link after a blank line, does not change which key is read", () => {
  const link = "https://www.home-assistant.io/more-info/backup-emergency-kit";
  for (const note of [
    `\n\nNote: see ${link}`,
    `\n\nMy notes\nkept with the kit\n\nSee ${link}`,
    `\n\n== Backup Keyring ==\nKey generation: 2\n\nNote: see ${link}`,
  ]) {
    assert.equal(parseEmergencyKit(`${haKit()}${note}`).key, KEY, JSON.stringify(note));
  }
  // Two whole kits pasted together are still two keys.
  assert.equal(code(`${haKit()}\n\n${haKit({ key: KEY.replace("A", "B") })}`), "multiple_keys");
});
