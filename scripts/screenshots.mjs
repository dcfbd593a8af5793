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
  { file: "panel-desktop-light.png", viewport: { width: 1280, height: 900 }, scheme: "light", card: "card-light.png" },
  { file: "panel-desktop-dark.png", viewport: { width: 1280, height: 900 }, scheme: "dark", card: "card-dark.png" },
  { file: "panel-desktop-full.png", viewport: { width: 1280, height: 900 }, scheme: "light", fullPage: true },
  { file: "panel-phone.png", viewport: { width: 390, height: 844 }, scheme: "light" },
];
for (const s of shots) {
  const page = await browser.newPage({ viewport: s.viewport, colorScheme: s.scheme });
  await page.goto(demo);
  await page.locator("backup-keyring-panel [data-testid=instance]").waitFor();
  await page.locator("backup-keyring-panel bk-keyring-overview").waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, s.file), fullPage: s.fullPage ?? false });
  console.log(`docs/screenshots/${s.file}`);
  if (s.card) {
    // The card as on a dashboard: HA gives it `hass`; here it borrows the panel's connection.
    await page.evaluate(
      ({ url }) => {
        const panel = document.querySelector("backup-keyring-panel");
        const wrap = document.createElement("div");
        wrap.style.cssText = "position:fixed;inset:0;z-index:10;padding:24px;background:var(--primary-background-color)";
        const inner = document.createElement("div");
        inner.style.width = "420px";
        const card = document.createElement("backup-keyring-card");
        card.setConfig({ type: "custom:backup-keyring-card" });
        card.hass = { connection: panel.conn, language: "en", user: { is_admin: true }, auth: { data: { hassUrl: url } } };
        inner.append(card);
        wrap.append(inner);
        document.body.append(wrap);
      },
      { url: sim.url },
    );
    await page.locator("backup-keyring-card [data-testid=status]").waitFor();
    await page.waitForTimeout(300);
    await page.locator("backup-keyring-card").screenshot({ path: join(out, s.card) });
    console.log(`docs/screenshots/${s.card}`);
  }
  await page.close();
}
await browser.close();
await sim.close();
