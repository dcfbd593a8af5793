// Offline recovery through the CLI (in-process `main`): decrypt, rekey and extract against the real
// fixtures and generated v1/v2/v3/mixed backups. What a user would notice: the inner archives come
// out byte-identical to what HA encrypted, the output opens (or not) with the right key, and a
// failure never leaves a file behind or replaces an existing one.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { rmSync } from "node:fs";
import { checkBackupKeys, inspectBackup } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { main } from "../../../src/cli/main.js";
import { decryptMember } from "../../../src/sim/securetar-writer.js";
import { walkTar } from "../../../src/tar/reader.js";
import { generateBackup, type GeneratedBackup, type MemberFormat } from "../../support/recovery-backups.js";

const fixtures = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
let dir: string;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const saved = process.env.BACKUP_KEYRING_KEYS;
  delete process.env.BACKUP_KEYRING_KEYS;
  try {
    const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
    return { code, out, err };
  } finally {
    if (saved !== undefined) process.env.BACKUP_KEYRING_KEYS = saved;
  }
}

/** Outer members of a tar file: name → bytes. */
async function members(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const src = bytesSource(bytes);
  const out = new Map<string, Uint8Array>();
  for await (const e of walkTar(src)) out.set(e.name, (await src.read(e.dataOffset, e.size)).slice());
  return out;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const noLeftovers = () =>
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith(".partial")),
    [],
  );

function save(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "bk-recovery-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("decrypt: real HA fixtures", () => {
  for (const [file, password, member] of [
    ["supervisor__test_consolidate.tar", "test", "ssl.tar.gz"],
    ["supervisor__backup_example_enc.tar", "test", "ssl.tar.gz"],
    ["supervisor__backup_example_sec_v3.tar", "supervisor", "a0d7b954_example.tar.gz"],
  ] as const) {
    it(`${file} → an unencrypted backup HA can restore`, async () => {
      const input = readFileSync(join(fixtures, file));
      const out = join(dir, `${file}.plain.tar`);
      const r = await cli("decrypt", join(fixtures, file), "--key", password, "-o", out);
      assert.equal(r.code, 0, r.err);
      const printed = (r.out + r.err).replaceAll(join(fixtures, file), "").replaceAll(out, "");
      assert.ok(!printed.includes(password), "the key is never printed");
      const got = await members(readFileSync(out));
      const json = JSON.parse(Buffer.from(got.get("./backup.json")!).toString("utf8"));
      assert.equal(json.protected, false);
      const original = JSON.parse(Buffer.from((await members(input)).get("./backup.json")!).toString("utf8"));
      if ("crypto" in original) assert.equal(json.crypto, null);
      else assert.ok(!("crypto" in json));
      assert.equal(json.slug, original.slug);
      // The inner archive equals what the independent (libsodium / OpenSSL) decryptor gives, and gunzips.
      const expected = await decryptMember((await members(input)).get(member)!, password);
      assert.equal(sha(got.get(member)!), sha(expected));
      assert.ok(gunzipSync(got.get(member)!).length > 0);
      // And the result reads as a plain backup.
      const report = await inspectBackup(bytesSource(readFileSync(out)));
      assert.equal(report.encrypted, false);
      assert.equal(report.mislabelled, false);
      noLeftovers();
    });
  }

  it("a damaged real v3 stream (no FINAL tag) → exit 2 and no file", async () => {
    const out = join(dir, "no-final.tar");
    const r = await cli("decrypt", join(fixtures, "securetar__backup_no_final_tag.tar"), "--key", "hunter2", "-o", out);
    assert.equal(r.code, 2);
    assert.ok(!existsSync(out));
    noLeftovers();
  });
});

