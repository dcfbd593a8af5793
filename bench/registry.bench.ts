// The registry at scale, in Chromium against the simulated HA (real IndexedDB, the real panel
// bundle): 10 000 backups, each on three encrypted locations, made under 50 key generations.
// Prints one line:
//   registry: backups=N copies=N generations=N first_reconcile_ms=X incremental_ms=X first_paint_ms=X mirror_bytes=N
// first_reconcile_ms: the slower of the two first reconciliations a household meets, each with
//   HA's answer already received (the list's transfer is HA's cost), in a registry just opened
//   on a fresh page (opening the database is the page's, before it paints), mirror read included: (a) the first device, whose registry knows the 50 generations but no
//   copy, with an empty mirror; (b) a second browser profile (or a cleared one): empty IndexedDB,
//   reads the mirror the first wrote (every copy's facts, a third of them proven, History),
//   adopts its salt, merges it and folds HA's list;
// incremental_ms: the same on a freshly opened page of the first profile with nothing changed;
// first_paint_ms: from navigating to the panel until its table shows key generations, with the
//   registry already populated (connecting and HA's answers included);
// mirror_bytes: what a reader of the mirror downloads from HA (the JSON values of the manifest
//   and the parts it names), with the proofs and History above in it.
// Options (environment): BENCH_BACKUPS (default 10000), BENCH_GENERATIONS (default 50),
// BENCH_VERBOSE (the parts of each figure on stderr), BENCH_PROFILE=DIR (a Chromium CPU profile
// of each step, `<step>.cpuprofile`, for DevTools).
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { BrowserContext, Page } from "playwright-core";
import { startSimulatedHA } from "../src/sim/main.js";
import { launchChromium } from "../test/support/chromium.js";
import type { ReconcileResult, SeedResult } from "./registry-harness.js";
import { BENCH_NOW, scaleState } from "./registry-sim.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const backups = Number(process.env.BENCH_BACKUPS ?? 10_000);
const generations = Number(process.env.BENCH_GENERATIONS ?? 50);
const verbose = (s: string) => process.env.BENCH_VERBOSE && console.error(s);

const rollup = spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
if (rollup.status !== 0) process.exit(1);
const harness = await build({ entryPoints: [`${root}bench/registry-harness.ts`], bundle: true, format: "esm", target: "es2022", write: false, logLevel: "error" });
const harnessJs = harness.outputFiles[0]!.text;

const { state, keys, slices } = await scaleState(backups, generations);
const sim = await startSimulatedHA({ port: 0, serve: root, now: BENCH_NOW, stageDelayMs: 0, haVersion: "2026.2.3", initialState: state });
const browser = await launchChromium();

type Bench = { seed(u: string, t: string, k: string[], s: { from: number; to: number }[]): Promise<SeedResult>; reconcile(u: string, t: string): Promise<ReconcileResult> };

/** A fresh page of the simulated HA's origin (any page of it, here its 404, shares the panel's IndexedDB) with the harness. */
async function harnessPage(context: BrowserContext) {
  const page = await context.newPage();
  if (process.env.BENCH_VERBOSE) page.on("console", (m) => console.error(`[page] ${m.text()}`));
  await page.goto(`${sim.url}/__bench`);
  await page.addScriptTag({ content: harnessJs, type: "module" });
  await page.waitForFunction(() => "bench" in window);
  return page;
}

/** Runs one step in a page, under Chromium's CPU profiler when BENCH_PROFILE names a folder. */
async function step<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return fn();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  await cdp.send("Profiler.start");
  try {
    return await fn();
  } finally {
    const { profile } = await cdp.send("Profiler.stop");
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
  }
}

try {
  const first = await browser.newContext();
  const second = await browser.newContext();
  let page = await harnessPage(first);
  const seedPage = page;
  const seeded = await step(page, "seed", () => seedPage.evaluate(([u, t, k, s]) => (window as unknown as { bench: Bench }).bench.seed(u, t, k, s), [sim.url, sim.adminToken, keys, slices] as const));
  await page.close();
  verbose(`first device: ${Math.round(seeded.firstDeviceMs)} ms; whole mirror written in ${Math.round(seeded.firstWriteMs)} ms; ${seeded.verified} copies proven, ${seeded.journal} History entries; HA's answer ${Math.round(seeded.fetchMs)} ms; HA stores ${seeded.mirrorStoredBytes} bytes (both slots)`);

  page = await harnessPage(second);
  const clearedPage = page;
  const cleared = await step(page, "second-profile", () => clearedPage.evaluate(([u, t]) => (window as unknown as { bench: Bench }).bench.reconcile(u, t), [sim.url, sim.adminToken] as const));
  await page.close();
  const parts = (r: ReconcileResult) => `mirror ${Math.round(r.parts.mirror)} + fold ${Math.round(r.parts.fold)} ms, after opening the database in ${Math.round(r.parts.open)} ms`;
  verbose(`second profile: ${Math.round(cleared.ms)} ms (${parts(cleared)}), ${cleared.verified} proven shown, mirror ${cleared.mirrorState}`);
  if (cleared.verified !== seeded.verified) throw new Error(`the second profile shows ${cleared.verified} proofs, the first ${seeded.verified}`);

  page = await harnessPage(first);
  const incrementalPage = page;
  const incremental = await step(page, "incremental", () => incrementalPage.evaluate(([u, t]) => (window as unknown as { bench: Bench }).bench.reconcile(u, t), [sim.url, sim.adminToken] as const));
  await page.close();
  verbose(`incremental: ${parts(incremental)}`);

  const panel = await first.newPage();
  await panel.goto(`${sim.url}/#url=${encodeURIComponent(sim.url)}&token=${encodeURIComponent(sim.adminToken)}`);
  // Painted with key generations: the table's badges (shown once the registry knows the instance).
  const firstPaint = await panel.waitForFunction(
    () => {
      const main = document.querySelector("backup-keyring-panel")?.shadowRoot?.querySelector("bk-keyring-panel-main");
      return main?.shadowRoot?.querySelector("bk-backup-table")?.shadowRoot?.querySelector(".badge") ? performance.now() : false;
    },
    undefined,
    { polling: "raf", timeout: 120_000 },
  );
  const firstPaintMs = (await firstPaint.jsonValue()) as number;
  await first.close();
  await second.close();
  const ms = (x: number) => Math.round(x);
  console.log(
    `registry: backups=${seeded.backups} copies=${seeded.copies} generations=${seeded.generations} first_reconcile_ms=${ms(Math.max(seeded.firstDeviceMs, cleared.ms))} incremental_ms=${ms(incremental.ms)} first_paint_ms=${ms(firstPaintMs)} mirror_bytes=${seeded.mirrorBytes}`,
  );
} finally {
  await browser.close();
  await sim.close();
}
