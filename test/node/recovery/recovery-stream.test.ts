// Streaming guarantees of offline recovery: a v3 chunk reaches the output only after it
// authenticated; Ctrl-C / SIGTERM during a decrypt leaves no hidden partial file; the real v1
// fixture (securetar's own test vector, raw key) decrypts to gzip archives that pass zlib.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { inspectBackup } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { decryptBackup, planKeys } from "../../../src/recovery/backup-recovery.js";
import { RecoveryError } from "../../../src/recovery/errors.js";
import { openMember, resolveV1Reading } from "../../../src/recovery/member-decrypt.js";
import { nodeCryptoPort } from "../../../src/recovery/node-crypto-port.js";
import { webCryptoPort } from "../../../src/recovery/web-crypto-port.js";
import { encryptV2 } from "../../../src/sim/securetar-writer.js";
import { writeTar } from "../../../src/sim/tar-writer.js";
import { walkTar } from "../../../src/tar/reader.js";
import { generateBackup } from "../../support/recovery-backups.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const fixtures = join(root, "..", "shared", "fixtures", "ha-real");
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "bk-recovery-stream-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

describe("v3: authenticated before written", () => {
  it("a damaged second chunk: nothing of it reaches the output, the run stops as damaged", async () => {
    const backup = await generateBackup({ "homeassistant.tar.gz": "v3" }, "pw", { bigBytes: 3 * 1024 * 1024 });
    const bytes = Buffer.from(backup.tar);
    let offset = 0;
    for await (const e of walkTar(bytesSource(bytes))) if (e.name === "homeassistant.tar.gz") offset = e.dataOffset;
    const chunk = 1024 * 1024;
    bytes[offset + 136 + chunk + 17 + 4000] ^= 0x20; // inside chunk 2's ciphertext
    const plan = await planKeys(bytesSource(bytes), ["pw"], nodeCryptoPort, { restorable: true });
    const written: Uint8Array[] = [];
    await assert.rejects(
      decryptBackup(bytesSource(bytes), plan, { write: async (b) => void written.push(b.slice()) }, { port: nodeCryptoPort }),
      (e: unknown) => e instanceof RecoveryError && e.code === "damaged" && e.params.reason === "stream_auth_failed",
    );
    const out = Buffer.concat(written);
    const plain = Buffer.from(backup.plain.get("homeassistant.tar.gz")!);
    assert.ok(out.includes(plain.subarray(chunk - 64, chunk)), "chunk 1 was streamed on");
    assert.ok(!out.includes(plain.subarray(chunk, chunk + 64)), "chunk 2's first bytes never reached the sink");
    assert.ok(!out.includes(plain.subarray(2 * chunk - 64, 2 * chunk)), "nor its last bytes");
  });
});

describe("verify --deep on v3 in the CLI", () => {
  it("authenticates through the CLI's crypto port (OpenSSL's ChaCha20-Poly1305), and still finds a damaged chunk", async () => {
    const { main } = await import("../../../src/cli/main.js");
    const backup = await generateBackup({ "homeassistant.tar.gz": "v3" }, "pw", { bigBytes: 3 * 1024 * 1024 });
    const path = join(dir, "deep-v3.tar");
    writeFileSync(path, backup.tar);
    const original = nodeCryptoPort.aeadOpen!;
    let calls = 0;
    nodeCryptoPort.aeadOpen = (...args) => {
      calls++;
      return original(...args);
    };
    try {
      let out = "";
      const code = await main(["verify", path, "--key", "pw", "--deep"], { out: (s) => (out += s), err: (s) => (out += s) });
      assert.equal(code, 0, out);
      assert.ok(calls >= 3, `full chunks opened by the port's AEAD: ${calls}`);
      const bytes = Buffer.from(backup.tar);
      let offset = 0;
      for await (const e of walkTar(bytesSource(bytes))) if (e.name === "homeassistant.tar.gz") offset = e.dataOffset;
      bytes[offset + 136 + 1024 * 1024 + 17 + 10] ^= 1;
      writeFileSync(path, bytes);
      out = "";
      assert.equal(await main(["verify", path, "--key", "pw", "--deep"], { out: (s) => (out += s), err: (s) => (out += s) }), 2);
      assert.match(out, /fails its integrity check/);
    } finally {
      nodeCryptoPort.aeadOpen = original;
    }
  });
});

