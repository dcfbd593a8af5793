// Every real HA/SecureTar fixture opens with its documented password and not with wrong ones.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkBackupKeys, inspectBackup, rawAesKeyOpensMember } from "../../../src/backup-file/inspect.js";
import { openFileSource } from "../../../src/common/node-file-source.js";
import { aesIv, passwordToAesKey } from "../../../src/securetar/aes.js";
import { FIXTURES } from "../../support/fixtures.js";

const dir = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("known answers (securetar.md §11)", () => {
  it("password_to_key and the IV", async () => {
    assert.equal(hex(await passwordToAesKey("test")), "f09bb91fdc2cffd578d6d68f7a192e0f");
    assert.equal(hex(await passwordToAesKey("hunter2")), "85b58a9f4117fd96b75e0922a9a03323");
    const iv = await aesIv(await passwordToAesKey("test"), Buffer.from("0aab8f9afb859e4c267a092bf9aa4f48", "hex"));
    assert.equal(hex(iv), "168fc59d6aad2d2f1372e438ab0f0b28");
  });

  it("v3 root and validation keys", async () => {
    const { v3RootKey, v3Subkey } = await import("../../../src/securetar/v3-crypto.js");
    const root = await v3RootKey("supervisor", Buffer.from("833979db0ad8ffe9dcbb44455565df5c", "hex"));
    assert.equal(hex(root), "a3a37dff0eb46226a6090a4a5244b5c3ca77376653af6f010b306f58f418cc57");
    assert.equal(hex(v3Subkey(root, Buffer.from("0bfa202a791be303e2f2b89cdd18a307", "hex"))), "096362b1537fef113d9ee298c21cb69089b5657bb3bc0acf3976fcd9374c1561");
  });
});

describe("real fixtures", () => {
  for (const f of FIXTURES) {
    it(`${f.file}: ${f.format}, ${f.password ? "opens with its password only" : "no password"}`, async () => {
      const source = await openFileSource(join(dir, f.file));
      try {
        const info = await inspectBackup(source);
        assert.equal(info.format, f.format);
        assert.equal(info.backupId, f.slug);
        assert.equal(info.damaged, f.damaged);
        if (f.password) {
          const report = await checkBackupKeys(source, ["wrong_password", "Test", "", f.password]);
          assert.equal(report.openedBy, 3, "only the documented password opens it");
          assert.ok(report.membersAgree);
          const wrong = await checkBackupKeys(source, ["wrong_password", f.password.toUpperCase() === f.password ? "x" : f.password.toUpperCase()]);
          assert.equal(wrong.openedBy, null);
        } else if (f.format === "none") {
          assert.equal(info.encrypted, false);
        }
      } finally {
        await source.close();
      }
    });
  }

  it("the v1 fixture opens with its raw AES key (no password is known for it)", async () => {
    const source = await openFileSource(join(dir, "securetar__backup_encrypted_gzipped_legacy_format.tar"));
    const info = await inspectBackup(source);
    assert.deepEqual(
      info.members.map((m) => m.format),
      ["v1", "v1", "v1"],
    );
    const key = Buffer.from("30313233343536373839616263646566", "hex");
    for (const m of info.members) assert.equal(await rawAesKeyOpensMember(source, m, key), true);
    assert.equal(await rawAesKeyOpensMember(source, info.members[0]!, Buffer.from("31313233343536373839616263646566", "hex")), false);
    await source.close();
  });
});
