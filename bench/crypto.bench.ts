// `npm run bench -- crypto`: SecureTar crypto speed side by side with native code on this machine,
// in one run. Prints three contract lines, each starting "crypto: " (detail lines start "  info: "):
//   crypto: argon2id_ms=X argon2id_native_ms=Y
//   crypto: decrypt format=v2 size_mb=N mb_per_s=X native_mb_per_s=Y peak_rss_mb=Z
//   crypto: decrypt format=v3 size_mb=N mb_per_s=X native_mb_per_s=Y peak_rss_mb=Z
// argon2id_ms: what the project ships (src/securetar/argon2.ts: the reference C code as WASM SIMD,
// from @phi-ag/argon2, through its raw exports), in Chromium, v3's parameters (t=8, m=16 MiB, p=1), median of
// 5; every candidate is timed in the same page and printed beside it (argon2-browser, not a
// dependency, was measured by hand: docs/architecture.md).
// Native: libsodium's crypto_pwhash and secretstream through python3 ctypes, `openssl enc` for v2.
// decrypt lines: the built CLI (`backup-keyring decrypt`) on a generated backup of 1 GiB of
// plaintext, writing its output next to it (fsync'd, as the CLI does); native does the same job
// (derive the key, decrypt the member, write and sync the output). The inner archive is a real
// tar.gz (one 1 GiB file, stored deflate blocks: random data does not compress), so the CLI's
// check of v2's gzip CRC and tar end runs too (native does not check it); v3 is authenticated
// instead. Temp files are deleted. Chromium: CHROME_PATH (as `npm test`), else /usr/bin/chromium.
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, openSync, readFileSync, readSync, writeFileSync, rmSync, writeSync, closeSync, statSync } from "node:fs";
import { createGzip } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { passwordToAesKeySync, aesIvSync } from "../src/recovery/crypto-port.js";
import { encryptMember, v3RootContext, encryptedSize } from "../src/recovery/member-encrypt.js";
import { nodeCryptoPort } from "../src/recovery/node-crypto-port.js";
import { tarHeaderFor, padTo, RECORD } from "../src/recovery/tar-out.js";
import { v3RootKey } from "../src/securetar/v3-crypto.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const PASSWORD = "supervisor";
const SALT_HEX = "833979db0ad8ffe9dcbb44455565df5c";
const ROOT_KEY = "a3a37dff0eb46226a6090a4a5244b5c3ca77376653af6f010b306f58f418cc57";
const RUNS = 5;
const SIZE_MB = Number(process.env.BENCH_CRYPTO_MB ?? 1024);
const port = nodeCryptoPort;
const CHROME = process.env.CHROME_PATH || "/usr/bin/chromium";
/** Detail lines: clearly not contract lines (those alone start with "crypto: "). */
const info = (text: string) => console.log(`  info: ${text}`);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function python(script: string): string | null {
  const r = spawnSync("python3", ["-c", script], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    info(`native run failed: ${r.stderr.trim().split("\n").pop()}`);
    return null;
  }
  return r.stdout.trim();
}

const SODIUM = `import ctypes, ctypes.util, time, os
lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert lib.sodium_init() >= 0
`;

// ---- Argon2id -------------------------------------------------------------------------------
function nativeArgon2(): number | null {
  const out = python(`${SODIUM}
out = ctypes.create_string_buffer(32)
pw = b"${PASSWORD}"; salt = bytes.fromhex("${SALT_HEX}")
def run():
    assert lib.crypto_pwhash(out, ctypes.c_ulonglong(32), pw, ctypes.c_ulonglong(len(pw)), salt, ctypes.c_ulonglong(8), ctypes.c_size_t(16*1024*1024), ctypes.c_int(2)) == 0
run(); assert out.raw.hex() == "${ROOT_KEY}"
ts = []
for _ in range(${RUNS}):
    t = time.perf_counter(); run(); ts.append((time.perf_counter() - t) * 1000)
ts.sort(); print(ts[len(ts)//2])`);
  return out === null ? null : Number(out);
}

