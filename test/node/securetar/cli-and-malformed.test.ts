// The CLI contract (exit codes 0/2/3, --json shape, keys from env/stdin, keys never printed) and
// malformed input: every bad file gives a clear error code, never a hang or a crash.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, afterEach, before, describe, it } from "node:test";
import { BackupFileError } from "../../../src/common/backup-file-errors.js";
import { checkBackupKeys, inspectBackup } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import type { BackupInfo } from "../../../src/data/backup.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { closeAfterTest, closeOpened, connectHA } from "../../support/ha-client.js";
import { buildBackup } from "../../../src/sim/backup-archive.js";
import { seededRng } from "../../../src/sim/random.js";
import { backupOf } from "./tar-builder.js";

afterEach(closeOpened);

const root = fileURLToPath(new URL("../../../", import.meta.url));
const fixtures = join(root, "..", "shared", "fixtures", "ha-real");
const fx = (name: string) => join(fixtures, name);
const tmp = mkdtempSync(join(tmpdir(), "bk-cli-"));

function cli(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const r = spawnSync(process.execPath, [join(root, "bin/backup-keyring.mjs"), ...args], {
    encoding: "utf8",
    env: { ...process.env, BACKUP_KEYRING_KEYS: "", ...opts.env },
    input: opts.input,
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  const r = spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});

const enc = readFileSync(fx("supervisor__backup_example_enc.tar"));
function variant(name: string, mutate: (b: Buffer) => Buffer): string {
  const path = join(tmp, name);
  writeFileSync(path, mutate(Buffer.from(enc)));
  return path;
}

const MALFORMED: [string, () => Uint8Array, string][] = [
  ["an empty file", () => new Uint8Array(0), "empty"],
  ["random bytes", () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251), "not_tar"],
  ["a tar cut in the middle of a member", () => enc.subarray(0, 1700), "truncated"],
  [
    "a header claiming a huge size",
    () => {
      const b = Buffer.from(enc);
      // ssl.tar.gz's ustar header is at 1024 in this fixture; claim 077777777777 bytes and fix the checksum.
      b.write("77777777777\0", 1024 + 124, "latin1");
      b.fill(0x20, 1024 + 148, 1024 + 156);
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += b[1024 + i]!;
      b.write(sum.toString(8).padStart(6, "0") + "\0 ", 1024 + 148, "latin1");
      return b;
    },
    "truncated",
  ],
  [
    "a damaged header checksum",
    () => {
      const b = Buffer.from(enc);
      b[1024 + 10] ^= 0xff;
      return b;
    },
    "corrupt_header",
  ],
];

describe("malformed files", () => {
  for (const [what, make, code] of MALFORMED) {
    it(`${what} → ${code}`, async () => {
      await assert.rejects(inspectBackup(bytesSource(make())), (e) => e instanceof BackupFileError && e.code === code);
    });
  }

  it("a corrupted v2 or v3 SecureTar header is reported as damaged, not opened", async () => {
    const v2 = Buffer.from(enc);
    v2[1536 + 12] = 7; // reserved bytes after the version must be zero
    const r = await checkBackupKeys(bytesSource(v2), ["test"]);
    assert.equal(r.damaged, true);
    assert.equal(r.openedBy, null);
    const v3 = Buffer.from(readFileSync(fx("supervisor__backup_example_sec_v3.tar")));
    v3[1536 + 70] ^= 0xff; // flip a byte of the stored validation key
    const r3 = await checkBackupKeys(bytesSource(v3), ["supervisor"]);
    assert.equal(r3.openedBy, null, "a tampered validation key never matches");
  });
});

