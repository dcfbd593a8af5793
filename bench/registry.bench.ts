// The registry at scale, in Chromium against the simulated HA (real IndexedDB, the real panel
// bundle): 10 000 backups, each on three encrypted locations, made under 50 key generations.
// Prints one line:
//   registry: backups=N copies=N generations=N first_reconcile_ms=X incremental_ms=X first_paint_ms=X mirror_bytes=N
// Each figure is the median of BENCH_REPEAT runs (default 5): the machine is shared.
// first_reconcile_ms: the first device's first reconciliation, with HA's answer already received
//   (the list's transfer is HA's cost), in a registry just opened on a fresh page that knows the 50
//   generations but no copy (opening the database is the page's, before it paints): the mirror
//   read (HA holds none yet) and the fold of 30 000 new copies;
// incremental_ms: the same on a freshly opened page of that profile with nothing changed (the
//   mirror read finds nothing new);
// first_paint_ms: from navigating to the panel until its table shows key generations, with the
//   registry already populated, for a returning user (the panel was opened once before in this
//   profile), connecting and HA's answers included;
// mirror_bytes: what a reader of the mirror downloads from HA (the JSON values of the manifest
//   and the parts it names), with a third of the copies proven and a History entry per proof.
// With BENCH_VERBOSE, also: a second browser profile's first reconciliation (empty IndexedDB: it
//   reads that mirror, adopts its salt, merges every fact and folds HA's list), the parts of each
//   figure, the paint's timeline, and how long a proof in one profile takes to show in another
//   profile's open page.
// Options (environment): BENCH_BACKUPS (default 10000), BENCH_GENERATIONS (default 50),
// BENCH_REPEAT, BENCH_VERBOSE, BENCH_PROFILE=DIR (a Chromium CPU profile of each step,
// `<step>.cpuprofile`, for DevTools).
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { BrowserContext, Page } from "playwright-core";
import { Worker } from "node:worker_threads";
import { launchChromium } from "../test/support/chromium.js";
import type { ReconcileResult, SeedResult } from "./registry-harness.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const backups = Number(process.env.BENCH_BACKUPS ?? 10_000);
const generations = Number(process.env.BENCH_GENERATIONS ?? 50);
const verbose = (s: string) => process.env.BENCH_VERBOSE && console.error(s);

const rollup = spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
if (rollup.status !== 0) process.exit(1);
const harness = await build({ entryPoints: [`${root}bench/registry-harness.ts`], bundle: true, format: "esm", target: "es2022", write: false, logLevel: "error" });
const harnessJs = harness.outputFiles[0]!.text;

// The simulated HA runs in a worker thread (`registry-sim-thread.ts`, started by `registry-sim-worker.mjs`).
const simThread = new Worker(new URL("./registry-sim-worker.mjs", import.meta.url), { workerData: { backups, generations, root } });
const { url, adminToken, keys, slices } = await new Promise<{ url: string; adminToken: string; keys: string[]; slices: { from: number; to: number }[] }>((resolve, reject) => {
  simThread.once("message", resolve);
  simThread.once("error", reject);
});
const sim = {
  url,
  adminToken,
  close: async () => {
    const closed = new Promise((resolve) => simThread.once("message", resolve));
    simThread.postMessage("close");
    await closed;
    await simThread.terminate();
  },
};
const browser = await launchChromium();

type Bench = {
  seed(u: string, t: string, k: string[], s: { from: number; to: number }[], db?: string): Promise<SeedResult>;
  reconcile(u: string, t: string): Promise<ReconcileResult>;
  watch(u: string, t: string, backupId: string, agentId: string): Promise<number>;
  proveOne(u: string, t: string): Promise<{ at: number; backupId: string; agentId: string }>;
};

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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 5));

