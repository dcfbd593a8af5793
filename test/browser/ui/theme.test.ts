// HA's look in HA's own themes: axe-core (contrast included) finds nothing on the panel, the card
// and every dialog, in the light and the dark theme, on a desktop and on a 390 px phone.
import { expect } from "@esm-bundle/chai";
import { sendKeys, setViewport } from "@web/test-runner-commands";
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

      it("every other dialog (load a kit, print the kit, kit drill, restore guidance): no axe violations", async () => {
        const panel = document.createElement("backup-keyring-panel") as BackupKeyringPanel;
        panel.registryName = `bk-theme-dialogs-${Date.now()}-${n++}`;
        panel.hass = hass();
        panel.narrow = width < 870;
        document.body.append(panel);
        mounted.push(panel);
        await waitFor(() => deepText(panel).includes("Generation 1") && panel.shadowRoot!.querySelector("bk-backup-table"), "panel ready", 30000);
        const dialogs: [RegExp, string, string][] = [
          [/^Load an old kit or key/, "bk-load-kit-dialog", "Load"],
          [/^Print emergency kit$/, "bk-print-kit-dialog", "Paper"],
          [/^Test my kit$/, "bk-drill-dialog", "Kit drill"],
          [/^How to restore/, "bk-restore-guidance-dialog", "Restore "],
        ];
        const table = panel.shadowRoot!.querySelector("bk-backup-table")!;
        for (const [label, tag, shows] of dialogs) {
          if (tag !== "bk-restore-guidance-dialog") findButton(panel.shadowRoot!, label).click();
          else if (width >= 870) [...table.shadowRoot!.querySelectorAll("button")].find((b) => label.test(b.getAttribute("aria-label") ?? ""))!.click();
          else {
            // On a phone: through a row's detail sheet.
            table.shadowRoot!.querySelector<HTMLButtonElement>("button.open")!.click();
            const sheet = await waitFor(() => table.shadowRoot!.querySelector<HTMLDialogElement>("dialog.sheet[open]"), "detail sheet");
            findButton(sheet, label).click();
          }
          const dialog = await waitFor(() => panel.shadowRoot!.querySelector(tag), tag);
          const native = await waitFor(() => (dialog.shadowRoot?.querySelector("dialog")?.open ? dialog.shadowRoot.querySelector("dialog") : null), `${tag} open`);
          await waitFor(() => deepText(native).includes(shows), `${tag} content`);
          expect(await axeViolations(native), tag).to.deep.equal([]);
          // A real Escape, as a user closes it.
          await sendKeys({ press: "Escape" });
          await waitFor(() => !native.open, `${tag} closed`);
        }
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
