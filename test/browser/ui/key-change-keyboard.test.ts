// The key change with the keyboard only: each step puts focus on its first control (never on
// <body>), and Enter in the group field runs Check. In HA's light and dark themes, axe-core finds
// nothing at any step (old key, new key, new kit saved, proof accepted, done).
import { expect } from "@esm-bundle/chai";
import { sendKeys } from "@web/test-runner-commands";
import "../../../src/ui/panel/backup-keyring-panel.js";
import { captureDownload, deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";
import { axeViolations } from "./a11y.js";
import { applyTheme } from "./themes.js";

let sim: BrowserSim | null = null;
let panel: HTMLElement | null = null;
afterEach(async () => {
  panel?.remove();
  await sim?.stop();
  document.documentElement.removeAttribute("style");
});

/** The element that has focus, looking through shadow roots. */
function focused(): Element | null {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el;
}

/** axe-core over the open dialog (contrast included). */
async function noViolations(dialog: Element, step: string): Promise<void> {
  expect(await axeViolations(dialog.shadowRoot!.querySelector("dialog")!), step).to.deep.equal([]);
}

for (const theme of ["light", "dark"] as const)
  describe(`key change by keyboard (${theme} theme)`, () => {
    it("focus moves to each step's first control; Enter in the group field checks it; no axe violations at any step", async () => {
      applyTheme(theme);
      sim = await startSim({ backups: 3 });
      const p = document.createElement("backup-keyring-panel");
      panel = p;
      p.standalone = true;
      p.registryName = `bk-keyboard-${Date.now()}`;
      document.body.append(p);
      await p.connectStandalone({ url: sim.url, token: sim.adminToken, remember: false });
      await waitFor(() => deepText(p).includes("Generation 1"), "registry folded in", 30000);

      findButton(p.shadowRoot!, "Change encryption key…").click();
      const dialog = await waitFor(() => p.shadowRoot!.querySelector("bk-key-change-dialog"), "dialog");
      await waitFor(() => deepText(dialog).includes("Save current encryption key"), "old-key step");
      await dialog.updateComplete;
      expect(focused()?.textContent?.trim()).to.equal("Download old emergency kit");
      await noViolations(dialog, "old-key step");

      await captureDownload(() => (focused() as HTMLButtonElement).click(), "old kit");
      await dialog.updateComplete;
      dialog.shadowRoot!.querySelector<HTMLInputElement>("input[type=checkbox]")!.focus();
      await sendKeys({ press: "Space" });
      await dialog.updateComplete;
      findButton(dialog.shadowRoot!, "Next").focus();
      await sendKeys({ press: "Enter" });
      await waitFor(() => deepText(dialog).includes("New encryption key"), "new-key step");
      await dialog.updateComplete;
      const first = focused();
      expect(first, "focus is in the dialog, not on <body>").to.not.equal(document.body);
      expect(first?.tagName).to.equal("BUTTON");
      expect(dialog.shadowRoot!.contains(first)).to.equal(true);
      await noViolations(dialog, "new-key step");

      const kit = await captureDownload(() => findButton(dialog.shadowRoot!, "Download emergency kit").click(), "new kit");
      await dialog.updateComplete;
      await noViolations(dialog, "new kit saved");
      const group = dialog.shadowRoot!.querySelector<HTMLInputElement>("#group")!;
      const label = dialog.shadowRoot!.querySelector("label[for=group]")!.textContent!;
      const n = Number(/\d+/.exec(label)![0]);
      const key = /Encryption key:\s*(\S+)/.exec(kit.text)?.[1] ?? "";
      const answer = key.split("-")[n - 1]!;
      expect(answer, "group read from the kit").to.have.length.greaterThan(0);

      group.focus();
      await sendKeys({ type: "XXXX" });
      await sendKeys({ press: "Enter" });
      await waitFor(() => dialog.shadowRoot!.querySelector("p.bad[role=alert]"), "a wrong group is refused on Enter");
      group.select();
      await sendKeys({ type: answer });
      await sendKeys({ press: "Enter" });
      await waitFor(() => deepText(dialog).includes("Proof accepted"), "Enter ran Check");
      expect(dialog.shadowRoot!.querySelector("dialog")!.open, "Enter did not close the dialog").to.equal(true);
      await noViolations(dialog, "proof accepted");

      findButton(dialog.shadowRoot!, "Change encryption key").focus();
      await sendKeys({ press: "Enter" });
      await waitFor(() => deepText(dialog).includes("Encryption key changed"), "done step", 30000);
      await dialog.updateComplete;
      const done = focused();
      expect(done?.tagName).to.equal("BUTTON");
      expect(dialog.shadowRoot!.contains(done)).to.equal(true);
      await noViolations(dialog, "done step");
    });
  });