async function chromiumArgon2(): Promise<Record<string, number>> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROME, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const bundle = await build({
      stdin: {
        contents: `import { argon2id as hw } from "hash-wasm"; import sodium from "libsodium-wrappers-sumo"; import Phi from "@phi-ag/argon2"; import setupWasm from "argon2id/lib/setup.js"; import { argon2id as noble } from "@noble/hashes/argon2.js"; import { v3RootKey } from "./src/securetar/v3-crypto.ts"; window.__argon = { hw, sodium, Phi, setupWasm, noble, v3RootKey };`,
        resolveDir: root,
      },
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text, type: "module" });
    await page.waitForFunction(() => (window as unknown as { __argon?: unknown }).__argon !== undefined);
    const wasm = {
      phi: readFileSync(join(root, "node_modules/@phi-ag/argon2/dist/argon2.wasm")).toString("base64"),
      simd: readFileSync(join(root, "node_modules/argon2id/dist/simd.wasm")).toString("base64"),
      noSimd: readFileSync(join(root, "node_modules/argon2id/dist/no-simd.wasm")).toString("base64"),
    };
    const params = JSON.stringify({ PASSWORD, SALT_HEX, ROOT_KEY, RUNS, wasm });
    // A string, not a function: tsx would wrap a function's inner arrows in helpers the page lacks.
    return (await page.evaluate(`(async ({ PASSWORD, SALT_HEX, ROOT_KEY, RUNS, wasm }) => {
      const A = window.__argon;
      const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      const salt = Uint8Array.from(SALT_HEX.match(/../g), (h) => parseInt(h, 16));
      const pw = new TextEncoder().encode(PASSWORD);
      const hexOf = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
      await A.sodium.ready;
      const phi = new A.Phi((await WebAssembly.instantiate(b64(wasm.phi))).instance);
      const phiRaw = (await WebAssembly.instantiate(b64(wasm.phi))).instance.exports;
      phiRaw._initialize();
      const openpgp = await A.setupWasm(
        (imports) => WebAssembly.instantiate(b64(wasm.simd), imports),
        (imports) => WebAssembly.instantiate(b64(wasm.noSimd), imports),
      );
      const fns = {
        "shipped (src/securetar/argon2.ts)": () => A.v3RootKey(PASSWORD, salt),
        "@phi-ag/argon2 raw exports (reference C, WASM SIMD)": () => { const p = phiRaw, a = p.malloc(pw.length), s = p.malloc(16), o = p.malloc(32); new Uint8Array(p.memory.buffer).set(pw, a); new Uint8Array(p.memory.buffer).set(salt, s); if (p.argon2_hash(8, 16384, 1, a, pw.length, s, 16, o, 32, 0, 0, 2, 0x13) !== 0) throw new Error("phi"); const h = new Uint8Array(p.memory.buffer).slice(o, o + 32); p.free(a); p.free(s); p.free(o); return h; },
        "libsodium-wrappers-sumo": () => A.sodium.crypto_pwhash(32, pw, salt, 8, 16 * 1024 * 1024, A.sodium.crypto_pwhash_ALG_ARGON2ID13),
        "@phi-ag/argon2 wrapper (WASM SIMD)": () => phi.hash(PASSWORD, { salt, hashLength: 32, timeCost: 8, memoryCost: 16384, parallelism: 1, type: 2, version: 19 }).hash,
        "argon2id (WASM SIMD)": () => openpgp({ password: pw, salt, parallelism: 1, passes: 8, memorySize: 16384, tagLength: 32 }),
        "hash-wasm": () => A.hw({ password: pw, salt, iterations: 8, memorySize: 16384, parallelism: 1, hashLength: 32, outputType: "binary" }),
        "@noble/hashes argon2id (pure JS)": () => A.noble(pw, salt, { t: 8, m: 16384, p: 1, dkLen: 32 }),
      };
      // Interleaved (one run of each in turn), so a change in the machine's load hits all alike.
      const runs = {};
      for (const [name, fn] of Object.entries(fns)) {
        if (hexOf(await fn()) !== ROOT_KEY) throw new Error(name + ": wrong Argon2id output");
        runs[name] = [];
      }
      for (let i = 0; i < RUNS; i++) {
        for (const [name, fn] of Object.entries(fns)) {
          const t0 = performance.now();
          await fn();
          runs[name].push(performance.now() - t0);
        }
      }
      const out = {};
      for (const [name, v] of Object.entries(runs)) out[name] = v.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
      return out;
    })(${params})`)) as Record<string, number>;
  } finally {
    await browser.close();
  }
}

