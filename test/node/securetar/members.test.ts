// Backups whose inner archives differ: several v3 members sharing one root salt (one Argon2id per
// candidate), members that need different keys, and mixed encrypted + plaintext members.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { checkBackupKeys, inspectBackup } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { tarOf } from "./tar-builder.js";

const dir = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
const member = (file: string, offset: number, size: number) => new Uint8Array(readFileSync(join(dir, file))).slice(offset, offset + size);
const v3Supervisor = member("supervisor__backup_example_sec_v3.tar", 1536, 1448); // password "supervisor"
const v3Hunter = member("securetar__backup_no_final_tag.tar", 1536, 3147748); // password "hunter2"
const v2Test = member("supervisor__backup_example_enc.tar", 1536, 256); // password "test"
const plainGzip = member("supervisor__backup_example.tar", 1536, 1364);
const json = (p: boolean) => Buffer.from(JSON.stringify({ slug: "m1x3d000", name: "Mixed", date: "2026-11-27T00:00:00+00:00", protected: p }));

describe("backups with several inner archives", () => {
  it("two v3 members sharing a root salt both open with the same candidate", async () => {
    const tar = tarOf([
      ["./backup.json", json(true)],
      ["homeassistant.tar.gz", v3Supervisor],
      ["a0d7b954_example.tar.gz", v3Supervisor],
    ]);
    const r = await checkBackupKeys(bytesSource(tar), ["wrong_password", "", "supervisor"]);
    assert.deepEqual(
      r.members.map((m) => m.openedBy),
      [2, 2],
    );
    assert.equal(r.openedBy, 2);
    assert.equal(r.membersAgree, true);
    assert.equal(r.format, "v3");
  });

  it("members with different root salts are checked one by one; no single candidate opens both", async () => {
    const tar = tarOf([
      ["./backup.json", json(true)],
      ["homeassistant.tar.gz", v3Supervisor],
      ["share.tar.gz", v3Hunter],
    ]);
    const r = await checkBackupKeys(bytesSource(tar), ["hunter2", "supervisor"]);
    assert.deepEqual(
      r.members.map((m) => m.openedBy),
      [1, 0],
    );
    assert.equal(r.membersAgree, false);
    assert.equal(r.openedBy, null, "no candidate opens every encrypted archive");
  });

  it("v2 + v3 + plaintext members: format mixed, mislabelled because protected holds plaintext", async () => {
    const tar = tarOf([
      ["./backup.json", json(true)],
      ["homeassistant.tar.gz", v3Supervisor],
      ["ssl.tar.gz", v2Test],
      ["media.tar.gz", plainGzip],
    ]);
    const info = await inspectBackup(bytesSource(tar));
    assert.deepEqual(
      info.members.map((m) => m.format),
      ["v3", "v2", "plain-gzip"],
    );
    assert.equal(info.format, "mixed");
    assert.equal(info.mislabelled, true);
    const r = await checkBackupKeys(bytesSource(tar), ["test", "supervisor"]);
    assert.deepEqual(
      r.members.map((m) => m.openedBy),
      [1, 0, null],
    );
    assert.equal(r.openedBy, null);
  });

  it("a copy marked unprotected whose archives are encrypted is mislabelled too", async () => {
    const r = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", json(false)],
          ["homeassistant.tar.gz", v3Supervisor],
        ]),
      ),
    );
    assert.equal(r.encrypted, true);
    assert.equal(r.mislabelled, true);
  });

  it("a member whose bytes are no known format is damaged (unknown_format)", async () => {
    const r = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", json(true)],
          ["homeassistant.tar.gz", new Uint8Array(33).fill(9)],
        ]),
      ),
    );
    assert.equal(r.members[0]!.format, "unknown");
    assert.deepEqual(r.damage[0], { archive: "homeassistant.tar.gz", code: "unknown_format" });
  });
});