describe("CLI", () => {
  it("verify exits 0 when a kit's key opens the backup, 3 when none does", () => {
    const kit = join(tmp, "kit.txt");
    writeFileSync(kit, "  TEST  \n");
    // A bare legacy password is not a kit: the CLI says so and exits 2.
    assert.equal(cli(["verify", "--kit", kit, fx("supervisor__backup_example_enc.tar")]).code, 2);
    assert.equal(cli(["verify", "--key", "test", fx("supervisor__backup_example_enc.tar")]).code, 0);
    const r = cli(["verify", "--key", "nope", fx("supervisor__backup_example_enc.tar")]);
    assert.equal(r.code, 3);
    assert.match(r.out, /none of the given keys opens it/);
  });

  it("--json has the documented shape and opened_by is the candidate's 0-based index", () => {
    const r = cli(["verify", "--json", "--key", "wrong", "--key", "supervisor", fx("supervisor__backup_example_sec_v3.tar"), fx("supervisor__backup_example.tar")]);
    assert.equal(r.code, 0);
    const json = JSON.parse(r.out) as { backups: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(json), ["backups"]);
    const [v3, plain] = json.backups;
    assert.deepEqual({ backup_id: v3!.backup_id, encrypted: v3!.encrypted, format: v3!.format, opened_by: v3!.opened_by }, { backup_id: "f92f0339", encrypted: true, format: "v3", opened_by: 1 });
    for (const k of ["file", "backup_id", "name", "date", "encrypted", "format", "opened_by", "members"]) assert.ok(k in v3!, k);
    assert.deepEqual({ encrypted: plain!.encrypted, format: plain!.format, opened_by: plain!.opened_by }, { encrypted: false, format: "none", opened_by: null });
  });

  it("exit 2 for unreadable files, while the other files are still checked", () => {
    const r = cli(["verify", "--json", "--key", "test", tmp, join(tmp, "missing.tar"), fx("supervisor__backup_example_enc.tar")]);
    assert.equal(r.code, 2);
    const json = JSON.parse(r.out) as { backups: { error?: { code: string }; opened_by?: number }[] };
    assert.deepEqual(
      json.backups.map((b) => b.error?.code ?? b.opened_by),
      ["not_a_file", "not_found", 0],
    );
    const trunc = variant("cut.tar", (b) => b.subarray(0, 1700));
    assert.equal(cli(["verify", "--key", "test", trunc]).code, 2);
  });

  it("keys from the environment and from stdin work, and no key is ever printed", () => {
    const env = cli(["verify", fx("supervisor__backup_example_enc.tar")], { env: { BACKUP_KEYRING_KEYS: "wrong,test" } });
    assert.equal(env.code, 0);
    const stdin = cli(["verify", "--keys-stdin", "--json", fx("supervisor__backup_example_sec_v3.tar")], { input: "nope\nsupervisor\n" });
    assert.equal(stdin.code, 0);
    assert.equal(JSON.parse(stdin.out).backups[0].opened_by, 1);
    // (The fixture's file name contains "supervisor", so the non-matching candidates are the probes.)
    for (const r of [env, stdin]) {
      for (const secret of ["nope", "wrong"]) assert.ok(!r.out.includes(secret) && !r.err.includes(secret), "no key in output");
    }
  });

  it("a legacy password shaped like a loosely typed generated key opens its backup from stdin, exactly as given", async () => {
    const legacy = "abcdefghijklmnopqrstuvwxyz12";
    const meta = { backupId: "1e9ac701", name: "Legacy", date: "2025-06-01T03:00:00+00:00", instanceId: "0".repeat(32), haVersion: "2025.6.0", withAutomaticSettings: false, folders: [] };
    const file = join(tmp, "legacy-stdin.tar");
    writeFileSync(file, (await buildBackup(meta, legacy, seededRng(5))).encrypted!);
    const r = cli(["verify", "--keys-stdin", file], { input: `${legacy}\n` });
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /opens with key #1 from standard input/);
    assert.ok(!r.out.includes(legacy) && !r.err.includes(legacy));
  });

  it("--deep: a v3 backup without its FINAL tag opens (exit 0) but fails the deep check (exit 2)", () => {
    const file = join(tmp, "no-final-tag-backup.tar");
    writeFileSync(file, backupOf([["core_no_final_tag.tar.gz", readFileSync(fx("securetar__backup_no_final_tag.tar")).subarray(1536, 1536 + 3147748)]], true));
    assert.equal(cli(["verify", "--key", "hunter2", file]).code, 0);
    const deep = cli(["verify", "--deep", "--json", "--key", "hunter2", file]);
    assert.equal(deep.code, 2);
    const b = JSON.parse(deep.out).backups[0];
    assert.deepEqual({ opened_by: b.opened_by, damaged: b.damaged, damage: b.damage }, { opened_by: 0, damaged: true, damage: [{ archive: "core_no_final_tag.tar.gz", code: "no_final_tag" }] });
    const human = cli(["verify", "--deep", "--key", "hunter2", file]);
    assert.match(human.out, /has no end mark/);
    assert.ok(!human.out.includes("hunter2") && !human.err.includes("hunter2"));
  });

  it("inspect needs no key and lists member formats; kit prints an HA-layout kit", () => {
    const r = cli(["inspect", fx("supervisor__test_consolidate.tar")]);
    assert.equal(r.code, 0);
    assert.match(r.out, /ssl\.tar\.gz: v2/);
    const kit = cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123"]);
    assert.equal(kit.code, 0);
    assert.match(kit.out, /^Home Assistant Backup Emergency Kit\n/);
    assert.match(kit.out, /\nEncryption key:\n([A-Z0-9]{4}-){6}[A-Z0-9]{4}\n/);
    assert.equal(cli(["frobnicate"]).code, 1);
  });
});