// ---- The browser's figure (informative): the same member decrypt code with the WebCrypto/noble port
async function chromiumStreams(sizeMb: number): Promise<Record<string, number>> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROME, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    // WebCrypto needs a secure context: a file:// page is one, about:blank is not.
    const blank = join(tmpdir(), "bk-crypto-bench-blank.html");
    writeFileSync(blank, "<!doctype html><title>bench</title>");
    await page.goto(pathToFileURL(blank).href);
    const bundle = await build({
      stdin: {
        contents: `import { bytesSource } from "./src/common/byte-source.ts"; import { passwordToAesKeySync } from "./src/recovery/crypto-port.ts"; import { encryptMember, v3RootContext } from "./src/recovery/member-encrypt.ts"; import { openMember } from "./src/recovery/member-decrypt.ts"; import { webCryptoPort } from "./src/recovery/web-crypto-port.ts"; import { passwordToAesKey } from "./src/securetar/aes.ts"; window.__st = { bytesSource, passwordToAesKeySync, encryptMember, v3RootContext, openMember, webCryptoPort, passwordToAesKey };`,
        resolveDir: root,
      },
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text, type: "module" });
    await page.waitForFunction(() => (window as unknown as { __st?: unknown }).__st !== undefined);
    return (await page.evaluate(`(async (sizeMb) => {
      const S = window.__st, port = S.webCryptoPort, size = sizeMb * 1024 * 1024;
      const block = port.random(1024 * 1024);
      async function* plain() { for (let i = 0; i < sizeMb; i++) yield block; }
      const collect = async (it) => { const parts = []; for await (const p of it) parts.push(p); return new Uint8Array(await new Blob(parts).arrayBuffer()); };
      const rootKey = port.random(32);
      const targets = { v2: { format: "v2", aesKey: S.passwordToAesKeySync(port, "pw") }, v3: { format: "v3", root: S.v3RootContext(rootKey, port.random(16), port.random(16)) } };
      const keys = { v2: { format: "v2", aesKey: targets.v2.aesKey }, v3: { format: "v3", rootKey } };
      const out = {};
      // The key check's SHA-256×100: 100 awaited WebCrypto digests (the old way) against the synchronous loop.
      const awaited = async (d) => { for (let i = 0; i < 100; i++) d = new Uint8Array(await crypto.subtle.digest("SHA-256", d)); return d; };
      for (let i = 0; i < 50; i++) { await awaited(new TextEncoder().encode("warm" + i)); S.passwordToAesKey("warm" + i); }
      let t = performance.now();
      for (let i = 0; i < 200; i++) await awaited(new TextEncoder().encode("pw" + i));
      out.sha_awaited_ms = (performance.now() - t) / 200;
      t = performance.now();
      for (let i = 0; i < 200; i++) S.passwordToAesKey("pw" + i);
      out.sha_sync_ms = (performance.now() - t) / 200;
      for (const f of ["v2", "v3"]) {
        const member = await collect(S.encryptMember(port, targets[f], size, plain()));
        const t0 = performance.now();
        const opened = await S.openMember(port, S.bytesSource(member), { offset: 0, size: member.length }, keys[f]);
        let n = 0; for await (const p of opened.chunks) n += p.length;
        if (n !== size) throw new Error("size");
        out[f] = sizeMb / ((performance.now() - t0) / 1000);
      }
      return out;
    })(${sizeMb})`)) as Record<string, number>;
  } finally {
    await browser.close();
  }
}

// ---- Generated 1 GiB backups ----------------------------------------------------------------
interface Generated {
  path: string;
  memberOffset: number;
  memberSize: number;
}

function header(name: string, size: number): Uint8Array {
  const original = new Uint8Array(512);
  original.set(new TextEncoder().encode("0000644\0"), 100);
  original[156] = 0x30;
  return tarHeaderFor(original, name, size);
}

/** A real tar.gz holding one SIZE_MB file of random data (stored deflate: quick to make, and random data would not compress). */
async function innerArchive(dir: string): Promise<string> {
  const path = join(dir, "inner.tar.gz");
  const gzip = createGzip({ level: 0 });
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
  });
  gzip.pipe(out);
  const block = port.random(1024 * 1024);
  const write = (b: Uint8Array) => new Promise<void>((resolve) => (gzip.write(b) ? resolve() : gzip.once("drain", resolve)));
  await write(header("./big.bin", SIZE_MB * 1024 * 1024));
  for (let i = 0; i < SIZE_MB; i++) await write(block);
  await write(new Uint8Array(1024 + padTo(512 + SIZE_MB * 1024 * 1024 + 1024, RECORD)));
  gzip.end();
  await done;
  return path;
}

