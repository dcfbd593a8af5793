// The registry follows the user: two browser profiles (Playwright contexts, separate IndexedDB,
// told apart in the simulated HA's command log by their User-Agent) against the simulated HA,
// through the real panel, open at the same time. What one proves, the other shows live without
// checking anything itself; a profile whose IndexedDB is deleted gets everything back —
// generations with their kit marks, the journal, and the proofs.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
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

const panelUrl = () => `${sim.url}/#url=${encodeURIComponent(sim.url)}&token=${encodeURIComponent(sim.adminToken)}`;
/** Checks HA was asked for, by the profile whose User-Agent ends in `profile`. */
const checksBy = async (profile: string) =>
  ((await sim.control({ type: "command_log" })) as { type: string; client?: string }[]).filter((c) => c.type === "backup/can_decrypt_on_download" && c.client?.endsWith(profile)).length;

/**
 * Which rows of the panel's table say "proven" (rows in the table's date order), as the user
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
    { timeout: 30_000 },
  );

/** The registry in this profile's IndexedDB: generations with their kit marks, and the journal. */
const stored = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<{ generations: string[]; journal: string[] }>((resolve, reject) => {
        const open = indexedDB.open("backup-keyring");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(["generations", "journal"]);
          const gens = tx.objectStore("generations").getAll();
          const journal = tx.objectStore("journal").getAll();
          tx.oncomplete = () => {
            db.close();
            resolve({
              generations: gens.result.map((g) => [g.id, g.number, g.fingerprint, g.status, g.kitDownloadedAt, g.kitProvenAt].join(" ")).sort(),
              journal: journal.result.map((j) => JSON.stringify([j.at, j.instanceId, j.type, j.params])).sort(),
            });
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );

async function openPanel(page: Page): Promise<void> {
  await page.goto(panelUrl());
  await page.locator("backup-keyring-panel [data-testid=instance]").waitFor({ timeout: 60_000 });
  await page.locator("backup-keyring-panel bk-backup-table .badge").first().waitFor({ timeout: 60_000 });
  await page.locator("backup-keyring-panel [data-testid=mirror]").getByText("also kept in your Home Assistant user profile").waitFor({ timeout: 30_000 });
}

test("two profiles at once: what one proves the other shows live, checking nothing; a deleted IndexedDB gets everything back", { timeout: 240_000 }, async () => {
  const ua = (await browser.newBrowserCDPSession().then((s) => s.send("Browser.getVersion"))).userAgent;
  const first = await browser.newContext({ userAgent: `${ua} profile-a`, acceptDownloads: true });
  const second = await browser.newContext({ userAgent: `${ua} profile-b` });
  try {
    // Profile A opens the panel: it checks the copies on HA's own disk in the background.
    const a = await first.newPage();
    await openPanel(a);
    await a.locator("backup-keyring-panel bk-backup-table .badge", { hasText: "proven" }).first().waitFor({ timeout: 60_000 });
    await a
      .locator("backup-keyring-panel")
      .getByText(/Checking the copies on Home Assistant's own disk/)
      .waitFor({ state: "detached", timeout: 60_000 });
    const localProven = (await badges(a)).filter(Boolean).length;
    assert.ok(localProven > 0, "some local copies opened with the current key");

    // Profile B opens too, while A's panel stays open: it shows A's proofs.
    const b = await second.newPage();
    await openPanel(b);
    await provenShown(b, localProven);

    // A verifies everything and downloads the kit; B shows both live, without reloading.
    await a.getByRole("button", { name: "Verify all backups" }).click();
    await a.getByText(/copies checked/).waitFor({ timeout: 60_000 });
    const proven = (await badges(a)).filter(Boolean).length;
    assert.ok(proven > localProven, "the remote copies were proven too");
    const download = a.waitForEvent("download");
    await a.getByRole("button", { name: "Download emergency kit" }).click();
    await download;
    await provenShown(b, proven);
    assert.deepEqual(await badges(b), await badges(a), "the same copies shown proven in both browsers");
    // The kit mark itself (a plain "Downloaded" would also match "Not downloaded"): once B shows
    // it, A's write with the mark and its History entry has reached HA.
    await b
      .locator("backup-keyring-panel bk-generations-timeline")
      .getByText(/ · Downloaded$/)
      .first()
      .waitFor({ timeout: 30_000 });
    assert.ok((await checksBy("profile-a")) > 0, "A checked");
    assert.equal(await checksBy("profile-b"), 0, "B never asked HA to check anything");

    // A closes (its last write goes out as the page goes away); B loses its site data and comes back.
    await a.close();
    await b.goto(`${sim.url}/__cleared`);
    await b.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const r = indexedDB.deleteDatabase("backup-keyring");
          r.onsuccess = () => resolve();
          r.onerror = () => reject(r.error);
        }),
    );
    await openPanel(b);
    await provenShown(b, proven);
    const aAgain = await first.newPage();
    await aAgain.goto(`${sim.url}/__registry`);
    const inA = await stored(aAgain);
    await aAgain.close();
    const inB = await stored(b);
    assert.deepEqual(inB.generations, inA.generations, "every generation with its kit marks is back");
    assert.ok(inA.journal.length > 0);
    assert.deepEqual(
      inA.journal.filter((j) => !inB.journal.includes(j)),
      [],
      "every journal entry is back",
    );
    assert.equal(await checksBy("profile-b"), 0, "nothing was checked again");
  } finally {
    await first.close();
    await second.close();
  }
});
