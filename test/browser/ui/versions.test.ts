// The panel against the simulated HA at the versions where the backup API changed: 2025.1 (no
// decrypt-on-download, no per-location encryption), 2025.2 (both arrive), 2025.4
// (last_non_idle_event renamed last_action_event), 2026.3 (Supervisor writes SecureTar v3) and
// the newest (upload progress, cleaning_up). Each loads, makes a backup that reaches the
// registry, and offers online verification only where HA has it.
import { expect } from "@esm-bundle/chai";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

let panel: BackupKeyringPanel | null = null;
const sims: BrowserSim[] = [];
afterEach(async () => {
  panel?.remove();
  panel = null;
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

type State = { backups: { backup_id: string; agents: Record<string, unknown> }[] };

for (const haVersion of ["2025.1.4", "2025.2.0", "2025.4.0", "2026.3.0", "2026.11.0"]) {
  it(`HA ${haVersion}: loads, makes a backup that reaches the registry, verifies where HA can`, async () => {
    const s = await startSim({ backups: 5, haVersion });
    sims.push(s);
    panel = document.createElement("backup-keyring-panel");
    panel.standalone = true;
    panel.registryName = `bk-versions-${haVersion}-${Date.now()}`;
    document.body.append(panel);
    await panel.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
    await waitFor(() => panel!.status === "ready" && deepText(panel!).includes("Key generations"), "ready", 30000);
    const text = () => deepText(panel!);
    const before = await s.control<State>({ type: "get_state" });
    const copies = before.backups.reduce((n, b) => n + Object.keys(b.agents).length, 0);
    await waitFor(() => text().includes(`${copies} copies`), "copy count");

    findButton(panel.shadowRoot!, "Create backup now").click();
    await waitFor(() => text().includes("Backup created with the current encryption key."), "backup completed", 30000);
    const after = await s.control<State>({ type: "get_state" });
    const made = after.backups.find((b) => !before.backups.some((x) => x.backup_id === b.backup_id))!;
    expect(made, "a new backup").to.exist;
    await waitFor(() => text().includes(made.backup_id), "the new backup in the registry", 20000);

    const online = haVersion !== "2025.1.4";
    expect(text().includes("Checking backups online needs Home Assistant 2025.2 or newer")).to.equal(!online);
    expect(text().includes("Verify all backups")).to.equal(online);
    if (haVersion === "2025.2.0") {
      findButton(panel.shadowRoot!, "Verify all backups").click();
      const summary = await waitFor(() => / copies checked: (\d+) proven/.exec(text()), "verification summary", 30000);
      expect(Number(summary[1]), "copies proven").to.be.greaterThan(0);
    }
    // No command answered unknown_command along the way.
    expect(text()).not.to.contain("has no backup API");
  });
}