describe("Ctrl-C and SIGTERM during a decrypt", () => {
  let input: string;
  before(async () => {
    if (!existsSync(join(root, "dist", "node", "cli.js"))) {
      const r = spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    }
    // Big enough that the decrypt is still writing when the signal arrives (stored gzip: quick to make).
    const data = randomBytes(96 * 1024 * 1024);
    const gz = gzipSync(writeTar([{ name: "./big.bin", data, mtime: 1 }]), { level: 1 });
    const json = { slug: "5a5a5a5a", version: 2, name: "Big", date: "2026-01-01T00:00:00+00:00", type: "partial", protected: true, compressed: true, folders: ["share"], addons: [] };
    input = join(dir, "big.tar");
    writeFileSync(
      input,
      writeTar([
        { name: "./backup.json", data: Buffer.from(JSON.stringify(json)), mtime: 1 },
        { name: "share.tar.gz", data: encryptV2(gz, "pw", randomBytes(16)), mtime: 1 },
      ]),
    );
  });

  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal}: exit ${code}, the hidden temporary file is removed, no output`, async () => {
      const outDir = mkdtempSync(join(dir, `${signal}-`));
      const output = join(outDir, "big.dec.tar");
      let watcher: ReturnType<typeof watch> | null = null;
      const partialSeen = new Promise<void>((resolve) => {
        watcher = watch(outDir, () => {
          if (readdirSync(outDir).some((f) => f.endsWith(".partial"))) resolve();
        });
      });
      // The installed command (bin/backup-keyring.mjs → the built CLI), as a user runs it.
      const child = spawn(process.execPath, [join(root, "bin", "backup-keyring.mjs"), "decrypt", input, "--key", "pw", "-o", output], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      try {
        const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (c, s) => resolve({ code: c, signal: s })));
        await Promise.race([partialSeen, exited.then((r) => assert.fail(`exited before writing: ${JSON.stringify(r)}`))]);
        child.kill(signal);
        const r = await exited;
        assert.equal(r.code, code, `exit ${JSON.stringify(r)}`);
        assert.deepEqual(readdirSync(outDir), [], "no partial file, no output");
      } finally {
        // Also after a failed assertion: a watcher or a child left open would hold this file open.
        (watcher as ReturnType<typeof watch> | null)?.close();
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    });
  }
});

describe("the real v1 fixture (securetar's legacy-format test vector)", () => {
  const raw = Buffer.from("0123456789abcdef");
  for (const [name, port] of [
    ["node:crypto", nodeCryptoPort],
    ["WebCrypto/noble", webCryptoPort],
  ] as const) {
    it(`${name}: every inner archive decrypts to a gzip that passes its CRC, holding the known files`, async () => {
      const bytes = readFileSync(join(fixtures, "securetar__backup_encrypted_gzipped_legacy_format.tar"));
      const report = await inspectBackup(bytesSource(bytes));
      assert.deepEqual(
        report.members.map((m) => m.format),
        ["v1", "v1", "v1"],
      );
      for (const m of report.members) {
        const at = { offset: m.offset, size: m.size };
        const reading = await resolveV1Reading(port, bytesSource(bytes), at, raw, true);
        assert.notEqual(reading, null, m.name);
        const opened = await openMember(port, bytesSource(bytes), at, { format: "v1", aesKey: raw, reading: reading! });
        const gz = await collect(opened.chunks);
        assert.equal(gz.length, opened.plaintextSize);
        const tar = gunzipSync(gz); // throws on a bad CRC or length
        const names: string[] = [];
        for await (const e of walkTar(bytesSource(tar))) names.push(e.name.replace(/^\.\//, "").replace(/\/$/, ""));
        assert.deepEqual(names.filter((n) => n !== "." && n !== "").sort(), ["README.md", "test1", "test1/script.sh", "test_symlink"], m.name);
      }
    });
  }
});

describe("the browser's Blob output", () => {
  it("refuses up front a backup over the stated limit, and a stream that grows past it", async () => {
    const { BLOB_LIMIT, blobTarget } = await import("../../../src/recovery/browser-output.js");
    assert.throws(
      () => blobTarget("big.tar", BLOB_LIMIT + 1),
      (e: unknown) => e instanceof RecoveryError && e.code === "too_large",
    );
    const target = blobTarget("grows.tar", 1024);
    const piece = new Uint8Array(256 * 1024 * 1024); // the same buffer each time: the parts only reference it
    for (let i = 0; i < BLOB_LIMIT / piece.length; i++) await target.sink.write(piece);
    await assert.rejects(target.sink.write(new Uint8Array(1)), (e: unknown) => e instanceof RecoveryError && e.code === "too_large");
    await target.abort();
  });
});
