// HA's own backup settings page, left open in another tab across our key change, saves its whole
// stale create_backup block (FE `saveBackupConfig`) and so puts the old key back. The panel says
// plainly what happened and what to do.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth } from "home-assistant-js-websocket";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupConfig } from "../../../src/data/backup.js";
import { generateEncryptionKey } from "../../../src/keys/generate.js";
import { openRegistry } from "../../../src/registry/registry.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { deepText, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

let panel: BackupKeyringPanel | null = null;
const sims: BrowserSim[] = [];
afterEach(async () => {
  panel?.remove();
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

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
    const cb = stale.create_backup;
    await settingsTab.sendMessagePromise({
      type: "backup/config/update",
      create_backup: { agent_ids: cb.agent_ids, include_folders: cb.include_folders ?? [], include_database: cb.include_database, include_addons: cb.include_addons ?? [], include_all_addons: cb.include_all_addons, password: cb.password },
      retention: stale.retention,
      schedule: { recurrence: stale.schedule.recurrence, time: stale.schedule.time, days: stale.schedule.days },
    });
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
