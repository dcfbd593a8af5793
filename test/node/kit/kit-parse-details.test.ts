// Reading kits back, line by line: what a person may have done to the file (trimmed it, saved it
// with old Mac line ends, pasted a key with other notes) and how our own block is read.
import assert from "node:assert/strict";
import { it } from "node:test";
import { KitParseError, MAX_KIT_BYTES, parseEmergencyKit, parseKitOrKey } from "../../../src/kit/parse.js";

const KEY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12";
const LINK = "For more information, visit https://www.home-assistant.io/more-info/backup-emergency-kit";
const haKit = (o: { date?: string; instance?: string; url?: string; key?: string; blank?: string } = {}) =>
  [
    "Home Assistant Backup Emergency Kit",
    "",
    "This emergency kit contains your backup encryption key.",
    "",
    o.date ?? "Date: January 15, 2025 at 2:05 PM",
    "",
    "Instance:",
    o.instance ?? "Cabin",
    "",
    "URL:",
    o.url ?? "https://ha.example.org",
    "",
    "Encryption key:",
    o.key ?? KEY,
    o.blank ?? "",
    LINK,
  ].join("\n");
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
  for (const note of [`\n\nNote: see ${link}`, `\n\nMy notes\nkept with the kit\n\nSee ${link}`, `\n\n== Backup Keyring ==\nKey generation: 2\n\nNote: see ${link}`]) {
    assert.equal(parseEmergencyKit(`${haKit()}${note}`).key, KEY, JSON.stringify(note));
  }
  // Two whole kits pasted together are still two keys.
  assert.equal(code(`${haKit()}\n\n${haKit({ key: KEY.replace("A", "B") })}`), "multiple_keys");
});

it("a note after the kit counts as a second kit only in a whole kit's shape (every mix of blank and text lines above a quoted link)", () => {
  const whole = ["", "t", "t", "", "t", "t", ""];
  for (let mask = 0; mask < 128; mask++) {
    // Lines i-1 … i-7 above the quoted link; blank lines sometimes hold spaces.
    const above = Array.from({ length: 7 }, (_, k) => ((mask >> k) & 1 ? `note ${k}` : k % 2 ? "   " : ""));
    const note = [...above].reverse().join("\n");
    const shape = above.map((l) => (l.trim() === "" ? "" : "t"));
    const text = `${haKit()}\n${note}\nSee ${LINK}`;
    if (shape.join("|") === whole.join("|")) assert.equal(code(text), "multiple_keys", note);
    else assert.equal(parseEmergencyKit(text).key, KEY, JSON.stringify(note));
  }
  // Two whole kits whose blank lines hold spaces are still two keys.
  const spaced = (k: string) => haKit({ key: k, blank: "  " }).replace(/\n\n/g, "\n \n");
  assert.equal(code(`${spaced(KEY)}\n \n${spaced(KEY.replace("A", "B"))}`), "multiple_keys");
});

it("a kit cut down to its last lines, or to less than a key, says no key instead of failing", () => {
  assert.equal(parseEmergencyKit(`\nEncryption key:\n${KEY}\n\n${LINK}`).key, KEY);
  assert.equal(parseEmergencyKit(`URL:\nhttps://ha.example.org\n\nEncryption key:\n${KEY}\n\n${LINK}`).key, KEY);
  assert.equal(code(`\n${LINK}`), "no_key");
  assert.equal(code(`Encryption key:\n\n${LINK}`), "no_key");
  // The key line deleted, and the blank line above the label holds spaces: the label is no key.
  assert.equal(code(haKit().replace(`Encryption key:\n${KEY}\n`, "   \nEncryption key:\n")), "no_key");
});

it("the date line is read after its label, or whole without one", () => {
  assert.equal(parseEmergencyKit(haKit({ date: "  15.01.2025 14:05  " })).dateText, "15.01.2025 14:05");
  assert.equal(parseEmergencyKit(haKit({ date: ": 15.01.2025" })).dateText, "15.01.2025");
});

it("our block: only lines below the marker count, a damaged backup line is no backup, a mark line is no label", () => {
  const p = parseEmergencyKit(
    [
      haKit({ instance: "2024" }),
      "12",
      "== Backup Keyring ==",
      "- note: 5",
      "Key generation: v2",
      "Key generation: 3",
      "- b1 |   | no date | Local",
      "- b2 | 2026-01-02 | name | Local\u2028junk",
      "- b3 | 2026-01-03 | fine | Local",
    ].join("\n"),
  );
  assert.equal(p.instanceName, "2024");
  assert.equal(p.generation, 3);
  assert.deepEqual(p.backups, [{ backup_id: "b3", date: "2026-01-03", name: "fine", locations: ["Local"] }]);
});

it("a backup line quoting the documentation link is no documentation line, even after a blank line", () => {
  assert.equal(code(`Notes\n\n- b1 | 2026-01-01 | see ${LINK} | Local`), "not_a_kit");
});

it("a key keeps every character as written, a zero-width one inside included; only a leading BOM goes", () => {
  const odd = "my\ufeffold password";
  assert.equal(parseEmergencyKit(haKit({ key: odd })).key, odd);
  assert.equal(parseEmergencyKit(`\ufeff${haKit()}`).key, KEY);
  assert.deepEqual(parseEmergencyKit(`\ufeff${KEY}`), { key: KEY, source: "bare-key" });
});

it("a bare key: as written when already in HA's form, else tidied with what was typed kept", () => {
  assert.deepEqual(parseEmergencyKit(` ${KEY}\n`), { key: KEY, source: "bare-key" });
  assert.deepEqual(parseEmergencyKit(KEY.toLowerCase()), { key: KEY, typed: KEY.toLowerCase(), source: "bare-key" });
});

it("a backup file is recognised by its tar header, whatever follows the magic; binary text beyond the first header is binary", () => {
  assert.equal(code(`${"a".repeat(257)}ustarXX${"b".repeat(300)}`), "is_backup");
  assert.equal(code(`${"a".repeat(2000)}\u0000ustar\u0000`), "binary");
});

it("the panel's loader takes one line as a legacy password only when it is plain text of a readable size", () => {
  assert.throws(
    () => parseKitOrKey("pass\u0001word"),
    (e: unknown) => e instanceof KitParseError && e.code === "binary",
  );
  assert.throws(
    () => parseKitOrKey("x".repeat(MAX_KIT_BYTES + 1)),
    (e: unknown) => e instanceof KitParseError && e.code === "too_large",
  );
  assert.deepEqual(parseKitOrKey("pass word"), { key: "pass word", source: "legacy" });
});
