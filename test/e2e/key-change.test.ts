// The key change end to end, as a user does it: the demo page in Chromium against the simulated
// HA, through the real panel and dialog, with both kits really downloaded and the new one loaded
// back as the proof. Afterwards HA holds the new key and a fresh backup opens with it.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import type { Browser, Download } from "playwright-core";
import { parseEmergencyKit } from "../../src/kit/parse.js";
import { startSimulatedHA, type SimHandle } from "../../src/sim/main.js";
import { launchChromium } from "../support/chromium.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let sim: SimHandle;
let browser: Browser;

before(async () => {
  sim = await startSimulatedHA({ port: 0, serve: root, backups: 8, now: "2026-11-27T12:00:00Z", stageDelayMs: 20 });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await sim?.close();
});

const haKey = async () => ((await sim.control({ type: "get_state" })) as { config: { create_backup: { password: string } } }).config.create_backup.password;

test("change the encryption key through the panel, with both kits downloaded and the new one proven", { timeout: 180_000 }, async (t) => {
  const oldKey = await haKey();
  const context = await browser.newContext({ acceptDownloads: true });
  // Closed also after a failed assertion (the browser itself is closed in `after`).
  t.after(() => context.close().catch(() => undefined));
  const page = await context.newPage();
  const downloads: Download[] = [];
  page.on("download", (d) => downloads.push(d));
  await page.goto(`${sim.url}/#url=${encodeURIComponent(sim.url)}&token=${encodeURIComponent(sim.adminToken)}`);
  await page.locator("backup-keyring-panel [data-testid=instance]").waitFor({ timeout: 60_000 });

  // The registry has folded HA's state in once the overview names the current generation.
  await page.getByText("Generation 1").first().waitFor({ timeout: 60_000 });
  await page.getByRole("button", { name: "Change encryption key…" }).click();
  const dialog = page.locator("bk-key-change-dialog dialog");
  await dialog.getByRole("heading", { name: "Save current encryption key" }).waitFor();

  // Step 1: the old kit must be downloaded and its storage acknowledged.
  const next = dialog.getByRole("button", { name: "Next" });
  assert.equal(await next.isDisabled(), true);
  await dialog.getByRole("button", { name: "Download old emergency kit" }).click();
  await page.waitForEvent("download").catch(() => undefined);
  for (let i = 0; i < 50 && downloads.length < 1; i++) await page.waitForTimeout(100);
  const oldKitText = await readFile((await downloads[0]!.path())!, "utf8");
  assert.equal(parseEmergencyKit(oldKitText).key, oldKey, "the old kit holds HA's current key");
  assert.match(downloads[0]!.suggestedFilename(), /^home_assistant_backup_emergency_kit_home_\d{4}-\d{2}-\d{2}_gen1\.txt$/);
  await dialog.getByRole("checkbox").check();
  await next.click();

  // Step 2: the new key, its kit, and the proof.
  await dialog.getByRole("heading", { name: "New encryption key" }).waitFor();
  const commit = dialog.getByRole("button", { name: "Change encryption key" });
  assert.equal(await commit.isDisabled(), true, "no commit before the kit is saved and proven");
  assert.ok(!(await dialog.textContent())!.match(/[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/), "the new key is masked");
  await dialog.getByRole("button", { name: "Download emergency kit" }).click();
  for (let i = 0; i < 50 && downloads.length < 2; i++) await page.waitForTimeout(100);
  const newKitPath = (await downloads[1]!.path())!;
  const newKey = parseEmergencyKit(await readFile(newKitPath, "utf8")).key;
  assert.notEqual(newKey, oldKey);
  assert.equal(await commit.isDisabled(), true, "downloading alone is no proof");
  await dialog.locator("input[type=file]").setInputFiles(newKitPath);
  await dialog.getByText("Proof accepted").waitFor();
  assert.equal(await haKey(), oldKey, "nothing sent to HA before the commit");

  // Step 3: commit and confirmation.
  await commit.click();
  await dialog.getByRole("heading", { name: "Encryption key changed" }).waitFor({ timeout: 30_000 });
  assert.equal(await haKey(), newKey, "HA has the new key");

  // Step 4: a fresh backup, verified with the new key.
  await dialog.getByRole("button", { name: "Create backup and verify" }).click();
  await dialog.getByText("The new backup opens with the new key").waitFor({ timeout: 60_000 });
  await dialog.getByRole("button", { name: "Done" }).click();
});
