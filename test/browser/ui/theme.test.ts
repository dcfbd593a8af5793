// HA's look in HA's own themes: axe-core (contrast included) finds nothing on the panel, the card
// and the key-change dialog, in the light and the dark theme, on a desktop and on a 390 px phone.
import { expect } from "@esm-bundle/chai";
import { setViewport } from "@web/test-runner-commands";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import "../../../src/ui/panel/backup-keyring-panel.js";
import "../../../src/ui/card/backup-keyring-card.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";
import { axeViolations } from "./a11y.js";
import { applyTheme } from "./themes.js";

let s: BrowserSim;
let connection: Connection;
let n = 0;
const mounted: HTMLElement[] = [];

before(async () => {
  s = await startSim({ backups: 5 });
  connection = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
});
after(async () => {
  connection.close();
  await s.stop();
  await setViewport({ width: 800, height: 600 });
  document.documentElement.removeAttribute("style");
});
afterEach(() => {
  for (const el of mounted.splice(0)) el.remove();
});

const hass = () => ({ connection, language: "en", user: { is_admin: true }, auth: { data: { hassUrl: s.url } } });

for (const theme of ["light", "dark"] as const) {
  for (const width of [1280, 390]) {
    describe(`${theme} theme at ${width} px`, () => {
      beforeEach(async () => {
        await setViewport({ width, height: 900 });
        applyTheme(theme);
      });

      it("panel and key-change dialog: no axe violations", async () => {
        const panel = document.createElement("backup-keyring-panel") as BackupKeyringPanel;
        panel.registryName = `bk-theme-${Date.now()}-${n++}`;
        panel.hass = hass();
        panel.narrow = width < 870;
        document.body.append(panel);
        mounted.push(panel);
        await waitFor(() => deepText(panel).includes("Generation 1") && panel.shadowRoot!.querySelector("bk-backup-table"), "panel ready", 30000);
        await panel.updateComplete;
        expect(await axeViolations(panel), "panel").to.deep.equal([]);

        findButton(panel.shadowRoot!, "Change encryption key…").click();
        const dialog = await waitFor(() => panel.shadowRoot!.querySelector("bk-key-change-dialog"), "dialog");
        await waitFor(() => deepText(dialog).includes("Save current encryption key"), "old-key step");
        const native = dialog.shadowRoot!.querySelector("dialog")!;
        expect(await axeViolations(native), "key-change dialog").to.deep.equal([]);
        native.dispatchEvent(new Event("cancel", { cancelable: true }));
        await waitFor(() => !native.open, "closed");
      });

      it("card: no axe violations", async () => {
        const card = document.createElement("backup-keyring-card");
        card.registryName = `bk-theme-card-${Date.now()}-${n++}`;
        card.setConfig({ type: "custom:backup-keyring-card" });
        card.hass = hass();
        document.body.append(card);
        mounted.push(card);
        await waitFor(() => deepText(card).includes("Encryption key set"), "card status", 30000);
        expect(await axeViolations(card)).to.deep.equal([]);
      });
    });
  }
}
