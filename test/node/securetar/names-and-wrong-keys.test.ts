// Two checks a user relies on without seeing them: a member after a GNU long name keeps its own
// name (else backup.json or an archive is "missing"), and v2's first-block check does not let a
// wrong key through (else a backup "opens" with a key that cannot restore it).
import assert from "node:assert/strict";
import { createCipheriv, randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "node:test";
import { checkBackupKeys, inspectBackup, rawAesKeyOpensMember } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { openFileSource } from "../../../src/common/node-file-source.js";
import { aesIv, aesKeyOpens } from "../../../src/securetar/aes.js";
import { walkTar } from "../../../src/tar/reader.js";
import { concat, END_BLOCKS, padded, tarHeader } from "./tar-builder.js";

const fixtures = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");

it("a normal member after a GNU long name keeps its own short name", async () => {
  const long = `addons/${"a".repeat(150)}.tar.gz`;
  const nameBytes = Buffer.from(`${long}\0`);
  const tar = concat(
    tarHeader("././@LongLink", nameBytes.length, { type: "L" }),
    padded(nameBytes),
    tarHeader("addons/aaaa-truncated", 3),
    padded(Buffer.from("abc")),
    tarHeader("backup.json", 2),
    padded(Buffer.from("{}")),
    tarHeader("homeassistant.tar.gz", 4),
    padded(Buffer.from("data")),
    END_BLOCKS,
  );
  const names: string[] = [];
  for await (const e of walkTar(bytesSource(tar))) names.push(e.name);
  assert.deepEqual(names, [long, "backup.json", "homeassistant.tar.gz"]);
});

it("v2: 200 random wrong keys never pass the first-block check; the right one does", async () => {
  const source = await openFileSource(join(fixtures, "supervisor__backup_example_enc.tar"));
  try {
    const report = await inspectBackup(source);
    const members = report.members.filter((m) => m.format === "v2");
    assert.ok(members.length >= 1);
    for (const m of members) {
      let opened = 0;
      for (let i = 0; i < 200; i++) if (await rawAesKeyOpensMember(source, m, new Uint8Array(randomBytes(16)))) opened++;
      assert.equal(opened, 0, `${m.name}: a random key passed`);
    }
    const wrong = Array.from({ length: 40 }, (_, i) => `test${i}`);
    const checked = await checkBackupKeys(source, [...wrong, "test"]);
    assert.equal(checked.openedBy, wrong.length, "only the real password opens it");
    assert.ok(checked.members.filter((m) => m.format === "v2").every((m) => m.openedBy === wrong.length));
  } finally {
    await source.close();
  }
});

/** salt ‖ AES-128-CBC(key, IV from key and salt, plaintext): what a wrong key would have to decrypt to pass. */
async function crafted(rawKey: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const salt = new Uint8Array(randomBytes(16));
  const cipher = createCipheriv("aes-128-cbc", rawKey, await aesIv(rawKey, salt)).setAutoPadding(false);
  return concat(salt, cipher.update(plaintext), cipher.final());
}

it("v1/v2: only gzip's whole magic (1f 8b 08), or a tar's 'ustar' where a tar is expected, counts as opened", async () => {
  const key = new Uint8Array(randomBytes(16));
  const block = (...first: number[]) => {
    const p = new Uint8Array(16);
    p.set(first);
    return p;
  };
  assert.equal(await aesKeyOpens(key, await crafted(key, block(0x1f, 0x8b, 0x08)), false), true);
  for (const near of [block(0x1f, 0x8b, 0x00), block(0x1f, 0x00, 0x08), block(0x00, 0x8b, 0x08)]) {
    assert.equal(await aesKeyOpens(key, await crafted(key, near), false), false, Buffer.from(near.subarray(0, 3)).toString("hex"));
  }
  const tarHead = (magic: string) => {
    const p = new Uint8Array(272);
    p.set(Buffer.from("backup.json"), 0);
    p.set(Buffer.from(magic, "latin1"), 257);
    return p;
  };
  assert.equal(await aesKeyOpens(key, await crafted(key, tarHead("ustar")), true), true);
  assert.equal(await aesKeyOpens(key, await crafted(key, tarHead("ustaX")), true), false);
  assert.equal(await aesKeyOpens(key, await crafted(key, tarHead("ustar")), false), false, "a tar where gzip is expected");
  const gzipFirst = new Uint8Array(272);
  gzipFirst.set([0x1f, 0x8b, 0x08]);
  assert.equal(await aesKeyOpens(key, await crafted(key, gzipFirst), true), true, "gzip is accepted for a .tar member too");
  assert.equal(await aesKeyOpens(key, (await crafted(key, block(0x1f, 0x8b, 0x08))).subarray(0, 31), false), false, "too short to check");
});
