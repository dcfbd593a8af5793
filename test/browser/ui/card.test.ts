// The dashboard card and its editor, as HA uses them: setConfig, hass pushes, the card picker,
// navigation to the panel; against the simulated HA for admin and non-admin users.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import "../../../src/main.js";
import type { BackupKeyringCard } from "../../../src/ui/card/backup-keyring-card.js";
import type { HassLike } from "../../../src/ui/panel/backup-keyring-panel.js";
import { captureDownload, deepText, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";
import { axeViolations } from "./a11y.js";

const sims: BrowserSim[] = [];
const conns: Connection[] = [];
const elements: HTMLElement[] = [];
let n = 0;

async function sim() {
  const s = await startSim({ backups: 6 });
  sims.push(s);
  return s;
}

async function hassFor(s: BrowserSim, token: string, isAdmin: boolean): Promise<HassLike> {
  const connection = await createConnection({ auth: createLongLivedTokenAuth(s.url, token) });
  conns.push(connection);
  return { connection, language: "en", user: { is_admin: isAdmin }, auth: { data: { hassUrl: s.url } } };
}

function card(config: Record<string, unknown> = { type: "custom:backup-keyring-card" }): BackupKeyringCard {
  const el = document.createElement("backup-keyring-card");
  el.registryName = `bk-card-test-${Date.now()}-${n++}`;
  el.setConfig(config);
  document.body.append(el);
  elements.push(el);
  return el;
}

afterEach(async () => {
  elements.splice(0).forEach((e) => e.remove());
  conns.splice(0).forEach((c) => c.close());
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

describe("dashboard card", () => {
  it("is in the card picker and has HA's static hooks", () => {
    const entry = (window as unknown as { customCards: { type: string; preview?: boolean }[] }).customCards.find((c) => c.type === "backup-keyring-card");
    expect(entry?.preview).to.equal(true);
    const cls = customElements.get("backup-keyring-card") as unknown as typeof BackupKeyringCard;
    expect(cls.getStubConfig()).to.deep.equal({ type: "custom:backup-keyring-card" });
    const el = document.createElement("backup-keyring-card");
    expect(el.getGridOptions()).to.include({ columns: 6 });
    // Masonry (getCardSize, rows of ~50 px) and sections (grid rows) agree on a card at least min_rows high.
    const size = el.getCardSize();
    expect(Number.isInteger(size) && size >= (el.getGridOptions().min_rows ?? 1), `card size ${size}`).to.equal(true);
  });

  it("a bad config throws a clear error", () => {
    const el = document.createElement("backup-keyring-card");
    expect(() => el.setConfig({ type: "custom:backup-keyring-card", show_kit_button: "yes" })).to.throw(/"show_kit_button" must be a boolean/);
    expect(() => el.setConfig("nope")).to.throw(/must be a mapping/);
  });

  it("takes the options HA adds to a card in a sections dashboard, and sizes itself there", async () => {
    const el = card({
      type: "custom:backup-keyring-card",
      title: "Keys",
      grid_options: { columns: 12, rows: 3 },
      visibility: [{ condition: "screen", media_query: "(min-width: 0px)" }],
      view_layout: { position: "main" },
      some_future_option: true,
    });
    await waitFor(() => deepText(el).includes("Keys"), "title");
    const grid = el.getGridOptions();
    expect(grid.columns).to.be.within(1, 12);
    expect(grid.min_columns).to.be.at.most(grid.columns as number);
    expect(grid.rows).to.equal("auto");
  });

  it("admin: status line, warnings, kit download, open panel", async () => {
    const s = await sim();
    const el = card({ type: "custom:backup-keyring-card", title: "Backups" });
    el.hass = await hassFor(s, s.adminToken, true);
    await waitFor(() => deepText(el).includes("Encryption key set (generation 1)"), "status");
    const text = deepText(el);
    expect(text).to.contain("Backups");
    expect(text).to.contain("Emergency kit not downloaded");
    expect(text).to.contain("Download the emergency kit");
    expect(text).to.contain("offsite could not list its backups");
    const keys = await s.control<string[]>({ type: "demo_keys" });
    for (const k of keys) expect(text).not.to.contain(k);

    // Another hass push with the same connection sends nothing new.
    await el.settled;
    const before = (await s.control<unknown[]>({ type: "command_log" })).length;
    el.hass = { ...el.hass! };
    await el.updateComplete;
    await el.settled;
    expect((await s.control<unknown[]>({ type: "command_log" })).length).to.equal(before);

    const kit = await captureDownload(() => [...el.shadowRoot!.querySelectorAll("button")].find((b) => b.textContent!.includes("Download emergency kit"))!.click(), "kit download");
    expect(kit.text).to.contain(keys[2]);
    await waitFor(() => deepText(el).includes("Emergency kit downloaded"), "kit state");

    const original = location.pathname + location.search;
    let changed = false;
    const onNav = () => (changed = true);
    window.addEventListener("location-changed", onNav);
    try {
      [...el.shadowRoot!.querySelectorAll("button")].find((b) => b.textContent!.includes("Open Backup Keyring"))!.click();
      expect(location.pathname).to.equal("/backup-keyring");
      expect(changed).to.equal(true);
    } finally {
      window.removeEventListener("location-changed", onNav);
      history.replaceState(null, "", original);
    }
    expect(await axeViolations(el)).to.deep.equal([]);
  });

  it("non-admin: read-only, no key, no backup command sent", async () => {
    const s = await sim();
    const el = card();
    el.hass = await hassFor(s, s.userToken, false);
    await el.updateComplete;
    await el.settled;
    expect(deepText(el)).to.contain("managed by an administrator");
    expect(el.shadowRoot!.querySelectorAll("button").length).to.equal(0);
    const log = await s.control<{ type: string }[]>({ type: "command_log" });
    expect(log.map((l) => l.type).filter((t) => t.startsWith("backup/"))).to.deep.equal([]);
    expect(await axeViolations(el)).to.deep.equal([]);
  });

  it("options hide the buttons", async () => {
    const s = await sim();
    const el = card({ type: "custom:backup-keyring-card", show_kit_button: false, show_panel_button: false });
    el.hass = await hassFor(s, s.adminToken, true);
    await waitFor(() => deepText(el).includes("Encryption key set"), "status");
    expect(el.shadowRoot!.querySelectorAll("button").length).to.equal(0);
  });
});

describe("card editor", () => {
  it("is loaded lazily and reports changes with config-changed", async () => {
    const cls = customElements.get("backup-keyring-card") as unknown as typeof BackupKeyringCard;
    const editor = (await cls.getConfigElement()) as HTMLElement & { setConfig(c: unknown): void; updateComplete: Promise<boolean> };
    editor.setConfig({ type: "custom:backup-keyring-card" });
    document.body.append(editor);
    elements.push(editor);
    await waitFor(() => deepText(editor).includes("Panel path"), "editor strings");
    const configs: Record<string, unknown>[] = [];
    editor.addEventListener("config-changed", (e) => configs.push((e as CustomEvent).detail.config));
    const title = editor.shadowRoot!.querySelector<HTMLInputElement>('input[name="title"]')!;
    title.value = "Keys";
    title.dispatchEvent(new Event("change"));
    const kit = editor.shadowRoot!.querySelector<HTMLInputElement>('input[name="show_kit_button"]')!;
    kit.click();
    expect(configs.at(-1)).to.deep.equal({ type: "custom:backup-keyring-card", title: "Keys", show_kit_button: false });
    kit.click();
    expect(configs.at(-1)).to.deep.equal({ type: "custom:backup-keyring-card", title: "Keys" });
    expect(await axeViolations(editor)).to.deep.equal([]);

    // An invalid panel path is explained next to the field and not sent on.
    const count = configs.length;
    const path = editor.shadowRoot!.querySelector<HTMLInputElement>('input[name="panel_path"]')!;
    path.value = "backup-keyring";
    path.dispatchEvent(new Event("input"));
    path.dispatchEvent(new Event("change"));
    await editor.updateComplete;
    expect(path.getAttribute("aria-invalid")).to.equal("true");
    expect(deepText(editor)).to.contain("Enter a path that starts with “/”");
    expect(configs.length).to.equal(count);
    expect(await axeViolations(editor)).to.deep.equal([]);
    path.value = "/keys";
    path.dispatchEvent(new Event("input"));
    path.dispatchEvent(new Event("change"));
    await editor.updateComplete;
    expect(path.getAttribute("aria-invalid")).to.equal("false");
    expect(configs.at(-1)).to.deep.equal({ type: "custom:backup-keyring-card", title: "Keys", panel_path: "/keys" });
  });

  it("the editor shows a problem in a YAML config instead of throwing", async () => {
    const cls = customElements.get("backup-keyring-card") as unknown as typeof BackupKeyringCard;
    const editor = (await cls.getConfigElement()) as HTMLElement & { setConfig(c: unknown): void; updateComplete: Promise<boolean> };
    editor.setConfig({ type: "custom:backup-keyring-card", panel_path: "no slash", show_kit_button: "yes" });
    document.body.append(editor);
    elements.push(editor);
    await waitFor(() => deepText(editor).includes("Panel path"), "editor strings");
    const text = deepText(editor);
    expect(text).to.contain("“show_kit_button” has a value that is not valid");
    expect(text).to.contain("Enter a path that starts with “/”");
  });
});
