// The CLI in-process (`main`), for what a cron job reads: the exit code when several files fail in
// different ways, and what is printed for each. (test/node/securetar/cli-and-malformed.test.ts
// runs the built command as a separate process.)
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { EXIT_NOT_OPENED, EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, main } from "../../../src/cli/main.js";
import { readFileSync } from "node:fs";
import { tarOf } from "../securetar/tar-builder.js";

const fixtures = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
const v2 = join(fixtures, "supervisor__backup_example_enc.tar"); // password "test"
const plain = join(fixtures, "supervisor__backup_example.tar");
let dir: string;
let missing: string;
let notABackup: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "cli-exit-"));
  missing = join(dir, "gone.tar");
  notABackup = join(dir, "notes.tar");
  writeFileSync(notABackup, "just some text, not a tar archive\n".repeat(40));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe("verify exit codes with several files", () => {
  it("0 when the key opens the encrypted one and the other is unencrypted", async () => {
    const r = await run("verify", v2, plain, "--key", "test");
    assert.equal(r.code, EXIT_OK);
    assert.match(r.out, /opens with --key #1/);
    assert.match(r.out, /not encrypted/);
  });

  it("3 when an encrypted backup opens with none of the keys", async () => {
    assert.equal((await run("verify", plain, v2, "--key", "wrong")).code, EXIT_NOT_OPENED);
  });

  it("2 when one file is missing and another does not open, in either order", async () => {
    const first = await run("verify", missing, v2, "--key", "wrong");
    assert.equal(first.code, EXIT_UNREADABLE, "a missing file outranks a backup that does not open");
    const second = await run("verify", v2, missing, "--key", "wrong");
    assert.equal(second.code, EXIT_UNREADABLE);
    for (const r of [first, second]) {
      assert.match(r.out, /gone\.tar: /);
      assert.ok(!r.out.includes("wrong"), "the key is never printed");
    }
  });

  it("2 when a file is not a backup, and the other files are still checked", async () => {
    const r = await run("verify", notABackup, v2, "--key", "test", "--json");
    assert.equal(r.code, EXIT_UNREADABLE);
    const doc = JSON.parse(r.out) as { backups: { file: string; error?: { code: string; message: string }; opened_by?: number | null }[] };
    assert.equal(doc.backups.length, 2);
    assert.deepEqual(doc.backups[0]!.error, { code: "not_tar", message: "This is not a Home Assistant backup (not a tar archive)." });
    assert.equal(doc.backups[1]!.opened_by, 0);
  });

  it("1 without a key or without a file, with the usage on stderr", async () => {
    const noKey = await run("verify", v2);
    assert.equal(noKey.code, EXIT_USAGE);
    assert.match(noKey.err, /give at least one key/);
    assert.equal((await run("verify", "--key", "test")).code, EXIT_USAGE);
    assert.equal((await run("frobnicate")).code, EXIT_USAGE);
    assert.equal((await run()).code, EXIT_USAGE);
    assert.equal((await run("--help")).code, EXIT_OK);
  });
});

describe("what a script filtering on .damaged sees, and what the text claims", () => {
  const backupJson = (extra: Record<string, unknown>) =>
    Buffer.from(JSON.stringify({ slug: "0ddba11a", name: "Odd", date: "2026-11-27T03:00:00+00:00", protected: true, homeassistant: { version: "2026.11.0" }, folders: [], addons: [], ...extra }));

  it("--json: a truncated or unreadable file has damaged: true and a damage item with a stable code, besides its error", async () => {
    const cut = join(dir, "cut.tar");
    writeFileSync(cut, readFileSync(v2).subarray(0, 1700)); // inside the first inner archive
    const r = await run("verify", "--json", "--key", "test", cut, notABackup, missing, v2);
    assert.equal(r.code, EXIT_UNREADABLE);
    const doc = JSON.parse(r.out) as { backups: { error?: { code: string; message: string }; damaged: boolean; damage: { archive: string | null; code: string }[] }[] };
    assert.deepEqual(
      doc.backups.map((b) => [b.error?.code ?? null, b.damaged, b.damage]),
      [
        ["truncated", true, [{ archive: null, code: "truncated" }]],
        ["not_tar", true, [{ archive: null, code: "not_tar" }]],
        ["not_found", true, [{ archive: null, code: "not_found" }]],
        [null, false, []],
      ],
    );
    assert.match(doc.backups[0]!.error!.message, /ends too early/);
  });

  it("a protected backup whose archives are all gone is 'damaged', never 'not encrypted'", async () => {
    const gone = join(dir, "gone-archives.tar");
    writeFileSync(gone, tarOf([["./backup.json", backupJson({})]]));
    const r = await run("verify", "--key", "test", gone);
    assert.equal(r.code, EXIT_UNREADABLE);
    assert.match(r.out, /gone-archives\.tar: Odd \(0ddba11a, 2026-11-27T03:00:00\+00:00\) — damaged\n/);
    assert.ok(!r.out.includes("not encrypted"));
    assert.match(r.out, /homeassistant\.tar\.gz: backup\.json lists this archive, but the file does not contain it/);
  });

  it("an encrypted backup no archive of which could be key-checked is 'damaged', never 'no key opens it'", async () => {
    const head = Buffer.alloc(100); // a v3 archive cut inside its 136-byte header
    head.write("SecureTar", 0, "latin1");
    head[9] = 3;
    const file = join(dir, "cut-v3.tar");
    writeFileSync(
      file,
      tarOf([
        ["./backup.json", backupJson({})],
        ["homeassistant.tar.gz", head],
      ]),
    );
    const r = await run("verify", "--key", "test", file);
    assert.equal(r.code, EXIT_UNREADABLE);
    assert.match(r.out, /— damaged\n/);
    assert.ok(!r.out.includes("none of the given keys opens it"));
  });
});
