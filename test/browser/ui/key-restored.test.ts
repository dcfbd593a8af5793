// HA's own backup settings page, left open in another tab across our key change, saves its whole
// stale create_backup block (FE `saveBackupConfig`) and so puts the old key back. The panel says
// plainly what happened and what to do.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupConfig } from "../../../src/data/backup.js";
import { generateEncryptionKey } from "../../../src/keys/generate.js";
import { openRegistry } from "../../../src/registry/registry.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { captureDownload, deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

let panel: BackupKeyringPanel | null = null;
const sims: BrowserSim[] = [];
afterEach(async () => {
  panel?.remove();
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

/** What HA's settings page saves (FE `saveBackupConfig`): the whole block it loaded, stale key included. */
async function saveStale(settingsTab: Connection, stale: BackupConfig): Promise<void> {
  const cb = stale.create_backup;
  await settingsTab.sendMessagePromise({
    type: "backup/config/update",
    create_backup: {
      agent_ids: cb.agent_ids,
      include_folders: cb.include_folders ?? [],
      include_database: cb.include_database,
      include_addons: cb.include_addons ?? [],
      include_all_addons: cb.include_all_addons,
      password: cb.password,
    },
    retention: stale.retention,
    schedule: { recurrence: stale.schedule.recurrence, time: stale.schedule.time, days: stale.schedule.days },
  });
}

it("says the old key came back from another settings tab, and what to do", async () => {
  const s = await startSim({ backups: 4 });
  sims.push(s);
  const registryName = `bk-restored-${Date.now()}`;
  panel = document.createElement("backup-keyring-panel");
  panel.standalone = true;
  panel.registryName = registryName;
  document.body.append(panel);
  await panel.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
  await waitFor(() => deepText(panel!).includes("Generation 1"), "registry folded in", 30000);

  const settingsTab = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
  const registry = await openRegistry(registryName);
  try {
    // The settings page loads the config before our change…
    const stale = (await settingsTab.sendMessagePromise<{ config: BackupConfig }>({ type: "backup/config/info" })).config;
    // …our change commits (pending generation, HA updated, confirmed) …
    const instanceId = (await registry.instances())[0]!.id;
    const newKey = generateEncryptionKey();
    const pending = await registry.beginPending(instanceId, await registry.fingerprint(newKey), { kitDownloadedAt: new Date().toISOString(), kitProvenAt: null });
    await settingsTab.sendMessagePromise({ type: "backup/config/update", create_backup: { password: newKey } });
    await registry.activatePending(instanceId, pending.id);
    // …then the settings page saves what it loaded (the frontend sends the whole block).
    await saveStale(settingsTab, stale);
    expect(deepText(panel)).not.to.contain("went back to an earlier key");
    // The panel next loads (here: after a reconnect; also after the next backup or on opening).
    await s.control({ type: "drop_connections" });
    await waitFor(() => panel!.shadowRoot!.querySelector("[data-testid=key-restored]"), "restore reported", 20000);
    const text = deepText(panel.shadowRoot!.querySelector("[data-testid=key-restored]")!);
    expect(text).to.contain(`earlier key (generation ${pending.number - 1})`);
    expect(text).to.contain("Close other Home Assistant tabs showing backup settings");
    expect(deepText(panel)).not.to.contain(newKey);
  } finally {
    registry.close();
    settingsTab.close();
  }
});

it("a key change in the dialog ends by telling to close other HA tabs; a stale tab's save is then reported", async () => {
  // The done step says it up front (#12: "mention it in the key-change dialog's done step"); the
  // stale settings page then does what HA's frontend does (saveBackupConfig sends the whole
  // create_backup block it loaded), and the panel reports it on its next load.
  const s = await startSim({ backups: 3 });
  sims.push(s);
  panel = document.createElement("backup-keyring-panel");
  panel.standalone = true;
  panel.registryName = `bk-restored-dialog-${Date.now()}`;
  document.body.append(panel);
  await panel.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
  await waitFor(() => deepText(panel!).includes("Generation 1"), "registry folded in", 30000);

  const settingsTab = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
  try {
    const stale = (await settingsTab.sendMessagePromise<{ config: BackupConfig }>({ type: "backup/config/info" })).config;

    findButton(panel.shadowRoot!, "Change encryption key…").click();
    const dialog = await waitFor(() => panel!.shadowRoot!.querySelector("bk-key-change-dialog"), "dialog");
    await waitFor(() => deepText(dialog).includes("Save current encryption key"), "old-key step");
    await captureDownload(() => findButton(dialog.shadowRoot!, "Download old emergency kit").click(), "old kit");
    await dialog.updateComplete;
    dialog.shadowRoot!.querySelector<HTMLInputElement>("input[type=checkbox]")!.click();
    await dialog.updateComplete;
    findButton(dialog.shadowRoot!, "Next").click();
    await waitFor(() => deepText(dialog).includes("New encryption key"), "new-key step");
    const kit = await captureDownload(() => findButton(dialog.shadowRoot!, "Download emergency kit").click(), "new kit");
    await dialog.updateComplete;
    const n = Number(/\d+/.exec(dialog.shadowRoot!.querySelector("label[for=group]")!.textContent!)![0]);
    const newKey = /Encryption key:\s*(\S+)/.exec(kit.text)![1]!;
    const group = dialog.shadowRoot!.querySelector<HTMLInputElement>("#group")!;
    group.value = newKey.split("-")[n - 1]!;
    group.dispatchEvent(new Event("input", { bubbles: true, composed: true }));
    await dialog.updateComplete;
    findButton(dialog.shadowRoot!, "Check").click();
    await waitFor(() => deepText(dialog).includes("Proof accepted"), "proof accepted");
    findButton(dialog.shadowRoot!, "Change encryption key").click();
    await waitFor(() => deepText(dialog).includes("Encryption key changed"), "done step", 30000);
    // The done step's own text, not the later banner.
    const doneText = deepText(dialog.shadowRoot!.querySelector(".body")!);
    expect(doneText).to.contain("Close other Home Assistant tabs showing backup settings: saving there would put the old key back.");
    expect(doneText).not.to.contain(newKey);
    expect((await s.control<{ config: BackupConfig }>({ type: "get_state" })).config.create_backup.password).to.equal(newKey);
    findButton(dialog.shadowRoot!, "Done").click();

    // The stale tab saves what it loaded: the old key is back in HA.
    await saveStale(settingsTab, stale);
    await s.control({ type: "drop_connections" });
    const banner = await waitFor(() => panel!.shadowRoot!.querySelector("[data-testid=key-restored]"), "restore reported", 20000);
    expect(deepText(banner)).to.contain("earlier key (generation 1)");
  } finally {
    settingsTab.close();
  }
});
