// Bundle sizes: the main module HA loads and each lazy chunk, raw and gzip (what travels over
// the network). Builds first so the numbers match the source.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const build = spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(1);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const files = readdirSync(join(root, "dist")).filter((f) => /^backup-keyring.*\.js$/.test(f)).sort((a, b) => (a === "backup-keyring.js" ? -1 : b === "backup-keyring.js" ? 1 : a.localeCompare(b)));
console.log("file".padEnd(48), "raw".padStart(12), "gzip".padStart(12));
for (const f of files) {
  const path = join(root, "dist", f);
  const raw = statSync(path).size;
  const gz = gzipSync(readFileSync(path), { level: 9 }).length;
  console.log(f.padEnd(48), kib(raw).padStart(12), kib(gz).padStart(12));
}

// The figure that matters: what HA downloads on every dashboard page (the target: ≤ 25 KiB
// gzip). Printed, not asserted: a benchmark, not a test.
const main = readFileSync(join(root, "dist", "backup-keyring.js"));
console.log(`bundle main module gzip: ${kib(gzipSync(main, { level: 9 }).length)} (raw ${kib(main.length)}; target ≤ 25.0 KiB)`);
