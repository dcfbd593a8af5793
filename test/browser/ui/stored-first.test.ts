// The panel and the card show what the registry already knows before HA has answered: the
// simulated HA holds back its answers (backup list, or the mirror read that comes before the
// reconciliation), and the elements show the stored key generations meanwhile.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import "../../../src/main.js";
// The real panel under its own tag (the main module registers the lazy shim as the public one).
import { PANEL_TAG, type BackupKeyringPanel, type HassLike } from "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringCard } from "../../../src/ui/card/backup-keyring-card.js";
import { captureDownload, deepText, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

let sim: BrowserSim | null = null;
const elements: HTMLElement[] = [];
const conns: Connection[] = [];

afterEach(async () => {
  elements.splice(0).forEach((e) => e.remove());
  conns.splice(0).forEach((c) => c.close());
  await sim?.control({ type: "clear_faults" }).catch(() => undefined);
  await sim?.stop();
  sim = null;
});

function panel(registryName: string): BackupKeyringPanel {
  const el = document.createElement(PANEL_TAG) as BackupKeyringPanel;
  el.standalone = true;
  el.registryName = registryName;
  document.body.append(el);
  elements.push(el);
  return el;
}

/** The key column of the table, row by row ("Generation 1 proven", …). */
const keyCells = (root: Element) => {
  const table = root.shadowRoot!.querySelector("bk-backup-table");
  return Array.from(table?.shadowRoot?.querySelectorAll(".row .cell:nth-child(6)") ?? [], (c) => c.textContent!.replace(/\s+/g, " ").trim());
};

/** Resolves once HA has the given command waiting at its gate. */
async function heldAtGate(s: BrowserSim, command: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const faults = await s.control<{ holds: Record<string, number> }>({ type: "fault" });
    if ((faults.holds[command] ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${command} never reached the gate`);
}

describe("painted from what is stored, before HA answers", () => {
  it("panel: with HA's backup list held back, the table shows the stored key generations; HA's answer then takes over", async () => {
    sim = await startSim({ backups: 6 });
    const name = `bk-stored-first-${Date.now()}`;
    // A first visit: the registry learns the instance and the background check proves the local copies.
    const first = panel(name);
    await first.connectStandalone({ url: sim.url, token: sim.adminToken, remember: false });
    await waitFor(() => keyCells(first).some((c) => c.includes("proven")), "local copies proven", 30000);
    await first.settled;
    const stored = keyCells(first).filter((c) => c.includes("proven"));
    first.remove();

    await sim.control({ type: "fault", hold: "backup/info" });
    const again = panel(name);
    void again.connectStandalone({ url: sim.url, token: sim.adminToken, remember: false });
    await heldAtGate(sim, "backup/info");
    await waitFor(() => again.shadowRoot!.querySelector("[data-testid=remembered]") && keyCells(again).filter((c) => c.includes("proven")).length === stored.length, "the stored generations");
    expect(keyCells(again).filter((c) => c.includes("proven"))).to.deep.equal(stored);
    expect(deepText(again)).to.contain("as this browser last saw it");
    expect(again.currentSnapshot, "HA has not answered").to.equal(null);

    await sim.control({ type: "fault", release: "backup/info" });
    await waitFor(() => again.shadowRoot!.querySelector("[data-testid=instance]"), "HA's answer");
    await again.settled;
    expect(again.shadowRoot!.querySelector("[data-testid=remembered]")).to.equal(null);
    expect(keyCells(again).filter((c) => c.includes("proven"))).to.deep.equal(stored);
  });

  it("panel: nothing from the registry shows before HA says the user is an admin", async () => {
    sim = await startSim({ backups: 4 });
    const name = `bk-stored-first-user-${Date.now()}`;
    const first = panel(name);
    await first.connectStandalone({ url: sim.url, token: sim.adminToken, remember: false });
    await waitFor(() => keyCells(first).length > 0, "table");
    await first.settled;
    first.remove();
    // The same browser, a non-admin's token: HA's user answer comes before any backup command.
    await sim.control({ type: "fault", hold: "get_config" });
    const other = panel(name);
    void other.connectStandalone({ url: sim.url, token: sim.userToken, remember: false });
    await heldAtGate(sim, "get_config");
    await waitFor(() => (other as unknown as { adminKnown: boolean | null }).adminKnown === false, "HA's user answer");
    expect(other.shadowRoot!.querySelector("[data-testid=remembered]")).to.equal(null);
    expect(keyCells(other)).to.deep.equal([]);
    await sim.control({ type: "fault", release: "get_config" });
  });

  it("panel: with the mirror read (before the reconciliation) held back, the full page shows the stored registry", async () => {
    sim = await startSim({ backups: 6 });
    const name = `bk-stored-first-mirror-${Date.now()}`;
    const first = panel(name);
    await first.connectStandalone({ url: sim.url, token: sim.adminToken, remember: false });
    await waitFor(() => keyCells(first).some((c) => c.includes("proven")), "local copies proven", 30000);
    await first.settled;
    const stored = keyCells(first);
    first.remove();

    await sim.control({ type: "fault", hold: "frontend/subscribe_user_data" });
    const again = panel(name);
    void again.connectStandalone({ url: sim.url, token: sim.adminToken, remember: false });
    await heldAtGate(sim, "frontend/subscribe_user_data");
    await waitFor(() => again.shadowRoot!.querySelector("[data-testid=instance]") && keyCells(again).length === stored.length, "HA's answer, painted from the registry");
    expect(keyCells(again)).to.deep.equal(stored, "the stored generations, while the reconciliation waits");
    let settled = false;
    void again.settled.then(() => (settled = true));
    await again.updateComplete;
    expect(settled, "the reconciliation is still waiting").to.equal(false);
    await sim.control({ type: "fault", release: "frontend/subscribe_user_data" });
    await again.settled;
  });

  it("card: shows the stored kit and generation while its reconciliation waits", async () => {
    sim = await startSim({ backups: 4 });
    const name = `bk-stored-first-card-${Date.now()}`;
    const hass = async (): Promise<HassLike> => {
      const connection = await createConnection({ auth: createLongLivedTokenAuth(sim!.url, sim!.adminToken) });
      conns.push(connection);
      return { connection, language: "en", user: { is_admin: true }, auth: { data: { hassUrl: sim!.url } } };
    };
    const card = () => {
      const el = document.createElement("backup-keyring-card") as BackupKeyringCard;
      el.registryName = name;
      el.setConfig({ type: "custom:backup-keyring-card" });
      document.body.append(el);
      elements.push(el);
      return el;
    };
    const first = card();
    first.hass = await hass();
    await waitFor(() => deepText(first).includes("Encryption key set (generation 1)"), "status");
    await first.settled;
    // The kit download is known to the registry only (HA knows nothing of kits).
    await captureDownload(() => [...first.shadowRoot!.querySelectorAll("button")].find((b) => b.textContent!.includes("Download emergency kit"))!.click(), "kit");
    await waitFor(() => deepText(first).includes("Emergency kit downloaded"), "kit state");
    await first.settled;
    first.remove();

    await sim.control({ type: "fault", hold: "frontend/subscribe_user_data" });
    const again = card();
    again.hass = await hass();
    await heldAtGate(sim, "frontend/subscribe_user_data");
    await waitFor(() => deepText(again).includes("Emergency kit downloaded"), "the stored kit state");
    expect(deepText(again)).to.contain("Encryption key set (generation 1)");
    let settled = false;
    void again.settled.then(() => (settled = true));
    await again.updateComplete;
    expect(settled, "the reconciliation is still waiting").to.equal(false);
    await sim.control({ type: "fault", release: "frontend/subscribe_user_data" });
    await again.settled;
  });
});
