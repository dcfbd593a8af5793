// The built module HA loads on every dashboard (dist/backup-keyring.js, built by `npm test` before
// the browser tests): it defines both public elements, and a dashboard with only the card never
// downloads the panel, a dialog, the WebSocket client or the registry-free parts of the panel.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import { deepText, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

const MAIN = "/dist/backup-keyring.js";
const loadedChunks = () =>
  performance
    .getEntriesByType("resource")
    .map((e) => e.name)
    .filter((n) => n.includes("/dist/backup-keyring-"))
    .map((n) => n.slice(n.lastIndexOf("/") + 1));

describe("the built main module", () => {
  let sim: BrowserSim | null = null;
  let conn: Connection | null = null;
  const added: HTMLElement[] = [];
  after(async () => {
    added.forEach((e) => e.remove());
    conn?.close();
    await sim?.stop();
  });

  it("defines both elements; the card renders without loading the panel's chunk; the panel loads on demand", async () => {
    await import(/* a path the test bundler must not resolve */ MAIN.toString());
    expect(customElements.get("backup-keyring-card"), "card").to.not.equal(undefined);
    expect(customElements.get("backup-keyring-panel"), "panel shim").to.not.equal(undefined);
    expect(loadedChunks(), "nothing lazy yet").to.deep.equal([]);

    sim = await startSim({ backups: 3 });
    conn = await createConnection({ auth: createLongLivedTokenAuth(sim.url, sim.adminToken) });
    const card = document.createElement("backup-keyring-card") as HTMLElement & { setConfig(c: unknown): void; hass: unknown; registryName: string };
    card.registryName = `bk-bundle-${Date.now()}`;
    card.setConfig({ type: "custom:backup-keyring-card" });
    card.hass = { connection: conn, language: "en", user: { is_admin: true }, auth: { data: { hassUrl: sim.url } } };
    document.body.append(card);
    added.push(card);
    await waitFor(() => deepText(card).includes("Encryption key set (generation 1)"), "card status", 30000);

    const afterCard = loadedChunks();
    expect(
      afterCard.some((n) => n.startsWith("backup-keyring-en-")),
      "English strings are a chunk",
    ).to.equal(true);
    expect(
      afterCard.filter((n) => /panel|dialog|haws/.test(n)),
      "no panel, dialog or WebSocket client chunk",
    ).to.deep.equal([]);
    expect(customElements.get("bk-backup-table"), "panel-only element not defined").to.equal(undefined);

    // The panel as HA creates it: the shim pulls in the real panel and nests it.
    const panel = document.createElement("backup-keyring-panel") as HTMLElement & { hass: unknown; registryName: string };
    panel.registryName = `bk-bundle-panel-${Date.now()}`;
    panel.hass = card.hass;
    document.body.append(panel);
    added.push(panel);
    await waitFor(() => deepText(panel).includes("Generation 1"), "panel through the shim", 30000);
    const afterPanel = loadedChunks();
    expect(
      afterPanel.some((n) => n.startsWith("backup-keyring-backup-keyring-panel-")),
      "panel chunk loaded on demand",
    ).to.equal(true);
    expect(
      afterPanel.filter((n) => /dialog|haws/.test(n)),
      "dialogs and the WebSocket client still not loaded inside HA",
    ).to.deep.equal([]);
  });

  it("standalone through the shim: the connection it opens early says a refused token or a non-address as the panel does, and works with a good one", async () => {
    await import(/* a path the test bundler must not resolve */ MAIN.toString());
    sim ??= await startSim({ backups: 3 });
    type Shim = HTMLElement & { standalone: boolean; registryName: string; connectStandalone(r: { url: string; token: string; remember: boolean }): Promise<void> };
    const shim = (name: string) => {
      const el = document.createElement("backup-keyring-panel") as Shim;
      el.standalone = true;
      el.registryName = `bk-bundle-standalone-${name}-${Date.now()}`;
      document.body.append(el);
      added.push(el);
      return el;
    };
    const wrong = shim("wrong");
    await wrong.connectStandalone({ url: sim.url, token: "not-a-token", remember: false });
    await waitFor(() => deepText(wrong).includes("Home Assistant refused the access token"), "refused token");
    const garbage = shim("garbage");
    await garbage.connectStandalone({ url: "homeassistant", token: sim.adminToken, remember: false });
    await waitFor(() => deepText(garbage).includes("That is not a Home Assistant address"), "not an address");
    const good = shim("good");
    await good.connectStandalone({ url: sim.url, token: sim.adminToken, remember: false });
    await waitFor(() => deepText(good).includes("Generation 1"), "standalone panel", 30000);
    expect(
      loadedChunks().some((n) => n.startsWith("backup-keyring-haws-")),
      "the WebSocket client, standalone only",
    ).to.equal(true);
  });
});
