// `npm start` end to end: the demo comes up on a free port, the page shows the simulated HA's
// backups in Chromium, and Ctrl-C stops it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { freePort, launchChromium } from "../support/chromium.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("npm start serves a working demo and stops on SIGINT", { timeout: 120_000 }, async (t) => {
  const port = await freePort();
  // Its own process group: `npm start` runs the simulated HA as a child that shares our stderr
  // pipe, so ending only start.mjs would leave the server running and this file open until its
  // timeout. After a failed assertion the whole group is ended.
  const child = spawn(process.execPath, ["scripts/start.mjs", "--port", String(port)], { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true });
  t.after(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // The group has already ended.
    }
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no demo URL printed:\n${output}`)), 90_000);
    child.stdout.on("data", (c) => {
      output += String(c);
      const m = /Backup Keyring demo: (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`start exited early (${code}):\n${output}`));
    });
  });
  assert.ok(url.startsWith(`http://127.0.0.1:${port}/#`), url);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    // Every request the demo makes is answered (a 404, e.g. for /favicon.ico, looks like a fault).
    const missing: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) missing.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(url);
    await page.locator("backup-keyring-panel [data-testid=instance]").waitFor({ timeout: 30_000 });
    assert.equal(await page.locator("backup-keyring-panel [data-testid=instance]").textContent(), "Home");
    assert.equal(new URL(page.url()).hash, "", "the token is removed from the address bar");
    await page.getByText(/\d+ copies/).waitFor();
    // Waited for, not sampled: under load the table may still be re-rendering after the first fold.
    await page.getByText("Unencrypted").first().waitFor({ state: "visible" });
    assert.deepEqual(missing, []);
    // Headless Chromium asks for no favicon, a desktop browser does: the page must declare one that loads.
    const icon = await page.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel~="icon"]')?.href;
      return href ? ((await fetch(href)).ok ? "ok" : "missing") : "none";
    });
    assert.equal(icon, "ok");
    // The kits open beside the demo: the demo stays signed in (its token was read once from the address).
    const [kits] = await Promise.all([page.context().waitForEvent("page"), page.click('a[href="/demo/kits/"]')]);
    await kits.waitForLoadState();
    assert.equal(new URL(kits.url()).pathname, "/demo/kits/");
    assert.equal(await kits.locator('a[href$=".txt"]').count(), 3);
    await kits.close();
    assert.equal(await page.locator("backup-keyring-panel [data-testid=instance]").textContent(), "Home", "the demo is still connected");
    // On a phone the link to the demo's kits is there and covers none of the panel, scrolled anywhere.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const scroll of [0, 100_000]) {
      await page.evaluate((y) => window.scrollTo(0, y), scroll);
      const boxes = await page.evaluate(() => {
        const link = document.querySelector('a[href="/demo/kits/"]')!.getBoundingClientRect();
        const panel = document.querySelector("backup-keyring-panel")!.getBoundingClientRect();
        const overlap = Math.min(link.bottom, panel.bottom) - Math.max(link.top, panel.top);
        return { linkHeight: link.height, overlap };
      });
      assert.ok(boxes.linkHeight > 0, "the demo kits link is shown");
      assert.ok(boxes.overlap <= 0, `the demo kits link covers the panel (scrolled to ${scroll})`);
    }
  } finally {
    await browser.close();
  }
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  child.kill("SIGINT");
  assert.equal(await exited, 0);
});