describe("round trips against the simulated HA's files (v2, v3, plaintext, mislabelled)", () => {
  let sim: SimHandle;
  before(async () => {
    sim = await startSimulatedHA({ port: 0, backups: 9, now: "2026-11-27T12:00:00Z" });
  });
  after(() => sim?.close());

  it("each downloaded copy opens with exactly the generation that made it", async () => {
    const keys = (await sim.control({ type: "demo_keys" })) as string[];
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const info = await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    conn.close();
    const seen = new Set<string>();
    for (const b of info.backups) {
      for (const [agentId, copy] of Object.entries(b.agents)) {
        const res = await fetch(`${sim.url}/api/backup/download/${b.backup_id}?agent_id=${agentId}`, { headers: { authorization: `Bearer ${sim.adminToken}` } });
        const report = await checkBackupKeys(bytesSource(new Uint8Array(await res.arrayBuffer())), keys);
        assert.equal(report.backupId, b.backup_id);
        assert.equal(report.protectedFlag, copy.protected);
        if (report.mislabelled) {
          seen.add("mislabelled");
          assert.equal(report.encrypted, false);
          continue;
        }
        assert.equal(report.encrypted, copy.protected);
        if (copy.protected) {
          assert.notEqual(report.openedBy, null, `${b.backup_id}/${agentId} opens with one of the demo keys`);
          seen.add(`${report.format}:gen${report.openedBy! + 1}`);
        } else seen.add("none");
      }
    }
    for (const expected of ["none", "mislabelled", "v2:gen1", "v3:gen3"]) assert.ok(seen.has(expected), `${expected} in ${[...seen]}`);
  });

  it("cron use: `verify --kit kit.txt` on downloaded files says by exit code whether they all still open", async () => {
    const keys = (await sim.control({ type: "demo_keys" })) as string[];
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const info = await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    conn.close();
    // Every protected, correctly labelled copy that the first generation opens.
    const files: string[] = [];
    for (const b of info.backups) {
      for (const agentId of Object.keys(b.agents)) {
        const res = await fetch(`${sim.url}/api/backup/download/${b.backup_id}?agent_id=${agentId}`, { headers: { authorization: `Bearer ${sim.adminToken}` } });
        const bytes = new Uint8Array(await res.arrayBuffer());
        const r = await checkBackupKeys(bytesSource(bytes), keys);
        if (r.encrypted && !r.mislabelled && r.openedBy === 0) {
          const path = join(tmp, `${b.backup_id}-${agentId.replace(/\W/g, "_")}.tar`);
          writeFileSync(path, bytes);
          files.push(path);
        }
      }
    }
    assert.ok(files.length > 0, "the simulated HA serves copies made with the first generation");
    const kitFor = (key: string, name: string) => {
      const kit = cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123", "--key", key]);
      assert.equal(kit.code, 0);
      assert.ok(!kit.err.includes(key));
      const path = join(tmp, name);
      writeFileSync(path, kit.out);
      return path;
    };
    const right = cli(["verify", "--kit", kitFor(keys[0]!, "gen1.txt"), ...files]);
    assert.equal(right.code, 0, right.out + right.err);
    const other = keys.find((k) => k !== keys[0])!;
    const wrong = cli(["verify", "--kit", kitFor(other, "other.txt"), ...files]);
    assert.equal(wrong.code, 3);
    for (const r of [right, wrong]) for (const k of keys) assert.ok(!r.out.includes(k) && !r.err.includes(k), "no key in output");
  });
});
