#!/usr/bin/env node
// `npm run screenshots`: starts the demo's simulated HA and takes the README's pictures of the
// panel (desktop and phone, light and dark), the key-change dialog on a phone, and the card (alone,
// and in a section's 12-column grid at the size its getGridOptions asks for) into docs/screenshots/.
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
/**
 * The card as on a dashboard, over the panel: HA gives it `hass`; here it borrows the real panel's
 * connection (the panel sits inside the shim). `inSection`: in a section's 12-column grid, spanning
 * the columns its getGridOptions asks for; otherwise 420 px wide.
 */
function showCard(page, inSection) {
  return page.evaluate(
    ({ url, inSection }) => {
      const panel = document.querySelector("backup-keyring-panel").shadowRoot.querySelector("bk-keyring-panel-main");
      const wrap = document.createElement("div");
      wrap.style.cssText = "position:fixed;inset:0;z-index:10;padding:24px;background:var(--primary-background-color)";
      const holder = document.createElement("div");
      holder.id = "section";
      holder.style.cssText = inSection ? "display:grid;grid-template-columns:repeat(12,1fr);gap:8px;width:560px;align-items:start" : "width:420px";
      const card = document.createElement("backup-keyring-card");
      card.setConfig(inSection ? { type: "custom:backup-keyring-card", grid_options: { columns: 6, rows: "auto" } } : { type: "custom:backup-keyring-card" });
      card.hass = { connection: panel.conn, language: "en", user: { is_admin: true }, auth: { data: { hassUrl: url } } };
      if (inSection) card.style.gridColumn = `span ${card.getGridOptions().columns}`;
      holder.append(card);
      wrap.append(holder);
      document.body.append(wrap);
    },
    { url: sim.url, inSection },
  );
}

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
    await showCard(page, false);
    await page.locator("backup-keyring-card [data-testid=status]").waitFor();
    await page.waitForTimeout(300);
    await page.locator("backup-keyring-card").screenshot({ path: join(out, s.card) });
    console.log(`docs/screenshots/${s.card}`);
  }
  await page.close();
}

{
  // The key-change dialog on a phone, at its new-key step (the old kit saved first, as a user does).
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: "light", acceptDownloads: true });
  await page.goto(demo);
  await page.locator("backup-keyring-panel bk-keyring-overview").waitFor();
  await page.getByRole("button", { name: "Change encryption key…" }).click();
  const dialog = page.locator("bk-key-change-dialog dialog");
  await dialog.waitFor();
  const saved = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download old emergency kit" }).click();
  await saved;
  await dialog.locator("input[type=checkbox]").check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText("New encryption key").first().waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, "key-change-phone.png") });
  console.log("docs/screenshots/key-change-phone.png");
  await page.close();
}

{
  // The card in a section of a sections dashboard: HA's 12-column grid, the card spanning the
  // columns its getGridOptions asks for, beside another card's space.
  const page = await browser.newPage({ viewport: { width: 1280, height: 700 }, colorScheme: "light" });
  await page.goto(demo);
  await page.locator("backup-keyring-panel bk-keyring-overview").waitFor();
  await showCard(page, true);
  await page.locator("backup-keyring-card [data-testid=status]").waitFor();
  await page.waitForTimeout(300);
  await page.locator("#section").screenshot({ path: join(out, "card-sections.png") });
  console.log("docs/screenshots/card-sections.png");
  await page.close();
}
await browser.close();
await sim.close();
