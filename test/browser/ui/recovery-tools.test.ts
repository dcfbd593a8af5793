// bk-recovery-tools in Chromium: decrypt and re-key a real backup streaming to a "picked file"
// (the File System Access path, with an in-memory writable in place of the native dialog), the
// wrong key gives a translated message and the half-written file is thrown away.
import { expect } from "@esm-bundle/chai";
import { checkBackupKeys, inspectBackup } from "../../../src/backup-file/inspect.js";
import { blobSource, bytesSource } from "../../../src/common/byte-source.js";
import "../../../src/ui/components/recovery-tools.js";
import type { BkRecoveryTools } from "../../../src/ui/components/recovery-tools.js";
import { findButton, waitFor } from "../../support/browser-sim.js";

async function fixture(name: string): Promise<File> {
  const res = await fetch(`/__fixtures/${name}`);
  expect(res.status, name).to.equal(200);
  return new File([await res.blob()], name);
}

interface FakePick {
  name: string;
  chunks: Uint8Array[];
  closed: boolean;
  aborted: boolean;
}

/** Stands in for the native save dialog: records what is written, closed or aborted. */
function fakeSavePicker(gate?: Promise<void>): FakePick[] {
  const picks: FakePick[] = [];
  (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async ({ suggestedName }: { suggestedName: string }) => {
    const pick: FakePick = { name: suggestedName, chunks: [], closed: false, aborted: false };
    picks.push(pick);
    return {
      createWritable: async () => ({
        write: async (b: Uint8Array) => {
          await gate;
          pick.chunks.push(b.slice());
        },
        close: async () => void (pick.closed = true),
        abort: async () => void (pick.aborted = true),
      }),
    };
  };
  return picks;
}

async function mount(file: File, keys: string[], newKey: string | null): Promise<BkRecoveryTools> {
  const el = document.createElement("bk-recovery-tools");
  el.file = file;
  el.keys = keys;
  el.newKey = newKey;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

describe("bk-recovery-tools", () => {
  afterEach(() => {
    document.querySelectorAll("bk-recovery-tools").forEach((e) => e.remove());
    delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
  });

  it("decrypts a v3 backup into the picked file; it reads as an unencrypted backup", async () => {
    const picks = fakeSavePicker();
    const el = await mount(await fixture("supervisor__backup_example_sec_v3.tar"), ["wrong", "supervisor"], null);
    findButton(el.shadowRoot!, "Decrypt and save…").click();
    await waitFor(() => picks[0]?.closed, "the file is committed");
    await waitFor(() => el.shadowRoot!.querySelector("p.ok"), "success message");
    expect(picks[0]!.name).to.equal("supervisor__backup_example_sec_v3-decrypted.tar");
    const bytes = new Uint8Array(await new Blob(picks[0]!.chunks as BlobPart[]).arrayBuffer());
    const report = await inspectBackup(bytesSource(bytes));
    expect(report.encrypted).to.equal(false);
    expect((report.backupJson as { protected: boolean }).protected).to.equal(false);
  });

  it("re-keys a v2 backup with the current key: only the new key opens the copy", async () => {
    const picks = fakeSavePicker();
    const el = await mount(await fixture("supervisor__backup_example_enc.tar"), ["test"], "new-current-key");
    findButton(el.shadowRoot!, "Re-encrypt with the current key and save…").click();
    await waitFor(() => picks[0]?.closed, "the file is committed");
    const copy = new Blob(picks[0]!.chunks as BlobPart[]);
    const report = await checkBackupKeys(blobSource(copy), ["test", "new-current-key"]);
    expect(report.openedBy).to.equal(1);
    expect(report.format).to.equal("v2");
  });

  it("cancel stops the run, throws the partial file away and says so", async () => {
    let open!: () => void;
    const picks = fakeSavePicker(new Promise<void>((r) => (open = r)));
    const el = await mount(await fixture("supervisor__backup_example_sec_v3.tar"), ["supervisor"], null);
    findButton(el.shadowRoot!, "Decrypt and save…").click();
    await waitFor(() => picks[0], "the save dialog was asked");
    findButton(el.shadowRoot!, "Cancel").click();
    open();
    const alert = await waitFor(() => el.shadowRoot!.querySelector("p.error"), "cancel message");
    expect(alert.textContent).to.contain("Cancelled; nothing was saved.");
    expect(picks[0]!.aborted).to.equal(true);
    expect(picks[0]!.closed).to.equal(false);
  });

  it("no key opens it: a translated message, nothing committed", async () => {
    const picks = fakeSavePicker();
    const el = await mount(await fixture("supervisor__backup_example_enc.tar"), ["wrong"], null);
    findButton(el.shadowRoot!, "Decrypt and save…").click();
    const alert = await waitFor(() => el.shadowRoot!.querySelector("p.error"), "error message");
    expect(alert.textContent).to.contain("None of the given keys opens this backup.");
    expect(picks.every((p) => !p.closed)).to.equal(true);
  });
});
