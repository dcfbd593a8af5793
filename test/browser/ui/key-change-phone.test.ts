// The key-change dialog on a phone (320 and 390 px wide) and a desktop (1280 px): every step (old
// key, new key with its kit and proof section, proof accepted, done) fits, nothing runs off an edge.
import { expect } from "@esm-bundle/chai";
import { setViewport } from "@web/test-runner-commands";
import "../../../src/ui/panel/backup-keyring-panel.js";
import { captureDownload, deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";
import { cutOff } from "./layout.js";

let sim: BrowserSim | null = null;
let panel: HTMLElement | null = null;
afterEach(async () => {
  panel?.remove();
  await sim?.stop();
});
after(async () => setViewport({ width: 800, height: 600 }));

for (const width of [320, 390, 1280]) {
  it(`${width} px: every step fits`, async () => {
    await setViewport({ width, height: 800 });
    sim = await startSim({ backups: 3 });
    const p = document.createElement("backup-keyring-panel");
    panel = p;
    p.standalone = true;
    p.registryName = `bk-phone-${width}-${Date.now()}`;
    document.body.append(p);
    await p.connectStandalone({ url: sim.url, token: sim.adminToken, remember: false });
    await waitFor(() => deepText(p).includes("Generation 1"), "registry folded in", 30000);
    findButton(p.shadowRoot!, "Change encryption key…").click();
    const dialog = await waitFor(() => p.shadowRoot!.querySelector("bk-key-change-dialog"), "dialog");
    await waitFor(() => deepText(dialog).includes("Save current encryption key"), "old-key step");
    const native = dialog.shadowRoot!.querySelector("dialog")!;
    expect(cutOff(dialog.shadowRoot!, native), "old-key step").to.deep.equal([]);
    await captureDownload(() => findButton(dialog.shadowRoot!, "Download old emergency kit").click(), "old kit");
    await dialog.updateComplete;
    dialog.shadowRoot!.querySelector<HTMLInputElement>("input[type=checkbox]")!.click();
    await dialog.updateComplete;
    findButton(dialog.shadowRoot!, "Next").click();
    await waitFor(() => deepText(dialog).includes("New encryption key"), "new-key step");
    const kit = await captureDownload(() => findButton(dialog.shadowRoot!, "Download emergency kit").click(), "new kit");
    await dialog.updateComplete;
    findButton(dialog.shadowRoot!, /Reveal|Show/).click();
    await dialog.updateComplete;
    const rect = native.getBoundingClientRect();
    expect(rect.right, "the dialog is on screen").to.be.at.most(width);
    expect(cutOff(dialog.shadowRoot!, native), "new-key step").to.deep.equal([]);
    expect(document.documentElement.scrollWidth, "no sideways scroll").to.be.at.most(width);

    // The proof: the group the dialog asks for, read from the kit just saved.
    const n = Number(/\d+/.exec(dialog.shadowRoot!.querySelector("label[for=group]")!.textContent!)![0]);
    const group = dialog.shadowRoot!.querySelector<HTMLInputElement>("#group")!;
    group.value = /Encryption key:\s*(\S+)/.exec(kit.text)![1]!.split("-")[n - 1]!;
    group.dispatchEvent(new Event("input", { bubbles: true }));
    findButton(dialog.shadowRoot!, "Check").click();
    await waitFor(() => deepText(dialog).includes("Proof accepted"), "proof accepted");
    await dialog.updateComplete;
    expect(cutOff(dialog.shadowRoot!, native), "proof accepted").to.deep.equal([]);
    findButton(dialog.shadowRoot!, "Change encryption key").click();
    await waitFor(() => deepText(dialog).includes("Encryption key changed"), "done step", 30000);
    await dialog.updateComplete;
    expect(native.getBoundingClientRect().right, "done: the dialog is on screen").to.be.at.most(width);
    expect(cutOff(dialog.shadowRoot!, native), "done step").to.deep.equal([]);
    expect(document.documentElement.scrollWidth, "done: no sideways scroll").to.be.at.most(width);
  });
}
