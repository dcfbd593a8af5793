// Argon2id as SecureTar v3 uses it (t = 8, m = 16 MiB, p = 1, 32 bytes) in every candidate library,
// in Node and in Chromium, against native libsodium (crypto_pwhash via python3 ctypes). Each result
// is checked against the known answer from securetar.md §11 before it is timed.
import { spawnSync } from "node:child_process";
import { build } from "esbuild";

const PASSWORD = "supervisor";
const SALT_HEX = "833979db0ad8ffe9dcbb44455565df5c";
const ROOT_KEY = "a3a37dff0eb46226a6090a4a5244b5c3ca77376653af6f010b306f58f418cc57";
const RUNS = 5;
const salt = Buffer.from(SALT_HEX, "hex");
const hex = (b) => Buffer.from(b).toString("hex");

async function timeIt(name, fn) {
  const out = await fn();
  if (hex(out) !== ROOT_KEY) throw new Error(`${name}: wrong Argon2id output`);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(RUNS / 2)];
}

function nativeLibsodium() {
  const py = `
import ctypes, ctypes.util, time
lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert lib.sodium_init() >= 0
out = ctypes.create_string_buffer(32)
pw = b"${PASSWORD}"
salt = bytes.fromhex("${SALT_HEX}")
def run():
    rc = lib.crypto_pwhash(out, ctypes.c_ulonglong(32), pw, ctypes.c_ulonglong(len(pw)), salt,
                           ctypes.c_ulonglong(8), ctypes.c_size_t(16 * 1024 * 1024), ctypes.c_int(2))  # ALG_ARGON2ID13
    assert rc == 0
run()
assert out.raw.hex() == "${ROOT_KEY}", out.raw.hex()
times = []
for _ in range(${RUNS}):
    t = time.perf_counter(); run(); times.append((time.perf_counter() - t) * 1000)
times.sort()
print(times[len(times) // 2])
`;
  const r = spawnSync("python3", ["-c", py], { encoding: "utf8" });
  if (r.status !== 0) return null;
  return Number(r.stdout.trim());
}

const results = {};
const native = nativeLibsodium();
if (native === null) console.log("native libsodium: not available (apt-get install -y libsodium23)");
else results["native libsodium (C, python ctypes)"] = native;

const { argon2id: hashWasm } = await import("hash-wasm");
results["hash-wasm (WASM), Node"] = await timeIt("hash-wasm", () =>
  hashWasm({ password: PASSWORD, salt, iterations: 8, memorySize: 16 * 1024, parallelism: 1, hashLength: 32, outputType: "binary" }),
);
const { argon2id: noble } = await import("@noble/hashes/argon2.js");
results["@noble/hashes (pure JS), Node"] = await timeIt("noble", () => noble(PASSWORD, salt, { t: 8, m: 16 * 1024, p: 1, dkLen: 32 }));
const sodium = (await import("libsodium-wrappers-sumo")).default;
await sodium.ready;
results["libsodium-wrappers-sumo (WASM), Node"] = await timeIt("libsodium-wrappers-sumo", () =>
  sodium.crypto_pwhash(32, PASSWORD, salt, 8, 16 * 1024 * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13),
);

// The same in Chromium (what the panel runs), if playwright-core and a Chromium are here.
try {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
  const page = await browser.newPage();
  const bundle = await build({
    stdin: {
      contents: `import { argon2id as hw } from "hash-wasm"; import { argon2id as nb } from "@noble/hashes/argon2.js"; import sodium from "libsodium-wrappers-sumo"; window.__argon = { hw, nb, sodium };`,
      resolveDir: process.cwd(),
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  await page.addScriptTag({ content: bundle.outputFiles[0].text, type: "module" });
  await page.waitForFunction(() => window.__argon !== undefined);
  const inPage = await page.evaluate(
    async ({ PASSWORD, SALT_HEX, ROOT_KEY, RUNS }) => {
      const salt = Uint8Array.from(SALT_HEX.match(/../g), (h) => parseInt(h, 16));
      const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
      const fns = {
        "hash-wasm (WASM), Chromium": () => window.__argon.hw({ password: PASSWORD, salt, iterations: 8, memorySize: 16384, parallelism: 1, hashLength: 32, outputType: "binary" }),
        "@noble/hashes (pure JS), Chromium": () => window.__argon.nb(PASSWORD, salt, { t: 8, m: 16384, p: 1, dkLen: 32 }),
        "libsodium-wrappers-sumo (WASM), Chromium": async () => {
          const sodium = window.__argon.sodium;
          await sodium.ready;
          return sodium.crypto_pwhash(32, PASSWORD, salt, 8, 16 * 1024 * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13);
        },
      };
      const out = {};
      for (const [name, fn] of Object.entries(fns)) {
        if (hex(await fn()) !== ROOT_KEY) throw new Error(`${name}: wrong output`);
        const runs = [];
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now();
          await fn();
          runs.push(performance.now() - t0);
        }
        runs.sort((a, b) => a - b);
        out[name] = runs[Math.floor(RUNS / 2)];
      }
      return out;
    },
    { PASSWORD, SALT_HEX, ROOT_KEY, RUNS },
  );
  Object.assign(results, inPage);
  await browser.close();
} catch (err) {
  console.log(`Chromium run skipped: ${err.message.split("\n")[0]}`);
}

console.log(`Argon2id t=8 m=16 MiB p=1, median of ${RUNS} runs (output checked against the known answer):`);
for (const [name, ms] of Object.entries(results)) {
  const ratio = native ? ` (${(ms / native).toFixed(2)}× native)` : "";
  console.log(`  ${name.padEnd(42)} ${ms.toFixed(1).padStart(8)} ms${ratio}`);
}

// What each choice adds to the lazily loaded v3 chunk (minified, not gzipped).
console.log("Lazy v3 chunk size (esbuild, minified):");
for (const [name, contents] of [
  ["hash-wasm argon2id + @noble/hashes blake2b", `export { argon2id } from "hash-wasm"; export { blake2b } from "@noble/hashes/blake2.js";`],
  ["@noble/hashes argon2id + blake2b", `export { argon2id } from "@noble/hashes/argon2.js"; export { blake2b } from "@noble/hashes/blake2.js";`],
  ["libsodium-wrappers-sumo argon2id + @noble/hashes blake2b", `export { default } from "libsodium-wrappers-sumo"; export { blake2b } from "@noble/hashes/blake2.js";`],
]) {
  try {
    const out = await build({ stdin: { contents, resolveDir: process.cwd() }, bundle: true, minify: true, format: "esm", write: false, platform: "browser", logLevel: "silent" });
    console.log(`  ${name.padEnd(52)} ${(out.outputFiles[0].contents.length / 1024).toFixed(0).padStart(6)} KiB`);
  } catch (err) {
    console.log(`  ${name}: could not bundle (${err.message.split("\n")[0]})`);
  }
}