describe("decrypt / rekey: generated v1, v2, v3 and mixed backups", () => {
  const cases: [string, Record<string, MemberFormat>][] = [
    ["v1", { "homeassistant.tar.gz": "v1", "share.tar.gz": "v1" }],
    ["v2", { "homeassistant.tar.gz": "v2", "share.tar.gz": "v2" }],
    ["v3", { "homeassistant.tar.gz": "v3", "share.tar.gz": "v3" }],
    ["mixed", { "homeassistant.tar.gz": "v2", "share.tar.gz": "plain" }],
  ];
  const built = new Map<string, { backup: GeneratedBackup; path: string }>();
  before(async () => {
    for (const [label, formats] of cases) {
      const backup = await generateBackup(formats, "old-password", { crypto: label === "v2" });
      built.set(label, { backup, path: save(`${label}.tar`, backup.tar) });
    }
  });

  for (const [label] of cases) {
    it(`${label}: decrypt gives back every inner archive byte for byte, gzip intact`, async () => {
      const { backup, path } = built.get(label)!;
      const out = join(dir, `${label}.decrypted.tar`);
      const r = await cli("decrypt", path, "--key", "not-it", "--key", "old-password", "-o", out);
      assert.equal(r.code, 0, r.err);
      const got = await members(readFileSync(out));
      for (const [name, plain] of backup.plain) {
        assert.equal(sha(got.get(name)!), sha(plain), name);
        gunzipSync(got.get(name)!); // throws on a bad CRC (v1's per-write padding removed)
      }
      const json = JSON.parse(Buffer.from(got.get("./backup.json")!).toString("utf8"));
      assert.equal(json.protected, false);
      if (label === "v2") assert.equal(json.crypto, null);
    });

    it(`${label}: rekey opens with the new key only, same content, input untouched`, async () => {
      const { backup, path } = built.get(label)!;
      const before = sha(readFileSync(path));
      const out = join(dir, `${label}.rekeyed.tar`);
      const r = await cli("rekey", path, "--key", "old-password", "--new-key", "new-password", "-o", out);
      assert.equal(r.code, 0, r.err);
      assert.equal(sha(readFileSync(path)), before);
      const rekeyed = readFileSync(out);
      const report = await checkBackupKeys(bytesSource(rekeyed), ["old-password", "new-password"]);
      assert.equal(report.openedBy, 1);
      assert.equal(report.format, label === "v3" ? "v3" : "v2"); // v1 becomes v2; plain members get encrypted too
      assert.equal(report.damaged, false);
      const got = await members(rekeyed);
      assert.equal(JSON.parse(Buffer.from(got.get("./backup.json")!).toString("utf8")).protected, true);
      // The independent decryptor (node:crypto / libsodium) reads what we wrote.
      for (const [name, plain] of backup.plain) assert.equal(sha(await decryptMember(got.get(name)!, "new-password")), sha(plain), name);
    });
  }

  it("rekey --new-key: a generated key typed in its groups is written in HA's format; 28 characters run together are a password kept exactly", async () => {
    const { path } = built.get("v2")!;
    const generated = "Q7RT-M2KX-9PLA-W4ZC-8NEB-V3HJ-6YDF";
    const legacy = "abcdefghijklmnopqrstuvwxyz12"; // a legacy password shaped like a loosely typed key
    for (const [typed, opensWith, notWith] of [
      [generated.toLowerCase().replace(/-/g, " "), generated, null],
      [legacy, legacy, "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12"],
    ] as const) {
      const out = join(dir, `v2-new-key-${typed.length}-${typed[4] === " " ? "groups" : "run"}.tar`);
      const r = await cli("rekey", path, "--key", "old-password", "--new-key", typed, "-o", out);
      assert.equal(r.code, 0, r.err);
      const report = await checkBackupKeys(bytesSource(readFileSync(out)), notWith ? [notWith, opensWith] : [opensWith]);
      assert.equal(report.openedBy, notWith ? 1 : 0, `${typed} must encrypt with ${opensWith}`);
    }
  });

  it("rekey --format v3 turns a v2 backup into v3 with the same content", async () => {
    const { backup, path } = built.get("v2")!;
    const out = join(dir, "v2-to-v3.tar");
    const r = await cli("rekey", path, "--key", "old-password", "--new-key", "new-password", "--format", "v3", "-o", out);
    assert.equal(r.code, 0, r.err);
    const got = await members(readFileSync(out));
    const report = await checkBackupKeys(bytesSource(readFileSync(out)), ["new-password"]);
    assert.equal(report.format, "v3");
    assert.equal(report.openedBy, 0);
    for (const [name, plain] of backup.plain) assert.equal(sha(await decryptMember(got.get(name)!, "new-password")), sha(plain));
  });

  it("wrong key → exit 3 and no file", async () => {
    for (const label of ["v1", "v2", "v3"]) {
      const out = join(dir, `${label}.wrong.tar`);
      const r = await cli("decrypt", built.get(label)!.path, "--key", "wrong", "-o", out);
      assert.equal(r.code, 3, label);
      assert.ok(!existsSync(out));
    }
    noLeftovers();
  });

  it("a damaged v3 chunk in the middle → exit 2, no file, nothing left behind", async () => {
    const bytes = Buffer.from(built.get("v3")!.backup.tar);
    const src = bytesSource(bytes);
    let offset = 0;
    for await (const e of walkTar(src)) if (e.name === "share.tar.gz") offset = e.dataOffset;
    bytes[offset + 136 + 1024 * 1024 + 17 + 100] ^= 0x01; // inside the second chunk
    const path = save("v3-damaged.tar", bytes);
    const out = join(dir, "v3-damaged.out.tar");
    const r = await cli("decrypt", path, "--key", "old-password", "-o", out);
    assert.equal(r.code, 2);
    assert.ok(!existsSync(out));
    noLeftovers();
    // extract stops with the same verdict instead of waiting for the rest of the stream
    const target = join(dir, "from-damaged");
    const x = await cli("extract", path, "share/big.bin", "--key", "old-password", "-C", target);
    assert.equal(x.code, 2);
    assert.ok(!existsSync(join(target, "share/big.bin")));
  });

  it("an existing output file is kept without --force and replaced with it", async () => {
    const out = save("existing.tar", Buffer.from("keep me"));
    const r = await cli("decrypt", built.get("v2")!.path, "--key", "old-password", "-o", out);
    assert.equal(r.code, 1);
    assert.equal(readFileSync(out, "utf8"), "keep me");
    const forced = await cli("decrypt", built.get("v2")!.path, "--key", "old-password", "-o", out, "--force");
    assert.equal(forced.code, 0, forced.err);
    assert.equal((await inspectBackup(bytesSource(readFileSync(out)))).encrypted, false);
    noLeftovers();
  });

  it("extract pulls single files out; --list shows the paths", async () => {
    const { backup, path } = built.get("v3")!;
    const list = await cli("extract", path, "--list", "--key", "old-password");
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^homeassistant\/data\/configuration\.yaml {2}\d+$/m);
    assert.match(list.out, /^share\/secrets\.yaml {2}\d+$/m);
    const target = join(dir, "extracted");
    const r = await cli("extract", path, "homeassistant/configuration.yaml", "share/secrets.yaml", "--key", "old-password", "-C", target);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readFileSync(join(target, "homeassistant/data/configuration.yaml")), Buffer.from(backup.files.get("configuration.yaml")!));
    assert.deepEqual(readFileSync(join(target, "share/secrets.yaml")), Buffer.from(backup.files.get("secrets.yaml")!));
    const missing = await cli("extract", path, "nope.yaml", "--key", "old-password", "-C", target);
    assert.equal(missing.code, 1);
    const wrong = await cli("extract", path, "--list", "--key", "wrong");
    assert.equal(wrong.code, 3);
  });
});

