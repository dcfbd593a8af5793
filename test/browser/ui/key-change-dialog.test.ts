// The key-change dialog inside the panel: accessible, Escape cancels before the commit, and a panel
// recreated by HA in the middle of a flow tells the user what became of it.
import { expect } from "@esm-bundle/chai";
import { axeViolations } from "./a11y.js";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

const sims: BrowserSim[] = [];
const panels: BackupKeyringPanel[] = [];

async function mount(s: BrowserSim, registryName: string): Promise<BackupKeyringPanel> {
  const panel = document.createElement("backup-keyring-panel");
  panel.standalone = true;
  panel.registryName = registryName;
  document.body.append(panel);
  panels.push(panel);
  await panel.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
  await waitFor(() => deepText(panel).includes("Generation 1"), "registry folded in", 30000);
  return panel;
}

const dialogOf = (panel: BackupKeyringPanel) => panel.shadowRoot!.querySelector("bk-key-change-dialog");
const dialogSays = (panel: BackupKeyringPanel, words: string) => {
  const d = dialogOf(panel);
  return d !== null && deepText(d).includes(words);
};

afterEach(async () => {
  for (const p of panels.splice(0)) p.remove();
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

describe("key-change dialog in the panel", () => {
  it("opens at the old-key step with no axe violations; Escape cancels and nothing changes", async () => {
    const s = await startSim({ backups: 4 });
    sims.push(s);
    const before = (await s.control<{ config: { create_backup: { password: string } } }>({ type: "get_state" })).config.create_backup.password;
    const panel = await mount(s, `bk-dialog-${Date.now()}-a`);
    findButton(panel.shadowRoot!, "Change encryption key…").click();
    await waitFor(() => dialogSays(panel, "Save current encryption key"), "old-key step");
    const dialog = dialogOf(panel)!;
    const native = dialog.shadowRoot!.querySelector("dialog")!;
    expect(native.open).to.equal(true);
    expect(await axeViolations(native)).to.deep.equal([]);
    expect(deepText(dialog)).not.to.contain(before, "the old key is not on screen");
    native.dispatchEvent(new Event("cancel", { cancelable: true }));
    await waitFor(() => !native.open, "closed on Escape");
    const after = (await s.control<{ config: { create_backup: { password: string } } }>({ type: "get_state" })).config.create_backup.password;
    expect(after).to.equal(before);
  });

  it("proves the old key before HA forgets it: local copies on their own, remote ones on request with their size", async () => {
    const s = await startSim({ backups: 6 });
    sims.push(s);
    const panel = await mount(s, `bk-dialog-${Date.now()}-p`);
    findButton(panel.shadowRoot!, "Change encryption key…").click();
    await waitFor(() => dialogSays(panel, "Save current encryption key"), "old-key step");
    const dialog = dialogOf(panel)!;
    // The local check finishes on its own; the remote copies wait, their download size shown.
    await waitFor(
      () =>
        /cop(y|ies) on other locations (is|are) not checked yet\. To check them, Home Assistant downloads them \(\d/.test(deepText(dialog)) &&
        !/on this device|Checking which backups/.test(deepText(dialog)),
      "local copies checked, remote choice shown",
      30000,
    );
    expect(deepText(dialog)).to.match(/[1-9]\d* backups? (is|are) proven to open with key generation 1/);
    findButton(dialog.shadowRoot!, "Check them too").click();
    await waitFor(() => !/on other locations (is|are) not checked yet/.test(deepText(dialog)) && !/Checking which backups/.test(deepText(dialog)), "remote copies checked", 30000);
    // Expected outcomes are not failures: nothing in the dialog is an error.
    expect(dialog.shadowRoot!.querySelector(".bad, [role=alert]")).to.equal(null);
    dialog.shadowRoot!.querySelector("dialog")!.dispatchEvent(new Event("cancel", { cancelable: true }));
  });

  it("a panel recreated mid-flow (before the commit) says nothing was changed", async () => {
    const s = await startSim({ backups: 4 });
    sims.push(s);
    const db = `bk-dialog-${Date.now()}-b`;
    const first = await mount(s, db);
    findButton(first.shadowRoot!, "Change encryption key…").click();
    await waitFor(() => dialogSays(first, "Save current encryption key"), "old-key step");
    // HA tears hidden panels down after ~5 minutes and later creates a new element.
    first.remove();
    const second = await mount(s, db);
    await waitFor(() => deepText(second).includes("interrupted before anything was sent"), "interruption notice");
    // Told once: the next load does not repeat it.
    second.remove();
    const third = await mount(s, db);
    await third.settled;
    await third.updateComplete;
    expect(deepText(third)).not.to.contain("interrupted before anything was sent");
  });
});