try {
  const first = await browser.newContext();
  const firstDevice: number[] = [];
  // The first device's reconciliation, repeated in databases of its own (HA's mirror stays empty).
  for (let i = 1; i < repeat; i++) {
    const page = await harnessPage(first);
    const r = await step(page, `first-device-${i}`, () =>
      page.evaluate(([u, t, k, s, d]) => (window as unknown as { bench: Bench }).bench.seed(u, t, k, s, d), [sim.url, sim.adminToken, keys, slices, `bench-first-${i}`] as const),
    );
    firstDevice.push(r.firstDeviceMs);
    await page.close();
  }
  let page = await harnessPage(first);
  const seedPage = page;
  const seeded = await step(page, "seed", () => seedPage.evaluate(([u, t, k, s]) => (window as unknown as { bench: Bench }).bench.seed(u, t, k, s), [sim.url, sim.adminToken, keys, slices] as const));
  await page.close();
  firstDevice.push(seeded.firstDeviceMs);
  verbose(
    `first device: ${firstDevice.map(Math.round).join(", ")} ms; whole mirror written in ${Math.round(seeded.firstWriteMs)} ms; ${seeded.verified} copies proven, ${seeded.journal} History entries; HA's answer ${Math.round(seeded.fetchMs)} ms; HA stores ${seeded.mirrorStoredBytes} bytes (both slots)`,
  );

  const parts = (r: ReconcileResult) => `mirror ${Math.round(r.parts.mirror)} + fold ${Math.round(r.parts.fold)} (open ${Math.round(r.parts.open)})`;
  const second: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const context = await browser.newContext();
    page = await harnessPage(context);
    const clearedPage = page;
    const cleared = await step(page, `second-profile-${i}`, () => clearedPage.evaluate(([u, t]) => (window as unknown as { bench: Bench }).bench.reconcile(u, t), [sim.url, sim.adminToken] as const));
    await context.close();
    if (cleared.verified !== seeded.verified) throw new Error(`the second profile shows ${cleared.verified} proofs, the first ${seeded.verified}`);
    second.push(cleared.ms);
    verbose(`second profile: ${Math.round(cleared.ms)} ms (${parts(cleared)}), ${cleared.verified} proven shown, mirror ${cleared.mirrorState}`);
  }

  const incremental: number[] = [];
  for (let i = 0; i < repeat; i++) {
    page = await harnessPage(first);
    const incrementalPage = page;
    const r = await step(page, `incremental-${i}`, () => incrementalPage.evaluate(([u, t]) => (window as unknown as { bench: Bench }).bench.reconcile(u, t), [sim.url, sim.adminToken] as const));
    await page.close();
    incremental.push(r.ms);
    verbose(`incremental: ${Math.round(r.ms)} ms (${parts(r)})`);
  }

  // A returning user's visit: the panel was opened once before in this profile (that visit also
  // reconciles and leaves the browser's caches as any earlier visit would).
  const firstPaint: number[] = [];
  for (let i = 0; i <= repeat; i++) {
    const panel = await first.newPage();
    if (process.env.BENCH_VERBOSE) {
      // When each WebSocket message went out or came in, from navigation (for the paint's breakdown).
      await panel.addInitScript(() => {
        const log: string[] = ((window as unknown as { __ws: string[] }).__ws = []);
        const Native = window.WebSocket;
        window.WebSocket = class extends Native {
          constructor(...args: ConstructorParameters<typeof WebSocket>) {
            super(...args);
            this.addEventListener("message", (e) => log.push(`${Math.round(performance.now())} ms in ${String(e.data).length} B`));
          }
          override send(data: string) {
            log.push(`${Math.round(performance.now())} ms out ${/"type":"([^"]+)"/.exec(String(data))?.[1] ?? "?"}`);
            super.send(data);
          }
        };
      });
    }
    const profile = process.env.BENCH_PROFILE && i > 0 ? await first.newCDPSession(panel) : null;
    if (profile) {
      await profile.send("Profiler.enable");
      await profile.send("Profiler.setSamplingInterval", { interval: 100 });
      await profile.send("Profiler.start");
    }
    await panel.goto(`${sim.url}/#url=${encodeURIComponent(sim.url)}&token=${encodeURIComponent(sim.adminToken)}`);
    // Painted with key generations: the table's badges (shown once the registry knows the instance).
    const painted = await panel.waitForFunction(
      () => {
        const main = document.querySelector("backup-keyring-panel")?.shadowRoot?.querySelector("bk-keyring-panel-main");
        return main?.shadowRoot?.querySelector("bk-backup-table")?.shadowRoot?.querySelector(".badge") ? performance.now() : false;
      },
      undefined,
      { polling: "raf", timeout: 120_000 },
    );
    const at = (await painted.jsonValue()) as number;
    if (profile) writeFileSync(`${process.env.BENCH_PROFILE}/first-paint-${i}.cpuprofile`, JSON.stringify((await profile.send("Profiler.stop")).profile));
    if (process.env.BENCH_VERBOSE) {
      const resources = await panel.evaluate(() =>
        performance.getEntriesByType("resource").map((e) => `${e.name.split("/").pop()} ${Math.round(e.startTime)}–${Math.round((e as PerformanceResourceTiming).responseEnd)} ms`),
      );
      verbose(`${i === 0 ? "warm-up visit" : "first paint"} at ${Math.round(at)} ms; loaded: ${resources.join(", ")}`);
      verbose(`  WebSocket: ${(await panel.evaluate(() => (window as unknown as { __ws: string[] }).__ws)).slice(0, 14).join("; ")}`);
    }
    // Each visit ends as a user leaves: after its reconciliation (and its mirror write), so the
    // next one starts from a settled registry. The background check of local copies that the
    // visit started (HA reads each of up to 10 000 local backups) is cut off by leaving, as a
    // user's would be; what it proved until then stays.
    await panel.waitForFunction(
      () => (document.querySelector("backup-keyring-panel")?.shadowRoot?.querySelector("bk-keyring-panel-main") as unknown as { reconciled?: Promise<void> })?.reconciled?.then(() => true),
      undefined,
      { timeout: 120_000 },
    );
    await panel.close();
    if (i > 0) firstPaint.push(at);
  }
  if (process.env.BENCH_VERBOSE) {
    // Live: a proof in the first profile, shown by a second profile's open page (real debounce).
    const a = await harnessPage(first);
    const target = await a.evaluate(([u, t]) => (window as unknown as { bench: Bench }).bench.proveOne(u, t), [sim.url, sim.adminToken] as const);
    const context = await browser.newContext();
    const b = await harnessPage(context);
    const seen = b.evaluate(([u, t, id, agent]) => (window as unknown as { bench: Bench }).bench.watch(u, t, id, agent), [sim.url, sim.adminToken, target.backupId, target.agentId] as const);
    await b.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true, undefined, { timeout: 120_000 });
    await a.evaluate(() => ((window as unknown as { benchProveNow: boolean }).benchProveNow = true));
    const proved = await a.evaluate(([u, t]) => (window as unknown as { bench: Bench }).bench.proveOne(u, t), [sim.url, sim.adminToken] as const);
    verbose(`a proof in one profile shown by another's open page after ${(await seen) - proved.at} ms`);
    await context.close();
    await a.close();
  }
  await first.close();
  const ms = (x: number) => Math.round(x);
  verbose(`medians of ${repeat}: first device ${ms(median(firstDevice))} ms, second profile ${ms(median(second))} ms`);
  console.log(
    `registry: backups=${seeded.backups} copies=${seeded.copies} generations=${seeded.generations} first_reconcile_ms=${ms(median(firstDevice))} incremental_ms=${ms(median(incremental))} first_paint_ms=${ms(median(firstPaint))} mirror_bytes=${seeded.mirrorBytes}`,
  );
} finally {
  await browser.close();
  await sim.close();
}
