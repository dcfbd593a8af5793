// `deep: true` reads every archive to its end: gzip CRC and length, the inner tar's end, v2
// padding and size, v3 authentication. A backup that is only damaged deep inside passes the quick
// check and fails the deep one.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { checkBackupKeys } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { encryptV2, encryptV3, v3Root } from "../../../src/sim/securetar-writer.js";
import { writeTar } from "../../../src/sim/tar-writer.js";
import { backupOf } from "../securetar/tar-builder.js";

const dir = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
const fixtureMember = (name: string, offset: number, size: number) => new Uint8Array(readFileSync(join(dir, name))).slice(offset, offset + size);
const codes = (r: { damage: { archive: string | null; code: string }[] }) => r.damage.map((d) => `${d.archive ?? "-"}:${d.code}`);

const innerTar = writeTar(
  [
    { name: "data/configuration.yaml", data: new TextEncoder().encode("default_config:\n".repeat(200)), mtime: 1_700_000_000 },
    { name: "data/secrets.yaml", data: new TextEncoder().encode("x: y\n".repeat(300)), mtime: 1_700_000_000 },
  ],
  { recordSize: 512 },
);
// Cut inside the second member's data, then gzipped: the gzip itself is intact.
const cutTar = innerTar.slice(0, 512 + 3584 + 512 + 700);
const salt = (n: number) => new Uint8Array(16).fill(n);

async function both(backup: Uint8Array, keys: string[]) {
  const quick = await checkBackupKeys(bytesSource(backup), keys);
  const deep = await checkBackupKeys(bytesSource(backup), keys, { deep: true });
  return { quick: codes(quick), deep: codes(deep), opened: deep.openedBy };
}

describe("deep check: every archive read to its end", () => {
  it("an intact plain, v2 and v3 backup passes", async () => {
    const root = await v3Root("pw", salt(1), salt(2));
    const plain = await both(backupOf([["share.tar.gz", gzipSync(innerTar)]], false), []);
    assert.deepEqual(plain, { quick: [], deep: [], opened: null });
    const v2 = await both(backupOf([["share.tar.gz", encryptV2(gzipSync(innerTar), "pw", salt(3))]], true), ["pw"]);
    assert.deepEqual(v2, { quick: [], deep: [], opened: 0 });
    const v3 = await both(backupOf([["share.tar.gz", await encryptV3(gzipSync(innerTar), root, salt(4))]], true), ["pw"]);
    assert.deepEqual(v3, { quick: [], deep: [], opened: 0 });
    const fixture = await both(backupOf([["ssl.tar.gz", fixtureMember("supervisor__backup_example_enc.tar", 1536, 256)]], true), ["test"]);
    assert.deepEqual(fixture.deep, []);
  });

  it("a plain gzip with a broken CRC, or around a cut tar", async () => {
    const gz = gzipSync(innerTar);
    gz[gz.length - 6]! ^= 0x55; // inside the CRC-32
    assert.deepEqual(await both(backupOf([["share.tar.gz", gz]], false), []), { quick: [], deep: ["share.tar.gz:gzip_invalid"], opened: null });
    const cut = await both(backupOf([["share.tar.gz", gzipSync(cutTar)]], false), []);
    assert.deepEqual(cut, { quick: [], deep: ["share.tar.gz:inner_tar_incomplete"], opened: null });
  });

  it("an uncompressed inner tar cut at a block boundary", async () => {
    const r = await both(backupOf([["share.tar", innerTar.slice(0, 512 + 3584 + 512 + 1024)]], false), []);
    assert.deepEqual(r.deep, ["share.tar:inner_tar_incomplete"]);
  });

  it("v2: broken padding, a flipped byte in the middle, a cut tar inside", async () => {
    const member = new Uint8Array(encryptV2(gzipSync(innerTar), "pw", salt(5))); // a copy: Buffer.slice would share memory
    const badPad = member.slice();
    badPad[badPad.length - 17]! ^= 0x40; // second-to-last block: flips a padding byte of the last
    assert.deepEqual((await both(backupOf([["share.tar.gz", badPad]], true), ["pw"])).deep, ["share.tar.gz:padding_invalid"]);
    const flipped = member.slice();
    flipped[48 + 20]! ^= 0x01; // garbles deflate data early in the stream
    assert.deepEqual((await both(backupOf([["share.tar.gz", flipped]], true), ["pw"])).deep, ["share.tar.gz:gzip_invalid"]);
    const cut = await both(backupOf([["share.tar.gz", encryptV2(gzipSync(cutTar), "pw", salt(6))]], true), ["pw"]);
    assert.deepEqual(cut, { quick: [], deep: ["share.tar.gz:inner_tar_incomplete"], opened: 0 });
  });

  it("v3: authenticated, but the tar inside is cut", async () => {
    const root = await v3Root("pw", salt(7), salt(8));
    const r = await both(backupOf([["share.tar.gz", await encryptV3(gzipSync(cutTar), root, salt(9))]], true), ["pw"]);
    assert.deepEqual(r, { quick: [], deep: ["share.tar.gz:inner_tar_incomplete"], opened: 0 });
  });

  it("an archive no key opens is not claimed intact or damaged by the deep check", async () => {
    const r = await both(backupOf([["share.tar.gz", encryptV2(gzipSync(cutTar), "pw", salt(10))]], true), ["other"]);
    assert.deepEqual(r, { quick: [], deep: [], opened: null });
  });
});
