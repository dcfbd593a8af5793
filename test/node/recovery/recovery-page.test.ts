// The offline recovery page (dist/backup-keyring-recovery.html) in Chromium, opened from file://
// with the network off: load a kit, drop backups, see which key opens which, decrypt to a download
// and pull one file out. The page is copied alone into an empty folder first (as onto a USB stick),
// so it cannot lean on a sibling file; every request that is not the page itself fails and is recorded.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { bytesSource } from "../../../src/common/byte-source.js";
import { generateEncryptionKey } from "../../../src/keys/generate.js";
import { renderEmergencyKit } from "../../../src/kit/render.js";
import { walkTar } from "../../../src/tar/reader.js";
import { launchChromium } from "../../support/chromium.js";
import { sampleKitFacts } from "../../support/kit-facts.js";
import { generateBackup } from "../../support/recovery-backups.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const built = join(root, "dist", "backup-keyring-recovery.html");
let dir: string;
/** The page alone in an empty folder. */
let page: string;
let browser: Browser;

async function members(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const src = bytesSource(bytes);
  const out = new Map<string, Uint8Array>();
  for await (const e of walkTar(src)) out.set(e.name, (await src.read(e.dataOffset, e.size)).slice());
  return out;
}

before(async () => {
  if (!existsSync(built)) {
    const r = spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  }
  dir = mkdtempSync(join(tmpdir(), "bk-recovery-page-"));
  const stick = mkdtempSync(join(tmpdir(), "bk-recovery-stick-"));
  page = join(stick, "backup-keyring-recovery.html");
  copyFileSync(built, page);
  assert.deepEqual(readdirSync(stick), ["backup-keyring-recovery.html"]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
  if (page) rmSync(join(page, ".."), { recursive: true, force: true });
});

describe("offline recovery page", () => {
  it("opens from file:// offline: kit → which key opens which → decrypt and extract, no request leaves", async () => {
    const key = generateEncryptionKey();
    const kitPath = join(dir, "kit.txt");
    writeFileSync(kitPath, renderEmergencyKit(sampleKitFacts({ key, generation: { number: 2, fingerprint: "ABCD-EF01-2345", startedAt: "2025-01-15T14:05:00Z" } })));
    const mine = await generateBackup({ "homeassistant.tar.gz": "v3", "share.tar.gz": "v3" }, key, { bigBytes: 1024 * 1024 + 77 });
    const minePath = join(dir, "mine.tar");
    writeFileSync(minePath, mine.tar);
    const otherPath = join(dir, "other.tar");
    writeFileSync(otherPath, (await generateBackup({ "homeassistant.tar.gz": "v2" }, "someone else's", { bigBytes: 1000 })).tar);
    // A legacy password shaped like a loosely typed generated key: tried exactly as typed first.
    const legacy = "abcd efgh ijkl mnop qrst uvwx yz12";
    const legacyPath = join(dir, "legacy.tar");
    writeFileSync(legacyPath, (await generateBackup({ "homeassistant.tar.gz": "v2" }, legacy, { bigBytes: 1000 })).tar);

    const context = await browser.newContext({ offline: true, acceptDownloads: true });
    const external: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url === pathToFileURL(page).href) return route.continue();
      external.push(url);
      return route.abort();
    });
    // Force the Blob download path: the native save dialog cannot be driven headless.
    await context.addInitScript(() => delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker);
    try {
      const tab = await context.newPage();
      await tab.goto(pathToFileURL(page).href);
      await tab.locator("[data-testid=kits]").setInputFiles(kitPath);
      await tab.getByText("1 key loaded").waitFor();
      await tab.locator("[data-testid=backups]").setInputFiles([minePath, otherPath]);
      await tab.getByText("opens with key 1 (kit.txt)").waitFor();
      await tab.getByText("none of the loaded keys opens it").waitFor();
      // How to restore each file: HA's "another key" step names the kit file that opened it.
      const guidance = (file: string) => tab.getByRole("listitem").filter({ hasText: file }).getByTestId("guidance");
      await guidance("mine.tar").getByText("another key: use the key from the kit of generation 2, file name kit.txt.").waitFor();
      assert.equal(await guidance("mine.tar").locator("code").first().textContent(), "kit.txt");
      await guidance("other.tar")
        .getByText(/not known yet/)
        .waitFor();
      await guidance("other.tar")
        .getByText(/Load more emergency kits above/)
        .waitFor();

      await tab.locator("[data-testid=backups]").setInputFiles(legacyPath);
      const legacyRow = tab.getByRole("listitem").filter({ hasText: "legacy.tar" });
      await legacyRow.getByText("none of the loaded keys opens it").waitFor();
      await tab.getByRole("textbox", { name: "Another key or password" }).fill(legacy);
      await tab.getByRole("button", { name: "Try this key" }).click();
      await tab.getByText("2 keys loaded").waitFor();
      await legacyRow.getByText("opens with key 2").waitFor();

      await tab.getByRole("listitem").filter({ hasText: "mine.tar" }).getByRole("button", { name: "Open this backup" }).click();
      const [download] = await Promise.all([tab.waitForEvent("download"), tab.getByRole("button", { name: "Decrypt and save…" }).click()]);
      assert.equal(download.suggestedFilename(), "mine-decrypted.tar");
      const saved = join(dir, "saved.tar");
      await download.saveAs(saved);
      await tab.getByText(/Saved an unencrypted copy: mine-decrypted\.tar/).waitFor();
      const got = await members(readFileSync(saved));
      assert.equal(JSON.parse(Buffer.from(got.get("./backup.json")!).toString()).protected, false);
      for (const [name, plain] of mine.plain) assert.ok(Buffer.from(plain).equals(Buffer.from(got.get(name)!)), name);

      await tab.getByRole("button", { name: "Show files inside" }).click();
      const row = tab.getByRole("listitem").filter({ hasText: "homeassistant/data/configuration.yaml" });
      const [file] = await Promise.all([tab.waitForEvent("download"), row.getByRole("button", { name: "Save" }).click()]);
      assert.equal(file.suggestedFilename(), "configuration.yaml");
      const fileOut = join(dir, "configuration.yaml");
      await file.saveAs(fileOut);
      assert.deepEqual(readFileSync(fileOut), Buffer.from(mine.files.get("configuration.yaml")!));
      assert.deepEqual(external, []);
    } finally {
      await context.close();
    }
  });

  it("the panel's download works from the .js files alone (a HACS install): its chunk holds the page byte for byte, which runs offline", async () => {
    const hacs = mkdtempSync(join(tmpdir(), "bk-hacs-"));
    const saved = mkdtempSync(join(tmpdir(), "bk-downloaded-"));
    try {
      for (const f of readdirSync(join(root, "dist")).filter((f) => f.endsWith(".js"))) copyFileSync(join(root, "dist", f), join(hacs, f));
      const chunks = readdirSync(hacs).filter((f) => f.startsWith("backup-keyring-recovery-page-html-"));
      assert.equal(chunks.length, 1, "one chunk carries the page");
      const mod = (await import(pathToFileURL(join(hacs, chunks[0]!)).href)) as { RECOVERY_PAGE_FILE: string; RECOVERY_PAGE_HTML: string };
      assert.equal(mod.RECOVERY_PAGE_FILE, "backup-keyring-recovery.html");
      // What the panel hands to the download, encoded as the Blob does (UTF-8).
      const downloaded = Buffer.from(mod.RECOVERY_PAGE_HTML, "utf8");
      assert.ok(downloaded.equals(readFileSync(built)), "byte-identical to dist/backup-keyring-recovery.html");
      // The panel's own chunk imports that chunk, not a URL of the .html file.
      const panelChunk = readdirSync(hacs).find((f) => f.startsWith("backup-keyring-backup-keyring-panel-"))!;
      assert.match(readFileSync(join(hacs, panelChunk), "utf8"), new RegExp(chunks[0]!.replace(/[.-]/g, "\\$&")));
      const page = join(saved, mod.RECOVERY_PAGE_FILE);
      writeFileSync(page, downloaded);
      const context = await browser.newContext({ offline: true });
      const external: string[] = [];
      await context.route("**/*", (route) => {
        if (route.request().url() === pathToFileURL(page).href) return route.continue();
        external.push(route.request().url());
        return route.abort();
      });
      try {
        const tab = await context.newPage();
        await tab.goto(pathToFileURL(page).href);
        await tab.getByRole("heading", { name: "Backup Keyring — offline recovery" }).waitFor();
        await tab.getByText("0 keys loaded").waitFor();
        assert.deepEqual(external, []);
      } finally {
        await context.close();
      }
    } finally {
      rmSync(hacs, { recursive: true, force: true });
      rmSync(saved, { recursive: true, force: true });
    }
  });
});
