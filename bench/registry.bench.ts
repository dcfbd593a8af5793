// The registry at scale, in Chromium against the simulated HA (real IndexedDB, the real panel
// bundle): 10 000 backups on three locations and 50 key generations. Prints one line:
//   registry: backups=N copies=N generations=N first_reconcile_ms=X incremental_ms=X first_paint_ms=X mirror_bytes=N
// first_reconcile_ms: folding HA's list into a registry that knows the 50 generations but no copy
//   yet (HA's answer already received: the list's transfer is HA's cost, not the registry's);
// incremental_ms: the same with nothing changed;
// first_paint_ms: from navigating to the panel until its table shows key generations, with the
//   registry already populated (connecting and HA's answers included);
// mirror_bytes: what the mirror stores in HA (the JSON values of its manifest and parts).
// The simulated HA is dated March 2026 so its backups are SecureTar v2: building 10 000 real v3
// backups (one Argon2id each) would take the simulator some twenty minutes.
// Options (environment): BENCH_BACKUPS (default 10000), BENCH_GENERATIONS (default 50).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { startSimulatedHA } from "../src/sim/main.js";
import { launchChromium } from "../test/support/chromium.js";
import type { HarnessResult } from "./registry-harness.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const backups = Number(process.env.BENCH_BACKUPS ?? 10_000);
const generations = Number(process.env.BENCH_GENERATIONS ?? 50);

const rollup = spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
if (rollup.status !== 0) process.exit(1);
const harness = await build({ entryPoints: [`${root}bench/registry-harness.ts`], bundle: true, format: "esm", target: "es2022", write: false, logLevel: "error" });
const harnessJs = harness.outputFiles[0]!.text;

const sim = await startSimulatedHA({ port: 0, serve: root, backups, now: "2026-03-01T12:00:00Z", stageDelayMs: 0 });
const browser = await launchChromium();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (process.env.BENCH_VERBOSE) page.on("console", (m) => console.error(`[page] ${m.text()}`));
  // Any page of the simulated HA's origin (here its 404) shares the panel's IndexedDB; the
  // harness is injected into it from memory, so nothing is written to dist/.
  await page.goto(`${sim.url}/__bench`);
  await page.addScriptTag({ content: harnessJs, type: "module" });
  await page.waitForFunction(() => "benchRegistry" in window);
  const r = await page.evaluate(
    ([url, token, n]) => (window as unknown as { benchRegistry(u: string, t: string, n: number): Promise<HarnessResult> }).benchRegistry(url, token, n),
    [sim.url, sim.adminToken, generations] as const,
  );
  await page.close();

  const panel = await context.newPage();
  await panel.goto(`${sim.url}/#url=${encodeURIComponent(sim.url)}&token=${encodeURIComponent(sim.adminToken)}`);
  // Painted with key generations: the table's key column is there (it shows only once the registry knows the instance).
  const firstPaint = await panel.waitForFunction(
    () => {
      const panel = document.querySelector("backup-keyring-panel")?.shadowRoot?.querySelector("bk-keyring-panel-main");
      const table = panel?.shadowRoot?.querySelector("bk-backup-table");
      return table?.shadowRoot?.querySelector(".badge") ? performance.now() : false;
    },
    undefined,
    { polling: "raf", timeout: 120_000 },
  );
  const firstPaintMs = (await firstPaint.jsonValue()) as number;
  await context.close();
  const ms = (x: number) => Math.round(x);
  console.log(
    `registry: backups=${r.backups} copies=${r.copies} generations=${r.generations} first_reconcile_ms=${ms(r.firstReconcileMs)} incremental_ms=${ms(r.incrementalMs)} first_paint_ms=${ms(firstPaintMs)} mirror_bytes=${r.mirrorBytes}`,
  );
  if (process.env.BENCH_VERBOSE) console.error(`(backup/info+config+core fetch: ${ms(r.fetchMs)} ms; mirror ${r.mirrorState})`);
} finally {
  await browser.close();
  await sim.close();
}
