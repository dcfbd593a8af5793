// The optional deep v3 check: every secretstream chunk is decrypted and authenticated, FINAL must
// close the stream and only the last chunk. Known answers from securetar.md §11.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { checkBackupKeys } from "../../../src/backup-file/inspect.js";
import { bytesSource, countingSource } from "../../../src/common/byte-source.js";
import { SecretStreamPull, TAG_FINAL } from "../../../src/securetar/secretstream.js";
import { parseV3Header } from "../../../src/securetar/v3.js";
import { backupOf } from "./tar-builder.js";
import { v3RootKey, v3Subkey } from "../../../src/securetar/v3-crypto.js";

const dir = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
const load = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** The upstream fixture's inner archive inside a complete backup (the fixture itself has no backup.json). */
const noFinalTagBackup = () => backupOf([["core_no_final_tag.tar.gz", load("securetar__backup_no_final_tag.tar").slice(1536, 1536 + 3147748)]], true);

describe("SecureTar v3 stream (secretstream pull)", () => {
  it("derives the documented stream keys and decrypts the first chunk to gzip", async () => {
    const file = load("supervisor__backup_example_sec_v3.tar");
    const header = parseV3Header(file.subarray(1536, 1536 + 136));
    assert.equal(hex(header.streamHeader), "34d91958522501506d5f77d1e5c528d49b113d9f66d195a5");
    const streamKey = v3Subkey(await v3RootKey("supervisor", header.rootSalt), header.derivationSalt);
    assert.equal(hex(streamKey), "8f84e6b7c9ad36a58d164baaa4f0c3a07b5f18c00cdf1a56609aeb956cf98c66");
    const pulled = new SecretStreamPull(streamKey, header.streamHeader).pull(file.subarray(1536 + 136, 1536 + 1448));
    assert.ok(pulled);
    assert.equal(pulled.tag, TAG_FINAL);
    assert.equal(pulled.message.length, 1295);
    assert.equal(hex(pulled.message.subarray(0, 4)), "1f8b0808");
    // One flipped ciphertext bit and the MAC no longer verifies.
    const bad = file.slice(1536 + 136, 1536 + 1448);
    bad[100]! ^= 1;
    assert.equal(new SecretStreamPull(streamKey, header.streamHeader).pull(bad), null);
  });

  it("stream keys of the two hunter2 fixtures", async () => {
    for (const [name, offset, expected] of [
      ["securetar__backup_empty.tar", 512, "75a737daf4e32b30cf0709d331950d18bca9a06740ad82a6c768b9b8486ffebf"],
      ["securetar__backup_no_final_tag.tar", 1536, "d908cf438bad2ef5a36fa907110aa86fb4cdcb62addc41a13aa4f2cfa00b6d24"],
    ] as const) {
      const header = parseV3Header(load(name).subarray(offset, offset + 136));
      assert.equal(hex(v3Subkey(await v3RootKey("hunter2", header.rootSalt), header.derivationSalt)), expected, name);
    }
  });
});

describe("checkBackupKeys with deep: true", () => {
  it("backup_no_final_tag: the key opens it, the shallow check passes, the deep check finds no FINAL tag", async () => {
    const file = noFinalTagBackup();
    const shallow = countingSource(bytesSource(file));
    const quick = await checkBackupKeys(shallow, ["hunter2"]);
    assert.equal(quick.openedBy, 0);
    assert.deepEqual(quick.damage, []);
    assert.ok(shallow.bytesRead < 8192, `shallow check read ${shallow.bytesRead} bytes`);
    const deep = await checkBackupKeys(bytesSource(file), ["wrong_password", "hunter2"], { deep: true });
    assert.equal(deep.openedBy, 1);
    assert.equal(deep.damaged, true);
    assert.deepEqual(deep.damage, [{ archive: "core_no_final_tag.tar.gz", code: "no_final_tag" }]);
  });

  it("an intact v3 backup passes the deep check; a flipped byte in its stream fails it", async () => {
    const file = load("supervisor__backup_example_sec_v3.tar");
    const ok = await checkBackupKeys(bytesSource(file), ["supervisor"], { deep: true });
    assert.equal(ok.openedBy, 0);
    assert.deepEqual(ok.damage, []);
    const tampered = file.slice();
    tampered[1536 + 136 + 500]! ^= 0x40;
    const bad = await checkBackupKeys(bytesSource(tampered), ["supervisor"], { deep: true });
    assert.equal(bad.openedBy, 0, "the validation key in the header still matches");
    assert.deepEqual(bad.damage, [{ archive: "a0d7b954_example.tar.gz", code: "stream_auth_failed" }]);
  });

  it("backup_empty is damaged (header only) with or without deep", async () => {
    for (const deep of [false, true]) {
      const r = await checkBackupKeys(bytesSource(load("securetar__backup_empty.tar")), ["hunter2"], { deep });
      assert.equal(r.damaged, true);
      assert.deepEqual(r.damage, [
        { archive: null, code: "no_backup_json" },
        { archive: "core_empty.tar.gz", code: "size_mismatch" },
      ]);
    }
  });

  it("an aborted deep check stops with the abort reason", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stopped by user"));
    await assert.rejects(checkBackupKeys(bytesSource(load("securetar__backup_no_final_tag.tar")), ["hunter2"], { deep: true, signal: controller.signal }), /stopped by user/);
  });
});
