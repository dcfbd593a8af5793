// What the panel says about a dropped backup file: damage outweighs the key result, and only what
// is proven is said — not "not encrypted" for a protected backup whose archives are gone, not
// "opens with no key" when no archive could be tried.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { checkBackupKeys } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { localizeEnglish as t } from "../../../src/common/localize-english.js";
import { offlineCheckNotice } from "../../../src/ui/panel/offline-notice.js";
import { tarOf } from "../securetar/tar-builder.js";

const fixtures = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
const v2 = new Uint8Array(readFileSync(join(fixtures, "supervisor__backup_example_enc.tar"))); // "test"
const json = (extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ slug: "0ddba11a", name: "Odd", date: "2026-11-27T03:00:00+00:00", protected: true, homeassistant: { version: "2026.11.0" }, folders: [], addons: [], ...extra }));
const notice = async (bytes: Uint8Array, keys: string[], applied = { matched: 1, generation: null as number | null }) =>
  offlineCheckNotice(await checkBackupKeys(bytesSource(bytes), keys), applied, "Odd", t);

describe("the panel's notice for a dropped backup file", () => {
  it("opened, failed, unencrypted: the key result", async () => {
    assert.deepEqual(await notice(v2, ["test"], { matched: 1, generation: 2 }), { kind: "success", text: "Odd opens with key generation 2." });
    assert.equal((await notice(v2, ["wrong"])).text, "Odd does not open with any key you hold.");
  });

  it("a protected backup whose archives are gone is damaged, not 'not encrypted'", async () => {
    const n = await notice(tarOf([["./backup.json", json()]]), ["test"]);
    assert.equal(n.kind, "error");
    assert.equal(n.text, "Odd cannot be restored as it is:");
    assert.deepEqual(n.details, ["homeassistant.tar.gz: backup.json lists this archive, but the file does not contain it."]);
  });

  it("an encrypted backup none of whose archives could be key-checked is damaged, not 'opens with no key'", async () => {
    const head = Buffer.alloc(100); // a v3 archive cut inside its 136-byte header
    head.write("SecureTar", 0, "latin1");
    head[9] = 3;
    const n = await notice(
      tarOf([
        ["./backup.json", json()],
        ["homeassistant.tar.gz", head],
      ]),
      ["test"],
    );
    assert.equal(n.kind, "error");
    assert.ok(!n.text.includes("does not open"), n.text);
    assert.match(n.text, /^Odd cannot be restored as it is:/);
  });

  it("opened but damaged: both are said, damage last; not listed by HA: said too", async () => {
    const ssl = v2.slice(1536, 1536 + 256); // the fixture's encrypted ssl archive
    const withExtra = tarOf([
      ["./backup.json", json({ homeassistant: null, addons: [{ slug: "ssl" }] })],
      ["ssl.tar.gz", ssl],
      ["extra.tar.gz", new Uint8Array(64).fill(0x1f)],
    ]);
    const n = await notice(withExtra, ["test"], { matched: 0, generation: null });
    assert.equal(n.kind, "error");
    assert.match(n.text, /^Odd opens with a key you hold\. Odd cannot be restored as it is: Home Assistant does not list this backup/);
    assert.ok(n.details!.some((d) => d.startsWith("extra.tar.gz: backup.json does not list this archive")));
  });
});
