// The panel offers offline recovery for a dropped backup file: after the check, it decrypts with
// the keys the panel holds (here HA's current key) into the file the user picks, and it offers the
// offline recovery page for download (from a .js chunk).
import { expect } from "@esm-bundle/chai";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import { inspectBackup } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { captureDownload, deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

let sim: BrowserSim | null = null;
let panel: BackupKeyringPanel | null = null;

afterEach(async () => {
  panel?.remove();
  await sim?.stop();
  sim = null;
  delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
});

describe("panel: offline recovery of a dropped backup", () => {
  it("decrypts the dropped backup with the current key into the picked file", async () => {
    sim = await startSim({ backups: 3 });
    const s = sim;
    panel = document.createElement("backup-keyring-panel");
    panel.standalone = true;
    panel.registryName = `bk-recovery-panel-${Date.now()}`;
    document.body.append(panel);
    await panel.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
    await waitFor(() => deepText(panel!).includes("Key generations"), "registry views");

    // The recovery page comes from a lazily loaded chunk (HACS installs only .js files), as a download.
    const button = await waitFor(() => panel!.shadowRoot!.querySelector<HTMLButtonElement>("[data-testid=recovery-page-download]"), "recovery page button");
    expect(button.textContent).to.contain("Download the offline recovery page");
    const page = await captureDownload(() => button.click(), "recovery page download");
    expect(page.name).to.equal("backup-keyring-recovery.html");
    expect(page.text).to.equal(await (await fetch("/__built/backup-keyring-recovery.html")).text());
    expect(page.text).to.match(/^<!doctype html>/);

    const state = await s.control<{ backups: { backup_id: string; name: string; agents: Record<string, { protected: boolean }> }[] }>({ type: "get_state" });
    const newest = state.backups.filter((b) => b.agents["cloud.cloud"]?.protected).at(-1)!;
    const res = await fetch(`${s.url}/api/backup/download/${newest.backup_id}?agent_id=cloud.cloud`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    const file = new File([await res.blob()], `${newest.backup_id}.tar`);
    panel.shadowRoot!.querySelector("bk-file-drop")!.dispatchEvent(new CustomEvent("file-picked", { detail: file }));
    await waitFor(() => deepText(panel!).includes(`${newest.name} opens with key generation 1.`), "opened", 30000);

    const chunks: Uint8Array[] = [];
    let closed = false;
    (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async () => ({
      createWritable: async () => ({
        write: async (b: Uint8Array) => void chunks.push(b.slice()),
        close: async () => void (closed = true),
        abort: async () => undefined,
      }),
    });
    const tools = await waitFor(() => panel!.shadowRoot!.querySelector("bk-recovery-tools"), "recovery tools");
    await tools.updateComplete;
    findButton(tools.shadowRoot!, "Decrypt and save…").click();
    await waitFor(() => closed, "file committed", 30000);
    const out = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
    const report = await inspectBackup(bytesSource(out));
    expect(report.encrypted).to.equal(false);
    expect(report.backupId).to.equal(newest.backup_id);
  });
});
