// Standalone connection messages say what is wrong: an address that is not one, a wrong token
// (keeping the typed address), and a lost connection whose message goes away once HA is back. Of
// two sign-ins one after the other only the later one's connection is used; a connection that
// arrives for an older attempt, or after the panel left the page, is closed.
import { expect } from "@esm-bundle/chai";
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { Connection } from "home-assistant-js-websocket";
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

/** A connection that arrives when the test says so, and records whether it was closed. */
function lateConnection(): { opening: Promise<Connection>; arrive(): void; closed: () => boolean } {
  let closed = false;
  let arrive!: () => void;
  const fake = { close: () => void (closed = true) } as unknown as Connection;
  const opening = new Promise<Connection>((resolve) => (arrive = () => resolve(fake)));
  return { opening, arrive, closed: () => closed };
}

describe("standalone connection attempts", () => {
  it("of two sign-ins, the later one's connection is used; the earlier one's is closed when it arrives", async () => {
    const s = await startSim({ backups: 1 });
    sims.push(s);
    const p = mount();
    const early = lateConnection();
    const first = p.connectStandalone({ url: s.url, token: s.adminToken, remember: false }, early.opening);
    await p.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
    await waitFor(() => p.loadStatus === "ready", "the later sign-in's panel", 30000);
    early.arrive();
    await first;
    expect(early.closed(), "the earlier attempt's connection is closed").to.equal(true);
    expect(p.loadStatus).to.equal("ready");
  });

  it("a connection that arrives after the panel left the page is closed", async () => {
    const p = mount();
    const late = lateConnection();
    const connecting = p.connectStandalone({ url: "http://homeassistant.local:8123", token: "t", remember: false }, late.opening);
    p.remove();
    late.arrive();
    await connecting;
    expect(late.closed()).to.equal(true);
  });
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
