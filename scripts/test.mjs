#!/usr/bin/env node
// `npm test`: set-up, build, type-check, lint, Node tests (node:test via tsx) and browser tests
// (@web/test-runner in system Chromium), then one summary line "N passed, N failed".
// Options: --node / --browser  run only that half;  any other argument filters test files by substring.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium, ensureDependencies } from "./setup.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const onlyNode = args.includes("--node");
const onlyBrowser = args.includes("--browser");
const filters = args.filter((a) => !a.startsWith("--"));
const started = Date.now();
/** Node 20 applies --test-timeout to each test file as a whole: a hang ends it as a failure. */
const NODE_FILE_TIMEOUT_MS = 300_000;

ensureDependencies();
const chromium = ensureChromium();
const env = { ...process.env, CHROME_PATH: chromium };
const tmp = join(root, ".tmp");
mkdirSync(tmp, { recursive: true });

function run(cmd, cmdArgs, extraEnv = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit", env: { ...env, ...extraEnv } });
  return r.status ?? 1;
}

function listTests(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith(".test.ts")) out.push(relative(root, p));
    }
  };
  walk(join(root, dir));
  return out.sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
}

let passed = 0;
let failed = 0;

console.log("\n== build ==");
if (run("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"]) !== 0) {
  console.error("build failed");
  process.exit(1);
}

if (filters.length === 0) {
  console.log("\n== type-check (tsc --noEmit) ==");
  if (run("npx", ["tsc", "-p", "tsconfig.json", "--noEmit"]) === 0) passed++;
  else {
    console.error("type-check failed");
    failed++;
  }
}

if (filters.length === 0) {
  console.log("\n== lint (eslint + eslint-plugin-lit, lit-analyzer) ==");
  if (run("node", ["scripts/lint.mjs"]) === 0) passed++;
  else {
    console.error("lint failed");
    failed++;
  }
}

if (!onlyBrowser) {
  const files = [...listTests("test/node"), ...listTests("test/e2e")];
  if (files.length > 0) {
    console.log(`\n== Node tests (${files.length} files) ==`);
    const tap = join(tmp, "node-tests.tap");
    rmSync(tap, { force: true });
    run("node", [
      "--import",
      "tsx",
      "--test",
      "--test-concurrency=2",
      // Every file has a timeout: a hang ends as a failure instead of stalling the suite. (Not
      // --test-force-exit: it cuts the TAP file short, and the summary below would miss failures.)
      `--test-timeout=${NODE_FILE_TIMEOUT_MS}`,
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=tap",
      `--test-reporter-destination=${tap}`,
      ...files,
    ]);
    let text = "";
    try {
      text = readFileSync(tap, "utf8");
    } catch {
      failed++;
    }
    const num = (re) => Number(re.exec(text)?.[1] ?? 0);
    // A TAP file without its summary means the runner did not finish: that is a failure.
    if (text !== "" && !/^# pass \d+$/m.test(text)) {
      console.error("the Node test runner's report is incomplete");
      failed++;
    }
    passed += num(/^# pass (\d+)$/m);
    failed += num(/^# fail (\d+)$/m) + num(/^# cancelled (\d+)$/m);
  }
}

if (!onlyNode) {
  const files = listTests("test/browser");
  if (files.length > 0) {
    console.log(`\n== Browser tests in ${chromium} (${files.length} files) ==`);
    const summary = join(tmp, "browser-tests.json");
    rmSync(summary, { force: true });
    const status = run("npx", ["web-test-runner", "--config", "web-test-runner.config.mjs"], {
      WTR_SUMMARY_FILE: summary,
      WTR_FILES: files.join(","),
    });
    try {
      const s = JSON.parse(readFileSync(summary, "utf8"));
      passed += s.passed;
      failed += s.failed + s.erroredFiles;
      if (status !== 0 && s.failed + s.erroredFiles === 0) failed++;
    } catch {
      console.error("browser test runner produced no summary");
      failed++;
    }
  }
}

console.log(`\nnpm test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