async function generate(dir: string, format: "v2" | "v3", inner: string): Promise<Generated> {
  const path = join(dir, `bench-${format}.tar`);
  const fd = openSync(path, "w");
  const write = (b: Uint8Array) => {
    for (let at = 0; at < b.length;) at += writeSync(fd, b, at);
  };
  let written = 0;
  const put = (b: Uint8Array) => {
    write(b);
    written += b.length;
  };
  const json = new TextEncoder().encode(
    JSON.stringify({ slug: "b3nch000", version: 2, name: "bench", date: "2026-01-01T00:00:00+00:00", type: "partial", protected: true, compressed: true, folders: ["share"], addons: [] }),
  );
  put(header("./backup.json", json.length));
  put(json);
  put(new Uint8Array(padTo(json.length, 512)));
  const plaintextSize = statSync(inner).size;
  async function* plain() {
    const fdIn = openSync(inner, "r");
    try {
      const buf = Buffer.alloc(1024 * 1024);
      for (;;) {
        const n = readSync(fdIn, buf, 0, buf.length, null);
        if (n === 0) return;
        yield buf.subarray(0, n).slice();
      }
    } finally {
      closeSync(fdIn);
    }
  }
  const target =
    format === "v2"
      ? { format: "v2" as const, aesKey: passwordToAesKeySync(port, PASSWORD) }
      : { format: "v3" as const, root: v3RootContext(await v3RootKey(PASSWORD, Buffer.from(SALT_HEX, "hex")), Buffer.from(SALT_HEX, "hex"), port.random(16)) };
  const memberSize = encryptedSize(format, plaintextSize);
  put(header("share.tar.gz", memberSize));
  const memberOffset = written;
  for await (const piece of encryptMember(port, target, plaintextSize, plain())) put(piece);
  put(new Uint8Array(padTo(memberSize, 512)));
  put(new Uint8Array(1024 + padTo(written + 1024, RECORD)));
  closeSync(fd);
  return { path, memberOffset, memberSize };
}

function runCli(args: string[]): { seconds: number; peakRssMb: number } {
  const script = `const { main } = await import(${JSON.stringify(join(root, "dist/node/cli.js"))});
const code = await main(process.argv.slice(1));
process.stderr.write("maxrss_kb=" + process.resourceUsage().maxRSS + "\\n");
process.exit(code);`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script, ...args, "--key-env", "BENCH_KEY"], {
    encoding: "utf8",
    env: { ...process.env, BENCH_KEY: PASSWORD },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`CLI ${args[0]} exited ${r.status}: ${r.stderr}`);
  const kb = Number(/maxrss_kb=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { seconds, peakRssMb: kb / 1024 };
}

function nativeV2(g: Generated, output: string): number | null {
  const key = passwordToAesKeySync(port, PASSWORD);
  const fd = openSync(g.path, "r");
  const head = Buffer.alloc(48);
  readSyncAt(fd, head, g.memberOffset);
  closeSync(fd);
  // Native derives the key too (python hashlib = OpenSSL's SHA-256), then `openssl enc` decrypts.
  const t0 = performance.now();
  const derived = python(`import hashlib
d = b"${PASSWORD}"
for _ in range(100): d = hashlib.sha256(d).digest()
k = d[:16]; s = k + bytes.fromhex("${hex(head.subarray(32, 48))}")
for _ in range(100): s = hashlib.sha256(s).digest()
print(k.hex(), s[:16].hex())`);
  if (!derived) return null;
  const [k, iv] = derived.split(" ");
  if (k !== hex(key) || iv !== hex(aesIvSync(port, key, head.subarray(32, 48)))) throw new Error("native v2 key mismatch");
  const r = spawnSync("bash", ["-c", `tail -c +${g.memberOffset + 48 + 1} "$1" | openssl enc -d -aes-128-cbc -K ${k} -iv ${iv} -nopad -out "$2" && sync "$2"`, "_", g.path, output]);
  if (r.status !== 0) return null;
  return (performance.now() - t0) / 1000;
}

function readSyncAt(fd: number, buf: Buffer, position: number) {
  readSync(fd, buf, 0, buf.length, position);
}

function nativeV3(g: Generated, output: string): number | null {
  const t0 = performance.now();
  const out = python(`${SODIUM}
f = open("${g.path}", "rb"); f.seek(${g.memberOffset}); head = f.read(136)
pw = b"${PASSWORD}"
rootkey = ctypes.create_string_buffer(32)
assert lib.crypto_pwhash(rootkey, ctypes.c_ulonglong(32), pw, ctypes.c_ulonglong(len(pw)), head[32:48], ctypes.c_ulonglong(8), ctypes.c_size_t(16*1024*1024), ctypes.c_int(2)) == 0
personal = b"SecureTarv3" + bytes(5)
sk = ctypes.create_string_buffer(32)
assert lib.crypto_generichash_blake2b_salt_personal(sk, ctypes.c_size_t(32), None, ctypes.c_ulonglong(0), rootkey, ctypes.c_size_t(32), head[96:112], personal) == 0
state = ctypes.create_string_buffer(lib.crypto_secretstream_xchacha20poly1305_statebytes())
assert lib.crypto_secretstream_xchacha20poly1305_init_pull(state, head[112:136], sk) == 0
left = ${g.memberSize} - 136
CH = 1024 * 1024 + 17
m = ctypes.create_string_buffer(CH)
c = bytearray(CH); cbuf = (ctypes.c_char * CH).from_buffer(c)
mview = memoryview(m)
mlen = ctypes.c_ulonglong(0); tag = ctypes.c_ubyte(0)
o = open("${output}", "wb")
while left > 0:
    n = f.readinto(memoryview(c)[:min(CH, left)]); left -= n
    assert lib.crypto_secretstream_xchacha20poly1305_pull(state, m, ctypes.byref(mlen), ctypes.byref(tag), cbuf, ctypes.c_ulonglong(n), None, ctypes.c_ulonglong(0)) == 0
    o.write(mview[:mlen.value])
o.flush(); os.fsync(o.fileno()); o.close()
print(tag.value)`);
  if (out !== "3") return null;
  return (performance.now() - t0) / 1000;
}