describe("verify --deep on v1/v2", () => {
  it("decrypts the whole member: a flipped byte late in a v2 member is found, the intact file passes", async () => {
    const backup = await generateBackup({ "homeassistant.tar.gz": "v2" }, "pw", { bigBytes: 300_000 });
    const intact = save("deep-intact.tar", backup.tar);
    const ok = await cli("verify", intact, "--key", "pw", "--deep");
    assert.equal(ok.code, 0, ok.out + ok.err);
    const bytes = Buffer.from(backup.tar);
    const src = bytesSource(bytes);
    let member = { offset: 0, size: 0 };
    for await (const e of walkTar(src)) if (e.name === "homeassistant.tar.gz") member = { offset: e.dataOffset, size: e.size };
    bytes[member.offset + Math.floor(member.size / 2)] ^= 0x40; // deep inside: the first-block key check cannot see it
    const damaged = save("deep-damaged.tar", bytes);
    assert.equal((await cli("verify", damaged, "--key", "pw")).code, 0, "without --deep only the first block is read");
    const deep = await cli("verify", damaged, "--key", "pw", "--deep");
    assert.equal(deep.code, 2);
    assert.match(deep.out, /compressed data is broken/);
  });

  it("v1 members pass the deep check once their per-write padding is removed (gzip CRC intact)", async () => {
    const backup = await generateBackup({ "homeassistant.tar.gz": "v1" }, "pw", { bigBytes: 50_000 });
    const r = await cli("verify", save("deep-v1.tar", backup.tar), "--key", "pw", "--deep");
    assert.equal(r.code, 0, r.out + r.err);
  });
});
