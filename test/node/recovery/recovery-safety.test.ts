// Offline recovery in the CLI, the cases that must never go wrong: keys tried exactly as given
// (a legacy password shaped like a generated key), no key ever echoed, no "successful" output
// that HA cannot restore (damaged v1/v2 archives, a tar that is not a backup), v1's ambiguous
// ending read the way HA wrote it, the output never the input, an empty new key refused, kit
// files read size-guarded, Docker registry passwords in backup.json as Supervisor reads them,
// extracted files with their modes and never outside -C DIR.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createDecipheriv, createHash, randomBytes } from "node:crypto";
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateRawSync, gunzipSync, gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { checkBackupKeys } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { main } from "../../../src/cli/main.js";
import { decryptMember, encryptV2 } from "../../../src/sim/securetar-writer.js";
import { writeTar } from "../../../src/sim/tar-writer.js";
import { walkTar } from "../../../src/tar/reader.js";
import { encryptV1Legacy, generateBackup } from "../../support/recovery-backups.js";

const fixtures = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
let dir: string;

async function cli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const saved = { ...process.env };
  delete process.env.BACKUP_KEYRING_KEYS;
  Object.assign(process.env, env);
  const stdinDescriptor = Object.getOwnPropertyDescriptor(process, "stdin");
  if (stdin !== undefined) {
    const { Readable } = await import("node:stream");
    Object.defineProperty(process, "stdin", { value: Readable.from([Buffer.from(stdin)]), configurable: true });
  }
  try {
    const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
    return { code, out, err };
  } finally {
    process.env = saved;
    if (stdinDescriptor) Object.defineProperty(process, "stdin", stdinDescriptor);
  }
}

async function members(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const src = bytesSource(bytes);
  const out = new Map<string, Uint8Array>();
  for await (const e of walkTar(src)) out.set(e.name, (await src.read(e.dataOffset, e.size)).slice());
  return out;
}

function save(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const noLeftovers = () =>
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith(".partial")),
    [],
  );
const backupJsonOf = async (tar: Uint8Array) => JSON.parse(Buffer.from((await members(tar)).get("./backup.json")!).toString("utf8")) as Record<string, unknown>;

async function memberOffset(bytes: Uint8Array, name: string): Promise<{ offset: number; size: number }> {
  for await (const e of walkTar(bytesSource(bytes))) if (e.name === name) return { offset: e.dataOffset, size: e.size };
  throw new Error(`no ${name}`);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "bk-recovery-safety-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("keys exactly as given, then tidied (the rule verify follows)", () => {
  for (const password of ["abcdefghijklmnopqrstuvwxyz12", "abcd efgh ijkl mnop qrst uvwx yz12"]) {
    it(`a v2 backup under the legacy password "${password.slice(0, 4)}…" opens by --key, env, stdin and extract`, async () => {
      const backup = await generateBackup({ "homeassistant.tar.gz": "v2" }, password, { bigBytes: 1000 });
      const path = save(`legacy-${password.length}.tar`, backup.tar);
      assert.equal((await cli(["verify", path, "--key", password])).code, 0, "verify agrees");
      const out = join(dir, `legacy-${password.length}.out.tar`);
      const r = await cli(["decrypt", path, "--key", password, "-o", out]);
      assert.equal(r.code, 0, r.err);
      assert.equal(sha((await members(readFileSync(out))).get("homeassistant.tar.gz")!), sha(backup.plain.get("homeassistant.tar.gz")!));
      rmSync(out);
      assert.equal((await cli(["decrypt", path, "--key-env", "MY_KEYS", "-o", out], { MY_KEYS: password })).code, 0, "environment");
      rmSync(out);
      assert.equal((await cli(["decrypt", path, "--keys-stdin", "-o", out], {}, `${password}\n`)).code, 0, "stdin");
      rmSync(out);
      const list = await cli(["extract", path, "--list", "--key", password]);
      assert.equal(list.code, 0, list.err);
      assert.match(list.out, /homeassistant\/data\/secrets\.yaml/);
      const rekeyed = join(dir, `legacy-${password.length}.rekeyed.tar`);
      assert.equal((await cli(["rekey", path, "--key", password, "--new-key", "fresh-key", "-o", rekeyed])).code, 0);
    });
  }

  it("a generated key typed loosely still opens (tidied as a second try)", async () => {
    const key = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12";
    const path = save("generated.tar", (await generateBackup({ "homeassistant.tar.gz": "v2" }, key, { bigBytes: 1000 })).tar);
    const out = join(dir, "generated.out.tar");
    const r = await cli(["decrypt", path, "--key", "abcd efgh ijkl mnop qrst uvwx yz12", "-o", out]);
    assert.equal(r.code, 0, r.err);
  });

  it("a kit holding a legacy password shaped like a key opens its backup", async () => {
    const password = "abcdefghijklmnopqrstuvwxyz12";
    const path = save("legacy-kit.tar", (await generateBackup({ "homeassistant.tar.gz": "v2" }, password, { bigBytes: 1000 })).tar);
    const kit = save("legacy-kit.txt", Buffer.from(`${password}\n`));
    const out = join(dir, "legacy-kit.out.tar");
    const r = await cli(["decrypt", path, "--kit", kit, "-o", out]);
    assert.equal(r.code, 0, r.err);
  });
});