// ---- Run ------------------------------------------------------------------------------------
info("building the CLI (rollup)…");
const b = spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, stdio: "inherit" });
if (b.status !== 0) process.exit(1);

const nativeArgon = nativeArgon2();
let browserArgon: Record<string, number> = {};
try {
  browserArgon = await chromiumArgon2();
} catch (err) {
  info(`Chromium Argon2id run failed: ${(err as Error).message.split("\n")[0]}`);
}
info(`Argon2id t=8 m=16 MiB p=1 in Chromium, median of ${RUNS} (output checked against the known answer):`);
for (const [name, ms] of Object.entries(browserArgon)) info(`  ${name.padEnd(36)} ${ms.toFixed(1).padStart(8)} ms${nativeArgon ? ` (${(ms / nativeArgon).toFixed(2)}× native)` : ""}`);
const SHIPPED = "shipped (src/securetar/argon2.ts)";
console.log(`crypto: argon2id_ms=${browserArgon[SHIPPED]?.toFixed(1) ?? "n/a"} argon2id_native_ms=${nativeArgon?.toFixed(1) ?? "n/a"}`);

// tmpfs when there is one: the line measures the CLI's decryption, not this machine's disk (set
// BENCH_CRYPTO_DIR to measure a real disk; both sides then write and fsync there).
const base = process.env.BENCH_CRYPTO_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
info(`generating ${SIZE_MB} MiB backups in ${base}…`);
const dir = mkdtempSync(join(base, "bk-crypto-bench-"));
try {
  const browserRates = await chromiumStreams(64);
  for (const f of ["v2", "v3"]) info(`Chromium (WebCrypto / @noble), 64 MiB in memory, member decrypt only: SecureTar ${f} ${browserRates[f]!.toFixed(0)} MB/s`);
  info(
    `Chromium, password_to_key (SHA-256×100): ${browserRates.sha_awaited_ms!.toFixed(2)} ms as 100 awaited WebCrypto digests, ${browserRates.sha_sync_ms!.toFixed(3)} ms synchronous (src/securetar/aes.ts)`,
  );
} catch (err) {
  info(`Chromium stream run failed: ${(err as Error).message.split("\n")[0]}`);
}
try {
  const inner = await innerArchive(dir);
  for (const format of ["v2", "v3"] as const) {
    const g = await generate(dir, format, inner);
    const sizeMb = statSync(g.path).size / (1024 * 1024);
    const ours = runCli(["decrypt", g.path, "-o", join(dir, `out-${format}.tar`)]);
    rmSync(join(dir, `out-${format}.tar`), { force: true });
    if (format === "v3") {
      const deep = runCli(["verify", g.path, "--deep"]);
      info(`CLI verify --deep, SecureTar v3, ${sizeMb.toFixed(0)} MB: ${(sizeMb / deep.seconds).toFixed(0)} MB/s (authentication, gzip CRC and tar end), peak RSS ${deep.peakRssMb.toFixed(0)} MB`);
    }
    const nativeSeconds = format === "v2" ? nativeV2(g, join(dir, "native.out")) : nativeV3(g, join(dir, "native.out"));
    rmSync(join(dir, "native.out"), { force: true });
    rmSync(g.path, { force: true });
    const nativeRate = nativeSeconds ? (sizeMb / nativeSeconds).toFixed(0) : "n/a";
    console.log(`crypto: decrypt format=${format} size_mb=${sizeMb.toFixed(0)} mb_per_s=${(sizeMb / ours.seconds).toFixed(0)} native_mb_per_s=${nativeRate} peak_rss_mb=${ours.peakRssMb.toFixed(0)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
