// Standalone connection messages say what is wrong: an address that is not one, a wrong token
// (keeping the typed address), and a lost connection whose message goes away once HA is back.
import { expect } from "@esm-bundle/chai";
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

const sims: BrowserSim[] = [];
let panel: BackupKeyringPanel | null = null;

function mount(): BackupKeyringPanel {
  const p = document.createElement("backup-keyring-panel");
  p.standalone = true;
  p.registryName = `bk-connect-${Date.now()}`;
  document.body.append(p);
  panel = p;
  return p;
}

afterEach(async () => {
  panel?.remove();
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

describe("standalone connection messages", () => {
  for (const url of ["", "homeassistant", "ftp://example.org", "http://"]) {
    it(`"${url}" is called not an address (not "cannot reach")`, async () => {
      const p = mount();
      await p.connectStandalone({ url, token: "t", remember: false });
      await waitFor(() => deepText(p).includes("That is not a Home Assistant address"), "invalid address message");
      expect(deepText(p)).not.to.contain("Cannot reach");
      expect(p.shadowRoot!.querySelector("bk-connect-form"), "the form is offered again").to.exist;
    });
  }

  it("a wrong token keeps the typed address in the form", async () => {
    const s = await startSim({ backups: 1 });
    sims.push(s);
    const p = mount();
    await p.connectStandalone({ url: s.url, token: "wrong", remember: false });
    await waitFor(() => deepText(p).includes("refused the access token"), "token refused");
    const form = await waitFor(() => p.shadowRoot!.querySelector<HTMLElement & { updateComplete: Promise<boolean> }>("bk-connect-form"), "form");
    await form.updateComplete;
    expect(form.shadowRoot!.querySelector<HTMLInputElement>('input[name="url"]')!.value).to.equal(s.url);
  });

  it('"connection was lost" goes away once Home Assistant answers again', async () => {
    const s = await startSim({ backups: 3 });
    sims.push(s);
    const p = mount();
    await p.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
    await waitFor(() => deepText(p).includes("Generation 1"), "ready", 30000);
    await s.control({ type: "fault", drop: { command: "backup/can_decrypt_on_download", when: "before", times: 1 } });
    findButton(p.shadowRoot!, "Verify all backups").click();
    await waitFor(() => deepText(p).includes("The connection to Home Assistant was lost"), "lost message", 20000);
    await waitFor(() => !deepText(p).includes("The connection to Home Assistant was lost"), "cleared after reconnecting", 20000);
    expect(p.isReconnecting).to.equal(false);
  });
});
