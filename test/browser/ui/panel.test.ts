// The panel against the simulated HA: what a user sees when it works, and each failure's message.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth } from "home-assistant-js-websocket";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { LOCAL_CHECK_LIMIT } from "../../../src/ui/keyring-session.js";
import { deepText, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

const sims: BrowserSim[] = [];
let panel: BackupKeyringPanel;

async function mount(url: string, token: string): Promise<BackupKeyringPanel> {
  panel = document.createElement("backup-keyring-panel");
  panel.standalone = true;
  document.body.append(panel);
  await panel.connectStandalone({ url, token, remember: false });
  return panel;
}

async function sim(options: Record<string, unknown> = {}) {
  const s = await startSim({ backups: 12, ...options });
  sims.push(s);
  return s;
}

afterEach(async () => {
  panel?.remove();
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

describe("panel against the simulated HA", () => {
  it("shows the instance, the key status (hidden key) and every backup copy", async () => {
    const s = await sim();
    await mount(s.url, s.adminToken);
    await waitFor(() => panel.loadStatus === "ready", "ready");
    await panel.updateComplete;
    const text = () => deepText(panel);
    expect(text()).to.contain("Backup Keyring · Home");
    expect(text()).to.contain("An encryption key is set");
    const state = await s.control<{ config: { create_backup: { password: string } }; backups: { name: string; agents: Record<string, { protected: boolean }> }[] }>({ type: "get_state" });
    const key = state.config.create_backup.password;
    expect(text()).not.to.contain(key);
    const copies = state.backups.reduce((n, b) => n + Object.keys(b.agents).length, 0);
    await waitFor(() => text().includes(`${copies} copies`), "copy count");
    const newest = state.backups.at(-1)!;
    expect(text()).to.contain(newest.name);
    // Locations as HA's backup pages name them: this system, a network storage by its own name, Cloud by its title.
    expect(text()).to.contain("This system");
    expect(text()).to.contain("Home Assistant Cloud");
    expect(text()).to.match(/\bnas\b/);
    expect(text()).to.contain("Unencrypted");
    expect(text()).to.contain("Encrypted");
    expect(text()).to.contain("offsite could not list its backups");

    const show = [...panel.shadowRoot!.querySelectorAll("button")].find((b) => b.textContent!.trim() === "Show")!;
    show.click();
    await panel.updateComplete;
    expect(text()).to.contain(key);
    const hide = [...panel.shadowRoot!.querySelectorAll("button")].find((b) => b.textContent!.trim() === "Hide")!;
    hide.click();
    await panel.updateComplete;
    expect(text()).not.to.contain(key);

    // Navigating within the panel hides the key again.
    panel.route = { prefix: "/backup-keyring", path: "" };
    await panel.updateComplete;
    [...panel.shadowRoot!.querySelectorAll("button")].find((b) => b.textContent!.trim() === "Show")!.click();
    await panel.updateComplete;
    expect(text()).to.contain(key);
    panel.route = { prefix: "/backup-keyring", path: "/backups" };
    await panel.updateComplete;
    await panel.updateComplete;
    expect(text()).not.to.contain(key);
  });

  it("connection refused: says Home Assistant cannot be reached", async () => {
    await mount("http://127.0.0.1:9", "whatever");
    await waitFor(() => panel.loadStatus === "error", "error");
    await panel.updateComplete;
    expect(deepText(panel)).to.contain("Cannot reach Home Assistant at this address");
    expect(panel.shadowRoot!.querySelector("bk-connect-form"), "the form is offered again").to.exist;
  });

  it("invalid token: says the token was refused", async () => {
    const s = await sim();
    await mount(s.url, "not-the-token");
    await waitFor(() => panel.loadStatus === "error", "error");
    await panel.updateComplete;
    expect(deepText(panel)).to.contain("Home Assistant refused the access token");
  });

  it("non-admin user: read-only message and no backup command is sent", async () => {
    const s = await sim();
    await mount(s.url, s.userToken);
    await waitFor(() => panel.loadStatus === "ready", "ready");
    await panel.updateComplete;
    expect(deepText(panel)).to.contain("Only administrators can see backups");
    const log = await s.control<{ type: string }[]>({ type: "command_log" });
    expect(log.map((l) => l.type).filter((t) => t.startsWith("backup/"))).to.deep.equal([]);
  });

  it("HA without the backup API: explains it needs HA 2025.1", async () => {
    const s = await sim({ haVersion: "2024.12.0" });
    await mount(s.url, s.adminToken);
    await waitFor(() => panel.loadStatus === "error", "error");
    await panel.updateComplete;
    expect(deepText(panel)).to.contain("has no backup API");
  });

  it("dropped connection: shows reconnecting, then recovers and reloads", async () => {
    const s = await sim();
    await mount(s.url, s.adminToken);
    await waitFor(() => panel.loadStatus === "ready", "ready");
    await s.control({ type: "create_backup", name: "Made while away" });
    await s.control({ type: "drop_connections" });
    await waitFor(() => panel.isReconnecting, "reconnecting banner");
    await panel.updateComplete;
    expect(deepText(panel)).to.contain("Reconnecting");
    await waitFor(() => !panel.isReconnecting, "reconnected", 20000);
    await waitFor(() => deepText(panel).includes("Made while away"), "reloaded list");
  });

  it("a fresh registry's background check asks HA about the newest local copies only, and the next visit asks nothing again", async () => {
    // More local copies than the check looks at: every demo backup is on HA's own disk.
    const s = await sim({ backups: LOCAL_CHECK_LIMIT + 5 });
    const checks = async () => (await s.control<{ type: string }[]>({ type: "command_log" })).filter((c) => c.type === "backup/can_decrypt_on_download").length;
    await mount(s.url, s.adminToken);
    await waitFor(() => panel.loadStatus === "ready", "ready");
    await panel.settled;
    // One key held (HA's current one): one request per copy checked.
    expect(await checks(), "copies checked in the background").to.equal(LOCAL_CHECK_LIMIT);
    const text = deepText(panel);
    expect(text).to.match(/Generation 1 proven/);
    expect(text, "the older copies are not claimed either way").to.match(/encrypted with a key of unknown generation/);
    panel.remove();
    await mount(s.url, s.adminToken);
    await waitFor(() => panel.loadStatus === "ready", "ready again");
    await panel.settled;
    expect(await checks(), "nothing new to check on the second visit").to.equal(LOCAL_CHECK_LIMIT);
  });

  it("inside HA: uses hass.connection, no refetch on hass pushes, hamburger when narrow", async () => {
    const s = await sim();
    const connection = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
    try {
      panel = document.createElement("backup-keyring-panel");
      panel.hass = { connection, language: "en", user: { is_admin: true }, auth: { data: { hassUrl: s.url } } };
      panel.narrow = true;
      panel.route = { prefix: "/backup-keyring", path: "" };
      document.body.append(panel);
      await waitFor(() => panel.loadStatus === "ready", "ready");
      await waitFor(() => deepText(panel).includes("Key generations"), "registry views");
      // Let the first load settle (registry fold, reminders, the background check of the local
      // copies) before counting.
      await panel.settled;
      await panel.updateComplete;
      const log = await s.control<{ type: string }[]>({ type: "command_log" });
      expect(
        log.some((c) => c.type === "backup/can_decrypt_on_download"),
        "the background check ran",
      ).to.equal(true);
      expect(deepText(panel), "settled includes the background check").not.to.contain("Checking the copies on Home Assistant's own disk");
      const before = log.length;
      // HA replaces `hass` on every state change; the connection stays the same.
      for (let i = 0; i < 5; i++) {
        panel.hass = { ...panel.hass! };
        await panel.updateComplete;
      }
      await panel.settled;
      expect((await s.control<unknown[]>({ type: "command_log" })).length).to.equal(before);

      let toggled: Event | null = null;
      const onToggle = (e: Event) => (toggled = e);
      document.addEventListener("hass-toggle-menu", onToggle);
      panel.shadowRoot!.querySelector<HTMLButtonElement>("button.menu")!.click();
      document.removeEventListener("hass-toggle-menu", onToggle);
      expect(toggled).to.not.equal(null);
      expect(toggled!.composed).to.equal(true);
      panel.narrow = false;
      await panel.updateComplete;
      expect(panel.shadowRoot!.querySelector("button.menu")).to.equal(null);
      expect(panel.shadowRoot!.querySelector("bk-connect-form"), "no connect form inside HA").to.equal(null);
    } finally {
      panel.remove();
      connection.close();
    }
  });
});
