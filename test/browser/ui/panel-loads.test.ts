// Loads overlap when HA is slow: a load started earlier must never show (or fold into the
// registry) an older picture of HA after a later load showed a newer one.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth } from "home-assistant-js-websocket";
import { fetchBackupInfo } from "../../../src/data/backup.js";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

let panel: BackupKeyringPanel | null = null;
let sim: BrowserSim | null = null;

/** The real panel, standalone against `s`, with a registry of its own. */
async function mountPanel(s: BrowserSim, name: string): Promise<BackupKeyringPanel> {
  const p = document.createElement("backup-keyring-panel");
  panel = p;
  p.standalone = true;
  p.registryName = `bk-${name}-${Date.now()}`;
  document.body.append(p);
  await p.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
  return p;
}

/** A backup made from another connection (HA's own page, say), once HA is idle again with it listed; its id. */
async function backupElsewhere(s: BrowserSim): Promise<string> {
  const other = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
  try {
    const state = async () => (await s.control<{ backups: { backup_id: string; date: string }[] }>({ type: "get_state" })).backups;
    const before = (await state()).length;
    await other.sendMessagePromise({ type: "backup/generate_with_automatic_settings" });
    await waitFor(async () => (await fetchBackupInfo(other)).state === "idle" && (await state()).length === before + 1, "the backup made elsewhere", 30000);
    return (await state()).reduce((a, b) => (a.date > b.date ? a : b)).backup_id;
  } finally {
    other.close();
  }
}

afterEach(async () => {
  panel?.remove();
  panel = null;
  await sim?.stop();
  sim = null;
});

it("a backup that ends while an earlier load waits on HA stays in the table and the registry", async () => {
  const s = await startSim({ backups: 4 });
  sim = s;
  const p = await mountPanel(s, "panel-loads");
  await waitFor(() => p.loadStatus === "ready" && deepText(p).includes("Key generations"), "ready", 30000);
  await p.settled;

  // An earlier load: HA lists the backups at once but answers its config 5 s late.
  await s.control({ type: "fault", delay: { command: "backup/config/info", ms: 5000, times: 1 } });
  // (The fault holds the next config read: this load's, which asks before the backup below exists.)
  const infoReads = async () => (await s.control<{ type: string }[]>({ type: "command_log" })).filter((l) => l.type === "backup/info").length;
  const readsBefore = await infoReads();
  const earlier = p.reload();
  await waitFor(async () => (await infoReads()) > readsBefore, "the earlier load read the listing");

  // Meanwhile a backup is made elsewhere (HA's own page); its end starts a later load.
  const newest = await backupElsewhere(s);
  await earlier;
  await p.settled;
  await p.updateComplete;
  // The earlier load's listing, read before the backup existed, is older news: it must not
  // mark the new backup "deleted in Home Assistant".
  const row = deepText(p).split(newest)[1]?.slice(0, 40) ?? "";
  expect(deepText(p), "the new backup is in the table").to.contain(newest);
  expect(row, "not called deleted").not.to.contain("deleted in Home Assistant");
  // What the page shows from HA's answer (location errors, whether a key is set) is the newer one.
  expect(
    p.currentSnapshot?.backup?.info.backups.map((b) => b.backup_id),
    "the panel keeps HA's newer answer",
  ).to.include(newest);
});

it("Create backup now pressed before the panel follows HA's events still shows the backup's end", async () => {
  const s = await startSim({ backups: 2, stageDelayMs: 1 });
  sim = s;
  // HA takes the panel's event subscription late: the page is ready before it follows events.
  await s.control({ type: "fault", hold: "backup/subscribe_events" });
  const p = await mountPanel(s, "panel-follow");
  await waitFor(() => p.loadStatus === "ready" && deepText(p).includes("Key generations"), "ready", 30000);
  await p.reconciled;
  const log = async () => (await s.control<{ type: string }[]>({ type: "command_log" })).map((l) => l.type);
  await waitFor(async () => (await log()).includes("backup/subscribe_events"), "the subscription asked for");
  findButton(p.shadowRoot!, "Create backup now").click();
  await p.updateComplete;
  expect(deepText(p), "the button says it is at work").to.contain("Creating backup");
  expect(await log(), "no backup asked for before its events can be heard").not.to.include("backup/generate_with_automatic_settings");
  await s.control({ type: "fault", release: "backup/subscribe_events" });
  await waitFor(() => deepText(p).includes("Backup created with the current encryption key."), "the backup's end shown", 30000);
});

it("a backup that ends while the first load is still running is heard, and shows without a reload by hand", async () => {
  const s = await startSim({ backups: 4, stageDelayMs: 1 });
  sim = s;
  // HA answers the first load's config read late; its listing is read at once, before the backup.
  await s.control({ type: "fault", delay: { command: "backup/config/info", ms: 4000, times: 1 } });
  const p = await mountPanel(s, "panel-early");
  const log = async () => (await s.control<{ type: string }[]>({ type: "command_log" })).map((l) => l.type);
  await waitFor(async () => (await log()).includes("backup/info"), "the first load read the listing");
  const newest = await backupElsewhere(s);
  await waitFor(() => deepText(p).includes(newest), "the new backup in the table", 15000);
});
