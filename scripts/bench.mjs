#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.{ts,mjs} one after another (TypeScript through tsx) and
// prints what each one measures. Benchmarks print numbers; they do not pass or fail on timings.
// Optional argument: a substring to pick benchmark files.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const filter = process.argv[2] ?? "";
const files = readdirSync(join(root, "bench"))
  .filter((f) => /\.bench\.(ts|mjs)$/.test(f) && f.includes(filter))
  .sort();
if (files.length === 0) {
  console.error(`no bench/*.bench.{ts,mjs} file${filter ? ` matching "${filter}"` : ""}`);
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const args = file.endsWith(".ts") ? ["--import", "tsx", join("bench", file)] : [join("bench", file)];
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.error(`${file} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
