#!/usr/bin/env node
// `npm run screenshots`: starts the demo's simulated HA and takes the README's pictures of the
// panel (desktop and phone, light and dark) and the card into docs/screenshots/.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium, ensureDependencies } from "./setup.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
ensureDependencies();
const executablePath = ensureChromium();
spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, stdio: "inherit" });
const { chromium } = await import("playwright-core");
const { startSimulatedHA } = await import(join(root, "dist/node/sim.js"));

const out = join(root, "docs", "screenshots");
mkdirSync(out, { recursive: true });
const sim = await startSimulatedHA({ port: 0, serve: root, now: "2026-11-27T12:00:00Z", seed: 1 });
const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const demo = `${sim.url}/#url=${encodeURIComponent(sim.url)}&token=${encodeURIComponent(sim.adminToken)}`;
const shots = [
  { file: "panel-desktop-light.png", viewport: { width: 1280, height: 900 }, scheme: "light" },
  { file: "panel-desktop-dark.png", viewport: { width: 1280, height: 900 }, scheme: "dark" },
  { file: "panel-phone.png", viewport: { width: 390, height: 844 }, scheme: "light" },
];
for (const s of shots) {
  const page = await browser.newPage({ viewport: s.viewport, colorScheme: s.scheme });
  await page.goto(demo);
  await page.locator("backup-keyring-panel [data-testid=instance]").waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, s.file) });
  await page.close();
  console.log(`docs/screenshots/${s.file}`);
}
await browser.close();
await sim.close();
