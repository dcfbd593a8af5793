// Views a user meets in other settings: no key set, every language, HA's dark theme, a phone.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import { LANGUAGES } from "../../../src/common/localize.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { deepText, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

let s: BrowserSim;
let connection: Connection;
let n = 0;
const mounted: BackupKeyringPanel[] = [];

before(async () => {
  s = await startSim({ backups: 5 });
  connection = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
});
after(async () => {
  connection.close();
  await s.stop();
});
afterEach(() => {
  for (const p of mounted.splice(0)) p.remove();
  document.documentElement.removeAttribute("style");
});

async function everyUpdate(root: Element): Promise<void> {
  const all: Element[] = [];
  const walk = (r: Element | ShadowRoot) => {
    for (const el of Array.from(r.querySelectorAll("*"))) {
      all.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  all.push(root);
  if (root.shadowRoot) walk(root.shadowRoot);
  await Promise.all(all.map((el) => (el as Partial<{ updateComplete: Promise<unknown> }>).updateComplete));
}

async function inHA(language: string, narrow = false): Promise<BackupKeyringPanel> {
  const panel = document.createElement("backup-keyring-panel");
  panel.registryName = `bk-views-${Date.now()}-${n++}`;
  panel.hass = { connection, language, user: { is_admin: true }, auth: { data: { hassUrl: s.url } } };
  panel.narrow = narrow;
  document.body.append(panel);
  mounted.push(panel);
  await waitFor(() => panel.loadStatus === "ready", "ready");
  await waitFor(() => deepText(panel).includes("5") && panel.shadowRoot!.querySelector("bk-backup-table") !== null, "table", 30000);
  await panel.settled;
  // The language's strings load lazily: wait until they are on screen, then for every element's render.
  if (language !== "en") await waitFor(() => !deepText(panel).includes("Key generations"), `${language} strings on screen`);
  await everyUpdate(panel);
  return panel;
}

// A missing translation shows its key (e.g. "panel.table.date"); none may appear.
const RAW_KEY = /\b(panel|errors|kit|flow|card|common|cli|registry|reminders)\.[a-z_]+(\.[a-z_]+)*\b/;

describe("views", () => {
  for (const language of LANGUAGES) {
    it(`${language}: renders with no untranslated key`, async () => {
      const panel = await inHA(language);
      const text = deepText(panel);
      expect(text).not.to.match(RAW_KEY);
      if (language !== "en") expect(text, "not English").not.to.contain("Key generations");
    });
  }

  it("no key set: says new backups are not encrypted and offers to set one", async () => {
    const state = await s.control<{ config: { create_backup: { password: string } } }>({ type: "get_state" });
    await s.control({ type: "set_password", password: null });
    try {
      const panel = await inHA("en");
      await waitFor(() => deepText(panel).includes("No encryption key is set"), "no-key status");
      expect(deepText(panel)).to.contain("Set an encryption key…");
    } finally {
      await s.control({ type: "set_password", password: state.config.create_backup.password });
    }
  });

  it("follows HA's theme variables (dark theme switch)", async () => {
    const panel = await inHA("en");
    const card = panel.shadowRoot!.querySelector(".card")!;
    const light = getComputedStyle(card).backgroundColor;
    document.documentElement.style.setProperty("--card-background-color", "rgb(28, 28, 28)");
    document.documentElement.style.setProperty("--primary-text-color", "rgb(225, 225, 225)");
    await panel.updateComplete;
    expect(getComputedStyle(card).backgroundColor).to.equal("rgb(28, 28, 28)");
    expect(getComputedStyle(card).backgroundColor).not.to.equal(light);
    expect(getComputedStyle(panel).color).to.equal("rgb(225, 225, 225)");
  });

  it("narrow (phone): hamburger shown, secondary table columns hidden", async () => {
    const panel = await inHA("en", true);
    expect(panel.shadowRoot!.querySelector("button.menu")).to.exist;
    const table = panel.shadowRoot!.querySelector("bk-backup-table")!;
    const wide = table.shadowRoot!.querySelector(".row:not(.head) .wide")!;
    expect(getComputedStyle(wide).display).to.equal("none");
    panel.narrow = false;
    await panel.updateComplete;
    await table.updateComplete;
    expect(getComputedStyle(table.shadowRoot!.querySelector(".row:not(.head) .wide")!).display).not.to.equal("none");
  });
});