describe("no key is ever echoed", () => {
  const printed = (r: { out: string; err: string }) => r.out + r.err;
  it("a key typed where the backup goes, a kit path that is a key, an option that is a key", async () => {
    const v2 = save("echo.tar", (await generateBackup({ "homeassistant.tar.gz": "v2" }, "test", { bigBytes: 1000 })).tar);
    const cases: [string[], string][] = [
      [["decrypt", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12", "--key", "test", "-o", join(dir, "o1.tar")], "ABCD-EFGH"],
      [["decrypt", v2, "--kit", "Sup3rSecretPassw0rd", "-o", join(dir, "o2.tar")], "Sup3rSecret"],
      [["rekey", v2, "--key", "test", "--new-kit", "Sup3rSecretPassw0rd", "-o", join(dir, "o3.tar")], "Sup3rSecret"],
      [["decrypt", v2, "-Sup3rSecretPw", "-o", join(dir, "o4.tar")], "Sup3rSecret"],
      [["decrypt", v2, "--key=Sup3rSecretPw", "-o", join(dir, "o5.tar")], "Sup3rSecret"],
      [["extract", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12", "--list", "--key", "test"], "ABCD-EFGH"],
    ];
    for (const [args, secret] of cases) {
      const r = await cli(args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.ok(!printed(r).includes(secret), `${args.join(" ")} printed ${JSON.stringify(printed(r))}`);
      assert.ok(!printed(r).toLowerCase().includes(secret.toLowerCase()));
    }
    // The hidden argument is named by its position instead.
    assert.match(printed(await cli(cases[0]![0])), /argument 2 \(not shown: it could be a key\): There is no such file\./);
    assert.match(printed(await cli(cases[1]![0])), /argument 4 \(not shown: it could be a key\)/);
    assert.match(printed(await cli(cases[3]![0])), /unknown option \(argument 3, not shown\)/);
  });
});

describe("never a 'successful' output HA cannot restore", () => {
  it("a byte flipped in the middle of a v2 archive: decrypt and rekey exit 2 and leave no file", async () => {
    const backup = await generateBackup({ "homeassistant.tar.gz": "v2" }, "pw", { bigBytes: 300_000 });
    const bytes = Buffer.from(backup.tar);
    const m = await memberOffset(bytes, "homeassistant.tar.gz");
    bytes[m.offset + Math.floor(m.size / 2)] ^= 0x40;
    const path = save("v2-flipped.tar", bytes);
    for (const args of [
      ["decrypt", path, "--key", "pw", "-o", join(dir, "v2-flipped.out.tar")],
      ["rekey", path, "--key", "pw", "--new-key", "x", "-o", join(dir, "v2-flipped.out.tar")],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /The backup is damaged and was not written\.\n {2}homeassistant\.tar\.gz: An archive's compressed data is broken or fails its checksum/);
      assert.ok(!existsSync(join(dir, "v2-flipped.out.tar")));
    }
    noLeftovers();
  });

  it("a byte flipped in a v1 archive: decrypt exits 2, verify --deep says damaged", async () => {
    const backup = await generateBackup({ "homeassistant.tar.gz": "v1" }, "pw", { bigBytes: 60_000 });
    const bytes = Buffer.from(backup.tar);
    const m = await memberOffset(bytes, "homeassistant.tar.gz");
    bytes[m.offset + 16 + Math.floor((m.size - 16) / 32) * 16 + 3] ^= 0x08;
    const path = save("v1-flipped.tar", bytes);
    const r = await cli(["decrypt", path, "--key", "pw", "-o", join(dir, "v1-flipped.out.tar")]);
    assert.equal(r.code, 2, r.err);
    assert.ok(!existsSync(join(dir, "v1-flipped.out.tar")));
    const deep = await cli(["verify", path, "--key", "pw", "--deep"]);
    assert.equal(deep.code, 2, deep.out);
    assert.match(deep.out, /homeassistant\.tar\.gz: An inner archive is not a valid gzip or tar archive\./);
    assert.equal((await cli(["verify", path, "--key", "pw"])).code, 0, "only the deep check reads that far");
    noLeftovers();
  });

  it("a tar with no backup.json is no backup: decrypt exits 2 as verify does", async () => {
    const gz = gzipSync(writeTar([{ name: "./a.txt", data: Buffer.from("a"), mtime: 1 }]));
    const path = save("bare.tar", writeTar([{ name: "homeassistant.tar.gz", data: encryptV2(gz, "pw", randomBytes(16)), mtime: 1 }]));
    assert.equal((await cli(["verify", path, "--key", "pw"])).code, 2);
    const r = await cli(["decrypt", path, "--key", "pw", "-o", join(dir, "bare.out.tar")]);
    assert.equal(r.code, 2);
    assert.match(r.err, /The file has no backup\.json/);
    assert.ok(!existsSync(join(dir, "bare.out.tar")));
    // The real v1 fixture (three bare v1 archives, no backup.json) likewise.
    const v1 = await cli(["decrypt", join(fixtures, "securetar__backup_encrypted_gzipped_legacy_format.tar"), "--key", "x", "-o", join(dir, "v1-fixture.tar")]);
    assert.equal(v1.code, 2);
    assert.ok(!existsSync(join(dir, "v1-fixture.tar")));
  });

  it("an archive backup.json promises but the file lacks: exit 2, named", async () => {
    const backup = await generateBackup({ "homeassistant.tar.gz": "v2", "share.tar.gz": "v2" }, "pw", { bigBytes: 1000 });
    const m = await members(backup.tar);
    const path = save(
      "missing.tar",
      writeTar([
        { name: "./backup.json", data: m.get("./backup.json")!, mtime: 1 },
        { name: "homeassistant.tar.gz", data: m.get("homeassistant.tar.gz")!, mtime: 1 },
      ]),
    );
    const r = await cli(["decrypt", path, "--key", "pw", "-o", join(dir, "missing.out.tar")]);
    assert.equal(r.code, 2);
    assert.match(r.err, /share\.tar\.gz: backup\.json lists this archive, but the file does not contain it\./);
  });
});

/** A gzip (a real tar inside) whose last write to securetar ≤ 2024.11 was a multiple of 16 ending in 0x01. */
function ambiguousGzip(): Uint8Array {
  for (let n = 0; ; n++) {
    const tar = writeTar([{ name: "./data/notes.txt", data: Buffer.from(`note ${n} `.repeat(40 + n)), mtime: 1_700_000_000 }]);
    const deflated = deflateRawSync(tar);
    if (deflated[deflated.length - 1] !== 0x01) continue;
    // Header with a file name whose length puts the remainder write (header + deflate data) on a multiple of 16.
    const nameLength = (16 - ((10 + 1 + deflated.length) % 16)) % 16 || 16;
    const header = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0, 0xff]), Buffer.alloc(nameLength, 0x61), Buffer.from([0])]);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(tar), 0);
    trailer.writeUInt32LE(tar.length, 4);
    const gz = Buffer.concat([header, deflated, trailer]);
    assert.equal((gz.length - 8) % 16, 0);
    assert.ok(gz.length < 10240);
    assert.ok(gunzipSync(gz).equals(Buffer.from(tar)));
    return gz;
  }
}

describe("v1: an ending with two readings is read the way HA wrote it", () => {
  it("decrypt gives the gzip back byte for byte and verify --deep calls it intact", async () => {
    const gz = ambiguousGzip();
    const json = {
      slug: "a1b2c3d4",
      version: 2,
      name: "Old",
      date: "2024-06-01T00:00:00+00:00",
      type: "partial",
      protected: true,
      compressed: true,
      homeassistant: { version: "2024.6.0" },
      folders: [],
      addons: [],
    };
    const path = save(
      "v1-ambiguous.tar",
      writeTar([
        { name: "./backup.json", data: Buffer.from(JSON.stringify(json)), mtime: 1 },
        { name: "homeassistant.tar.gz", data: encryptV1Legacy(gz, "pw"), mtime: 1 },
      ]),
    );
    const deep = await cli(["verify", path, "--key", "pw", "--deep"]);
    assert.equal(deep.code, 0, deep.out);
    const out = join(dir, "v1-ambiguous.out.tar");
    const r = await cli(["decrypt", path, "--key", "pw", "-o", out]);
    assert.equal(r.code, 0, r.err);
    const got = (await members(readFileSync(out))).get("homeassistant.tar.gz")!;
    assert.equal(got.length, gz.length);
    assert.ok(Buffer.from(got).equals(gz));
    gunzipSync(got);
    const list = await cli(["extract", path, "--list", "--key", "pw"]);
    assert.match(list.out, /^homeassistant\/data\/notes\.txt {2}\d+$/m);
  });
});

describe("the output file", () => {
  it("is never the input: same path, hard link or symlink, even with --force", async () => {
    const backup = await generateBackup({ "homeassistant.tar.gz": "v2" }, "pw", { bigBytes: 1000 });
    const path = save("self.tar", backup.tar);
    const hard = join(dir, "self-hard.tar");
    linkSync(path, hard);
    const soft = join(dir, "self-soft.tar");
    symlinkSync(path, soft);
    for (const output of [path, join(dir, ".", "self.tar"), hard, soft]) {
      for (const command of [
        ["rekey", path, "--key", "pw", "--new-key", "other", "-o", output, "--force"],
        ["decrypt", path, "--key", "pw", "-o", output, "--force"],
      ]) {
        const r = await cli(command);
        assert.equal(r.code, 1, `${command[0]} -o ${output}`);
        assert.match(r.err, /The output is the backup file itself/);
        assert.equal(sha(readFileSync(path)), sha(backup.tar));
      }
    }
    assert.ok(lstatSync(soft).isSymbolicLink());
    noLeftovers();
  });

  it("an empty new key is refused: nobody could open the copy", async () => {
    const path = save("empty-key.tar", (await generateBackup({ "homeassistant.tar.gz": "v2" }, "pw", { bigBytes: 1000 })).tar);
    const out = join(dir, "empty-key.out.tar");
    const r = await cli(["rekey", path, "--key", "pw", "--new-key", "", "-o", out]);
    assert.equal(r.code, 1);
    assert.match(r.err, /The new key is empty/);
    assert.ok(!existsSync(out));
  });

  it("--kit with a huge file is refused by its size, not read into memory", async () => {
    const path = save("kit-size.tar", (await generateBackup({ "homeassistant.tar.gz": "v2" }, "pw", { bigBytes: 1000 })).tar);
    const huge = join(dir, "huge-kit.txt");
    writeFileSync(huge, "");
    truncateSync(huge, 200 * 1024 * 1024);
    // A separate process, so its peak memory is the command's own (reading the file would take > 400 MB).
    const script = join(dir, "peak-rss.mjs");
    writeFileSync(
      script,
      `const { main } = await import(process.argv[2]);
let err = "";
const code = await main(process.argv.slice(3), { out: () => {}, err: (s) => (err += s) });
process.stdout.write(JSON.stringify({ code, err, rssMb: process.resourceUsage().maxRSS / 1024 }));`,
    );
    const mainPath = fileURLToPath(new URL("../../../src/cli/main.ts", import.meta.url));
    for (const args of [
      ["decrypt", path, "--kit", huge, "-o", join(dir, "kit-size.out.tar")],
      ["rekey", path, "--key", "pw", "--new-kit", huge, "-o", join(dir, "kit-size.out.tar")],
    ]) {
      const child = spawnSync(process.execPath, ["--import", "tsx", script, mainPath, ...args], { encoding: "utf8", cwd: fileURLToPath(new URL("../../../", import.meta.url)) });
      const r = JSON.parse(child.stdout) as { code: number; err: string; rssMb: number };
      assert.equal(r.code, 2);
      assert.match(r.err, /huge-kit\.txt: This file is too large to be an emergency kit/);
      assert.ok(r.rssMb < 200, `peak RSS ${r.rssMb} MB`);
    }
  });
});

describe("Docker registry passwords and crypto in backup.json (Supervisor's rules)", () => {
  const consolidate = join(fixtures, "supervisor__test_consolidate.tar");
  const stored = "/aDMOAXyCd5fG1ZR2j4nHA==";
  /** Supervisor's _decrypt_data: AES-128-CBC, key = SHA-256×100(password)[:16], IV = SHA-256×100(key)[:16]. */
  const supervisorDecrypt = (value: string, password: string) => {
    let key = Buffer.from(password);
    for (let i = 0; i < 100; i++) key = createHash("sha256").update(key).digest();
    key = key.subarray(0, 16);
    let iv = key;
    for (let i = 0; i < 100; i++) iv = createHash("sha256").update(iv).digest();
    const d = createDecipheriv("aes-128-cbc", key, iv.subarray(0, 16));
    return Buffer.concat([d.update(Buffer.from(value, "base64")), d.final()]).toString();
  };
  const registry = (json: Record<string, unknown>) => (json.docker as { registries: Record<string, { username: string; password: string }> }).registries["hub.docker.com"]!;

  it("the fixture's stored password is 'gaga' under key 'test' (the reading used below)", () => {
    assert.equal(supervisorDecrypt(stored, "test"), "gaga");
  });

  it("decrypt writes it in the clear, as in an unprotected backup", async () => {
    const out = join(dir, "consolidate.plain.tar");
    const r = await cli(["decrypt", consolidate, "--key", "test", "-o", out]);
    assert.equal(r.code, 0, r.err);
    const json = await backupJsonOf(readFileSync(out));
    assert.deepEqual(registry(json), { username: "test", password: "gaga" });
    assert.equal(json.protected, false);
    assert.equal(json.crypto, null);
    // Re-keying the decrypted copy encrypts the clear password again.
    const again = join(dir, "consolidate.again.tar");
    assert.equal((await cli(["rekey", out, "--new-key", "third", "-o", again])).code, 0);
    assert.equal(supervisorDecrypt(registry(await backupJsonOf(readFileSync(again))).password, "third"), "gaga");
  });

  it("rekey (v2) re-encrypts it under the new key and keeps crypto aes128", async () => {
    const out = join(dir, "consolidate.rekeyed.tar");
    const r = await cli(["rekey", consolidate, "--key", "test", "--new-key", "new-key", "-o", out]);
    assert.equal(r.code, 0, r.err);
    const json = await backupJsonOf(readFileSync(out));
    assert.notEqual(registry(json).password, stored);
    assert.equal(supervisorDecrypt(registry(json).password, "new-key"), "gaga");
    assert.equal(json.crypto, "aes128");
    assert.equal(json.protected, true);
  });

  it("rekey --format v3 writes backup.json as Supervisor does for v3: protected, no crypto", async () => {
    const out = join(dir, "consolidate.v3.tar");
    const r = await cli(["rekey", consolidate, "--key", "test", "--new-key", "new-key", "--format", "v3", "-o", out]);
    assert.equal(r.code, 0, r.err);
    const json = await backupJsonOf(readFileSync(out));
    assert.ok(!("crypto" in json));
    assert.equal(json.protected, true);
    assert.equal(supervisorDecrypt(registry(json).password, "new-key"), "gaga");
    const report = await checkBackupKeys(bytesSource(readFileSync(out)), ["test", "new-key"]);
    assert.equal(report.format, "v3");
    assert.equal(report.openedBy, 1);
  });
});

describe("rekey of real fixtures", () => {
  for (const [file, password, member] of [
    ["supervisor__backup_example_enc.tar", "test", "ssl.tar.gz"],
    ["supervisor__backup_example_sec_v3.tar", "supervisor", "a0d7b954_example.tar.gz"],
  ] as const) {
    it(`${file}: opens with the new key only, same inner archive`, async () => {
      const out = join(dir, `${file}.rekeyed.tar`);
      const r = await cli(["rekey", join(fixtures, file), "--key", password, "--new-key", "brand-new", "-o", out]);
      assert.equal(r.code, 0, r.err);
      const rekeyed = readFileSync(out);
      const report = await checkBackupKeys(bytesSource(rekeyed), [password, "brand-new"]);
      assert.equal(report.openedBy, 1);
      assert.ok(report.members.every((m) => m.openedBy === 1));
      assert.equal(report.damaged, false);
      const original = await decryptMember((await members(readFileSync(join(fixtures, file)))).get(member)!, password);
      const copy = await decryptMember((await members(rekeyed)).get(member)!, "brand-new");
      assert.equal(sha(copy), sha(original));
      await assert.rejects(decryptMember((await members(rekeyed)).get(member)!, password));
    });
  }
});

describe("extract: modes as tar applies them, never outside -C DIR", () => {
  let path: string;
  before(async () => {
    const mtime = 1_700_000_000;
    const inner = gzipSync(
      writeTar([
        { name: "./", data: new Uint8Array(0), mtime, type: "dir", mode: 0o755 },
        { name: "./run.sh", data: Buffer.from("#!/bin/sh\n"), mtime, mode: 0o755 },
        { name: "./setuid.bin", data: Buffer.from("x"), mtime, mode: 0o4777 },
        { name: "./private.txt", data: Buffer.from("p"), mtime, mode: 0o600 },
        { name: "../evil.txt", data: Buffer.from("evil"), mtime, mode: 0o644 },
        { name: "/abs.txt", data: Buffer.from("abs"), mtime, mode: 0o644 },
        { name: "./sub/inner.txt", data: Buffer.from("inner"), mtime, mode: 0o644 },
      ]),
    );
    const json = { slug: "e1e2e3e4", version: 2, name: "Modes", date: "2026-01-01T00:00:00+00:00", type: "partial", protected: true, compressed: true, folders: ["share"], addons: [] };
    path = save(
      "modes.tar",
      writeTar([
        { name: "./backup.json", data: Buffer.from(JSON.stringify(json)), mtime },
        { name: "share.tar.gz", data: encryptV2(inner, "pw", randomBytes(16)), mtime },
      ]),
    );
  });

  it("keeps the archive's permission bits less the umask, without setuid", async () => {
    const target = join(dir, "modes-out");
    const r = await cli(["extract", path, "share/run.sh", "share/setuid.bin", "share/private.txt", "--key", "pw", "-C", target]);
    assert.equal(r.code, 0, r.err);
    const mask = process.umask();
    assert.equal(statSync(join(target, "share/run.sh")).mode & 0o7777, 0o755 & ~mask);
    assert.equal(statSync(join(target, "share/setuid.bin")).mode & 0o7777, 0o777 & ~mask);
    assert.equal(statSync(join(target, "share/private.txt")).mode & 0o7777, 0o600 & ~mask);
    // Again: the existing files are kept and named (exit 1); --force replaces them.
    writeFileSync(join(target, "share/run.sh"), "mine");
    const again = await cli(["extract", path, "share/run.sh", "--key", "pw", "-C", target]);
    assert.equal(again.code, 1);
    assert.match(again.err, /share\/run\.sh: The output file already exists; it was kept/);
    assert.equal(readFileSync(join(target, "share/run.sh"), "utf8"), "mine");
    assert.equal((await cli(["extract", path, "share/run.sh", "--key", "pw", "-C", target, "--force"])).code, 0);
    assert.equal(readFileSync(join(target, "share/run.sh"), "utf8"), "#!/bin/sh\n");
  });

  it("refuses ../ and absolute names, and a symlink on disk pointing out of DIR", async () => {
    const target = join(dir, "traversal-out");
    const outside = join(dir, "outside");
    mkdirSync(join(target), { recursive: true });
    mkdirSync(outside);
    symlinkSync(outside, join(target, "share"));
    const r = await cli(["extract", path, "evil.txt", "abs.txt", "share/sub/inner.txt", "--key", "pw", "-C", target]);
    assert.equal(r.code, 1);
    assert.deepEqual(readdirSync(outside), [], "nothing written through the symlink");
    assert.ok(!existsSync(join(dir, "evil.txt")));
    assert.ok(!existsSync("/abs.txt") || readFileSync("/abs.txt", "utf8") !== "abs");
    assert.match(r.err, /share\/sub\/inner\.txt: This path would be written outside the target folder/);
  });
});
