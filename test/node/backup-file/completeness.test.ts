// A backup is only "fine" when it holds everything its own backup.json promises, each archive of
// a plausible size and encrypted exactly when the backup says so. Everything else is damage, one
// plain reason per archive.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { checkBackupKeys, inspectBackup } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { concat, END_BLOCKS, padded, tarHeader, tarOf } from "../securetar/tar-builder.js";

const dir = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
const file = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const member = (name: string, offset: number, size: number) => file(name).slice(offset, offset + size);
const v3Supervisor = member("supervisor__backup_example_sec_v3.tar", 1536, 1448); // "supervisor"
const v2Test = member("supervisor__backup_example_enc.tar", 1536, 256); // "test"
const plainGzip = member("supervisor__backup_example.tar", 1536, 1364);

const meta = { slug: "c0ffee00", name: "Nightly", date: "2026-11-27T03:00:00+00:00" };
const json = (extra: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...meta, version: 2, compressed: true, homeassistant: null, folders: [], addons: [], ...extra }));
const codes = (r: { damage: { archive: string | null; code: string }[] }) => r.damage.map((d) => `${d.archive ?? "-"}:${d.code}`);

describe("completeness against backup.json", () => {
  it("a core-style backup cut right after backup.json is missing its Home Assistant archive", async () => {
    const j = json({ protected: true, homeassistant: { version: "2026.11.0", exclude_database: false } });
    const whole = tarOf([
      ["./backup.json", j],
      ["homeassistant.tar.gz", v3Supervisor],
    ]);
    const cut = whole.subarray(0, 512 + padded(j).length);
    const r = await checkBackupKeys(bytesSource(cut), ["supervisor"]);
    assert.equal(r.damaged, true);
    assert.deepEqual(codes(r), ["homeassistant.tar.gz:missing"]);
    const intact = await checkBackupKeys(bytesSource(whole), ["supervisor"]);
    assert.deepEqual(codes(intact), []);
    assert.equal(intact.openedBy, 0);
  });

  it("an archive removed or renamed is missing (and the renamed one unexpected)", async () => {
    const j = json({ protected: true, folders: ["ssl", "share"], addons: [{ slug: "core_mosquitto" }] });
    const removed = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", j],
          ["ssl.tar.gz", v2Test],
          ["core_mosquitto.tar.gz", v2Test],
        ]),
      ),
    );
    assert.deepEqual(codes(removed), ["share.tar.gz:missing"]);
    const renamed = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", j],
          ["ssl.tar.gz", v2Test],
          ["shore.tar.gz", v2Test],
          ["core_mosquitto.tar.gz", v2Test],
        ]),
      ),
    );
    assert.deepEqual(codes(renamed), ["shore.tar.gz:unexpected", "share.tar.gz:missing"]);
  });

  it("a Supervisor backup cut before its backup.json (written last) is not a complete backup", async () => {
    const cut = file("supervisor__backup_example_sec_v3.tar").subarray(0, 3072);
    const r = await checkBackupKeys(bytesSource(cut), ["supervisor"]);
    assert.equal(r.openedBy, 0, "the key is still checked");
    assert.deepEqual(codes(r), ["-:no_backup_json"]);
  });

  it("mislabelled archives are damage, in both directions", async () => {
    const plainButProtected = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", json({ protected: true, folders: ["ssl"] })],
          ["ssl.tar.gz", plainGzip],
        ]),
      ),
    );
    assert.equal(plainButProtected.mislabelled, true);
    assert.deepEqual(codes(plainButProtected), ["ssl.tar.gz:not_encrypted"]);
    const encryptedButNot = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", json({ protected: false, folders: ["ssl"] })],
          ["ssl.tar.gz", v2Test],
        ]),
      ),
    );
    assert.deepEqual(codes(encryptedButNot), ["ssl.tar.gz:unexpectedly_encrypted"]);
  });

  it("HA's per-location flag, when known, is what the archives must match", async () => {
    const tar = tarOf([
      ["./backup.json", json({ protected: false, folders: ["ssl"] })],
      ["ssl.tar.gz", plainGzip],
    ]);
    assert.deepEqual(codes(await checkBackupKeys(bytesSource(tar), ["x"])), []);
    const r = await checkBackupKeys(bytesSource(tar), ["x"], { expectProtected: true });
    assert.deepEqual(codes(r), ["ssl.tar.gz:not_encrypted"]);
  });

  it("backup.json without slug, name or date is damage", async () => {
    for (const drop of ["slug", "name", "date"]) {
      const j = JSON.parse(json({ protected: true, folders: ["ssl"] }).toString()) as Record<string, unknown>;
      delete j[drop];
      const r = await inspectBackup(
        bytesSource(
          tarOf([
            ["./backup.json", Buffer.from(JSON.stringify(j))],
            ["ssl.tar.gz", v2Test],
          ]),
        ),
      );
      assert.deepEqual(codes(r), ["-:backup_json_incomplete"], drop);
    }
    const r = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", json({ protected: true, folders: "ssl" })],
          ["ssl.tar.gz", v2Test],
        ]),
      ),
    );
    assert.deepEqual(codes(r), ["-:backup_json_incomplete"], "folders must be a list");
  });

  it("uncompressed backups promise .tar archives; supervisor.tar.gz needs no promise", async () => {
    const plainTar = tarOf([["x", Buffer.from("hi")]]);
    const r = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", json({ protected: false, compressed: false, folders: ["share"] })],
          ["share.tar", plainTar],
          ["supervisor.tar", plainTar],
        ]),
      ),
    );
    assert.deepEqual(codes(r), []);
    const wrongSuffix = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", json({ protected: false, compressed: false, folders: ["share"] })],
          ["share.tar.gz", plainGzip],
        ]),
      ),
    );
    assert.deepEqual(codes(wrongSuffix), ["share.tar.gz:unexpected", "share.tar:missing"]);
  });

  it("implausible sizes: a plain tar not made of whole blocks, a gzip shorter than its own framing", async () => {
    const plainTar = tarOf([["x", Buffer.from("hi")]]);
    const r = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", json({ protected: false, compressed: false, folders: ["share", "media"] })],
          ["share.tar", plainTar.subarray(0, 700)],
          ["media.tar", plainTar],
        ]),
      ),
    );
    assert.deepEqual(codes(r), ["share.tar:size_mismatch"]);
    const tiny = await inspectBackup(
      bytesSource(
        tarOf([
          ["./backup.json", json({ protected: false, folders: ["ssl"] })],
          ["ssl.tar.gz", plainGzip.subarray(0, 12)],
        ]),
      ),
    );
    assert.deepEqual(codes(tiny), ["ssl.tar.gz:size_mismatch"]);
  });

  it("the real fixtures are complete; a fixture cut anywhere in its final zero blocks still is", async () => {
    for (const name of [
      "supervisor__backup_example.tar",
      "supervisor__backup_example_enc.tar",
      "supervisor__backup_example_sec_v3.tar",
      "supervisor__test_consolidate.tar",
      "supervisor__test_consolidate_unc.tar",
    ]) {
      const bytes = file(name);
      assert.deepEqual(codes(await inspectBackup(bytesSource(bytes))), [], name);
      let end = bytes.length;
      while (end > 0 && bytes[end - 1] === 0) end--;
      const lastBlock = Math.ceil(end / 512) * 512;
      for (let cut = lastBlock; cut <= bytes.length; cut += 97) {
        const r = await inspectBackup(bytesSource(bytes.subarray(0, cut)));
        assert.deepEqual(codes(r), [], `${name} cut at ${cut}`);
      }
    }
  });

  it("a bare SecureTar archive (no backup.json) is still checked, and reported as not a complete backup", async () => {
    const r = await checkBackupKeys(bytesSource(concat(tarHeader("core.tar.gz", v3Supervisor.length), padded(v3Supervisor), END_BLOCKS)), ["supervisor"]);
    assert.equal(r.openedBy, 0);
    assert.deepEqual(codes(r), ["-:no_backup_json"]);
  });
});

describe("every damage code has a plain-language reason", () => {
  it("in all 10 languages", async () => {
    const { LANGUAGES, keyIn, localizeFor } = await import("../../../src/common/localize.js");
    // Every code the checks can produce (MemberDamage and CompletenessCode).
    const codes = [
      "size_mismatch",
      "unknown_format",
      "stream_empty",
      "stream_auth_failed",
      "final_too_early",
      "no_final_tag",
      "stream_size_mismatch",
      "padding_invalid",
      "gzip_invalid",
      "inner_tar_incomplete",
      "missing",
      "unexpected",
      "not_encrypted",
      "unexpectedly_encrypted",
      "backup_json_incomplete",
      "no_backup_json",
    ];
    for (const lang of LANGUAGES) {
      const t = await localizeFor(lang);
      for (const code of codes) {
        const key = keyIn("errors.backup_file.damage", code);
        assert.notEqual(t(key), key, `${lang}: ${key}`);
      }
    }
  });
});
