// The panel against the simulated HA at the versions where the backup API changed: 2025.1 (no
// decrypt-on-download, no per-location encryption, 2025.1's backup shapes), 2025.2 (both
// arrive), 2025.4 (last_non_idle_event renamed last_action_event), 2026.3 (Supervisor writes
// SecureTar v3) and the newest (upload progress, cleaning_up). Each loads, makes a backup that
// reaches the registry, offers online verification only where HA has it, and shows what is
// particular to its version.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth } from "home-assistant-js-websocket";
import { fetchBackupInfo } from "../../../src/data/backup.js";
import { tarMembers } from "../../../src/sim/tar-members.js";
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

/** Every status text the panel shows while `run` goes on (each render, not samples of it). */
async function statusesDuring(root: ShadowRoot, run: () => Promise<void>): Promise<string[]> {
  const seen = new Set<string>();
  const look = () => root.querySelectorAll("[role=status]").forEach((el) => seen.add(deepText(el).trim()));
  const observer = new MutationObserver(look);
  observer.observe(root, { subtree: true, childList: true, characterData: true });
  try {
    await run();
  } finally {
    observer.disconnect();
  }
  return [...seen];
}

for (const haVersion of ["2025.1.4", "2025.2.0", "2025.4.0", "2026.3.0", "2026.11.0"]) {
  it(`HA ${haVersion}: loads, makes a backup that reaches the registry, verifies where HA can`, async () => {
    // The newest gets slower stages, so its upload progress is on screen long enough to be seen.
    const s = await startSim({ backups: 5, haVersion, ...(haVersion === "2026.11.0" ? { stageDelayMs: 120 } : {}) });
    sims.push(s);
    panel = document.createElement("backup-keyring-panel");
    panel.standalone = true;
    panel.registryName = `bk-versions-${haVersion}-${Date.now()}`;
    document.body.append(panel);
    await panel.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
    await waitFor(() => panel!.loadStatus === "ready" && deepText(panel!).includes("Key generations"), "ready", 30000);
    const text = () => deepText(panel!);
    const before = await s.control<State>({ type: "get_state" });
    const copies = before.backups.reduce((n, b) => n + Object.keys(b.agents).length, 0);
    await waitFor(() => text().includes(`${copies} copies`), "copy count");

    const statuses = await statusesDuring(panel.shadowRoot!, async () => {
      findButton(panel!.shadowRoot!, "Create backup now").click();
      await waitFor(() => text().includes("Backup created with the current encryption key."), "backup completed", 30000);
    });
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

    const log = await s.control<{ type: string }[]>({ type: "command_log" });
    const conn = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
    try {
      if (haVersion === "2025.1.4") {
        // Nothing the version lacks was sent (core 2025.1 registers no backup/can_decrypt_on_download).
        expect(log.some((l) => l.type === "backup/can_decrypt_on_download")).to.equal(false);
        // 2025.1 listed backups with agent_ids; the table still shows each location of the new backup.
        const raw = await conn.sendMessagePromise<{ backups: Record<string, unknown>[] }>({ type: "backup/info" });
        expect(raw.backups.every((b) => "agent_ids" in b && !("agents" in b))).to.equal(true);
        expect(Object.keys(made.agents).length).to.be.greaterThan(1);
      } else {
        expect(
          log.some((l) => l.type === "backup/can_decrypt_on_download"),
          "the current key checked online",
        ).to.equal(true);
      }
      if (haVersion === "2025.2.0" || haVersion === "2025.4.0") {
        // 2025.2 names the last action last_non_idle_event, 2025.4 last_action_event: the client reads both.
        const raw = await conn.sendMessagePromise<Record<string, unknown>>({ type: "backup/info" });
        expect(haVersion === "2025.4.0" ? "last_action_event" in raw : "last_non_idle_event" in raw).to.equal(true);
        expect((await fetchBackupInfo(conn)).last_action_event).to.deep.include({ manager_state: "create_backup", state: "completed" });
      }
      if (haVersion === "2026.3.0" || haVersion === "2026.11.0") {
        // Supervisor writes SecureTar v3 once core is 2026.3.0 (supervisor #6621): the new backup's archives are v3.
        const file = new Uint8Array(
          await (await fetch(`${s.url}/api/backup/download/${made.backup_id}?agent_id=hassio.local`, { headers: { authorization: `Bearer ${s.adminToken}` } })).arrayBuffer(),
        );
        const inner = tarMembers(file).filter((m) => /\.tar(\.gz)?$/.test(m.name));
        expect(inner.length).to.be.greaterThan(0);
        for (const m of inner) expect([new TextDecoder().decode(m.data.subarray(0, 9)), m.data[9]], m.name).to.deep.equal(["SecureTar", 3]);
      }
      const progress = statuses.filter((t) => / \d+ %\)$/.test(t));
      const cleaning = statuses.some((t) => t.includes("(cleaning up)"));
      if (haVersion === "2026.11.0") {
        // Upload progress and the cleaning_up stage (HA 2026.4+) show while the backup runs.
        expect(progress.length, statuses.join(" | ")).to.be.greaterThan(0);
        expect(progress.every((t) => t.includes("uploading to locations"))).to.equal(true);
        expect(cleaning, statuses.join(" | ")).to.equal(true);
      } else {
        expect(progress, "no upload progress before 2026.4").to.deep.equal([]);
        expect(cleaning).to.equal(false);
      }
    } finally {
      conn.close();
    }
  });
}
