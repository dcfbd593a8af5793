// The registry follows the user: two browser profiles (Playwright contexts, separate IndexedDB)
// against the simulated HA, through the real panel. What one proves, the other shows without
// checking anything itself; a profile whose IndexedDB is deleted gets everything back.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { startSimulatedHA, type SimHandle } from "../../src/sim/main.js";
import { MIRROR_KEY } from "../../src/registry/mirror.js";
import { launchChromium } from "../support/chromium.js";
import { connectHA } from "../support/ha-client.js";

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

const panelUrl = () => `${sim.url}/#url=${encodeURIComponent(sim.url)}&token=${encodeURIComponent(sim.adminToken)}`;
const checksSent = async () => ((await sim.control({ type: "command_log" })) as { type: string }[]).filter((c) => c.type === "backup/can_decrypt_on_download").length;

/**
 * Which rows of the panel's table say "verified" (rows in the table's date order), as the user
 * reads them. Guesses are left out: each browser's reconciliation makes its own by date.
 * The page's `backup-keyring-panel` is the shim from main.js; the table is in the real panel it nests.
 */
const badges = (page: Page) =>
  page.evaluate(() => {
    const panel = document.querySelector("backup-keyring-panel")?.shadowRoot?.querySelector("bk-keyring-panel-main");
    const table = panel?.shadowRoot?.querySelector("bk-backup-table");
    return Array.from(table?.shadowRoot?.querySelectorAll(".badge") ?? [], (b) => b.textContent!.trim() === "proven");
  });

/** Resolves when exactly `n` rows of the page's table read "proven". */
const provenShown = (page: Page, n: number) =>
  page.waitForFunction(
    (count) => {
      const panel = document.querySelector("backup-keyring-panel")?.shadowRoot?.querySelector("bk-keyring-panel-main");
      const table = panel?.shadowRoot?.querySelector("bk-backup-table");
      return Array.from(table?.shadowRoot?.querySelectorAll(".badge") ?? []).filter((x) => x.textContent!.trim() === "proven").length === count;
    },
    n,
    { timeout: 15_000 },
  );

async function mirrorSha(): Promise<string | null> {
  const conn = await connectHA(sim.url, sim.adminToken);
  try {
    return (await conn.sendMessagePromise<{ value: { sha256: string } | null }>({ type: "frontend/get_user_data", key: MIRROR_KEY })).value?.sha256 ?? null;
  } finally {
    conn.close();
  }
}

/** Resolves when HA announces a mirror other than `before` (subscribers hear every write). */
async function mirrorChanged(before: string | null): Promise<void> {
  const conn = await connectHA(sim.url, sim.adminToken);
  let unsub: (() => Promise<void>) | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no mirror write")), 30_000);
      void conn
        .subscribeMessage<{ value: { sha256: string } | null }>(
          (ev) => {
            if (ev.value && ev.value.sha256 !== before) {
              clearTimeout(timer);
              resolve();
            }
          },
          { type: "frontend/subscribe_user_data", key: MIRROR_KEY },
        )
        .then((u) => (unsub = u), reject);
    });
  } finally {
    await (unsub as (() => Promise<void>) | null)?.().catch(() => undefined);
    conn.close();
  }
}

async function openPanel(page: Page): Promise<void> {
  await page.goto(panelUrl());
  await page.locator("backup-keyring-panel [data-testid=instance]").waitFor({ timeout: 60_000 });
  await page.locator("backup-keyring-panel bk-backup-table .badge").first().waitFor({ timeout: 60_000 });
}

test("what one browser proves, another shows without verifying; a deleted IndexedDB gets everything back", { timeout: 180_000 }, async () => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  try {
    // Browser one verifies every backup with HA's current key.
    const a = await first.newPage();
    await openPanel(a);
    await a.locator("backup-keyring-panel [data-testid=mirror]").getByText("also kept in your Home Assistant user profile").waitFor({ timeout: 15_000 });
    const before = await mirrorSha();
    await a.getByRole("button", { name: "Verify all backups" }).click();
    await a.getByText(/copies checked/).waitFor({ timeout: 60_000 });
    const proven = (await badges(a)).filter(Boolean).length;
    assert.ok(proven > 0, "some copies opened with the current key");
    // The proofs reach HA with the next (debounced) mirror write.
    await mirrorChanged(before);
    const checks = await checksSent();

    // Browser two: a fresh profile. It shows the same proofs, and checks nothing itself.
    const b = await second.newPage();
    await openPanel(b);
    await provenShown(b, proven);
    assert.deepEqual(await badges(b), await badges(a), "the same copies shown verified in both browsers");
    assert.equal(await checksSent(), checks, "the second browser verified nothing");

    // Browser one loses its site data: everything comes back from HA on the next visit.
    await a.goto(`${sim.url}/__cleared`);
    await a.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const r = indexedDB.deleteDatabase("backup-keyring");
          r.onsuccess = () => resolve();
          r.onerror = () => reject(r.error);
        }),
    );
    await openPanel(a);
    await provenShown(a, proven);
    assert.deepEqual(await badges(a), await badges(b));
    assert.equal(await checksSent(), checks, "nothing was verified again");
  } finally {
    await first.close();
    await second.close();
  }
});
