// End to end: the simulated HA restarts under an open panel. The panel waits for HA's backup
// integration instead of reporting "no backup API", follows backup events again, and the next
// backup made (from elsewhere, e.g. HA's own page) still reaches the registry.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth } from "home-assistant-js-websocket";
import { fetchBackupInfo } from "../../../src/data/backup.js";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { deepText, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

let panel: BackupKeyringPanel | null = null;
const sims: BrowserSim[] = [];

afterEach(async () => {
  panel?.remove();
  panel = null;
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

for (const haVersion of ["2025.1.4", "2026.11.0"]) {
  it(`HA ${haVersion} restarts under an open panel; the next backup still reaches the registry`, async () => {
    const s = await startSim({ backups: 6, haVersion });
    sims.push(s);
    panel = document.createElement("backup-keyring-panel");
    panel.standalone = true;
    document.body.append(panel);
    await panel.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
    await waitFor(() => panel!.loadStatus === "ready" && deepText(panel!).includes("Key generations"), "ready");

    await s.control({ type: "restart", down_ms: 0, hold: true });
    await waitFor(() => panel!.isReconnecting, "reconnecting while HA restarts");
    // The panel waits for the integration instead of failing on unknown_command.
    const waited = async () => (await s.control<{ type: string }[]>({ type: "command_log" })).some((l) => l.type === "integration/wait");
    while (!(await waited())) await new Promise((r) => setTimeout(r, 50));
    await s.control({ type: "finish_start" });
    await waitFor(() => !panel!.isReconnecting, "back", 20000);
    expect(panel.loadStatus).to.equal("ready");
    expect(deepText(panel)).not.to.contain("has no backup API");

    const other = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
    try {
      // fetchBackupInfo: HA 2025.1's backup/info has no state (the client reads it from the events).
      const idle = async () => (await fetchBackupInfo(other)).state === "idle";
      while (!(await idle())) await new Promise((r) => setTimeout(r, 50));
      await other.sendMessagePromise({ type: "backup/generate_with_automatic_settings" });
      const state = async () => (await s.control<{ backups: { backup_id: string; with_automatic_settings?: boolean }[] }>({ type: "get_state" })).backups;
      // The panel hears the backup finish and folds it into the registry: its id shows in the table.
      const newest = await (async () => {
        for (;;) {
          const b = (await state()).at(-1)!;
          if (await idle()) return b;
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await waitFor(() => deepText(panel!).includes(newest.backup_id), "new backup in the registry", 20000);
    } finally {
      other.close();
    }
  });
}
