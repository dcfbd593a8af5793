// bk-recovery-tools in Chromium: decrypt and re-key a real backup streaming to a "picked file"
// (the File System Access path, with an in-memory writable in place of the native dialog), the
// wrong key gives a translated message and the half-written file is thrown away.
import { expect } from "@esm-bundle/chai";
import { checkBackupKeys, inspectBackup } from "../../../src/backup-file/inspect.js";
import { blobSource, bytesSource } from "../../../src/common/byte-source.js";
import "../../../src/ui/components/recovery-tools.js";
import type { BkRecoveryTools } from "../../../src/ui/components/recovery-tools.js";
import { BLOB_LIMIT } from "../../../src/recovery/browser-output.js";
import { passwordToAesKeySync } from "../../../src/recovery/crypto-port.js";
import { encryptedSize, encryptMember } from "../../../src/recovery/member-encrypt.js";
import { padTo, RECORD, tarHeaderFor } from "../../../src/recovery/tar-out.js";
import { webCryptoPort } from "../../../src/recovery/web-crypto-port.js";
import { findButton, waitFor } from "../../support/browser-sim.js";

function tarHeader(name: string, size: number): Uint8Array {
  const original = new Uint8Array(512);
  original.set(new TextEncoder().encode("0000644\0"), 100);
  original[156] = 0x30;
  return tarHeaderFor(original, name, size);
}

/** A tar holding `entries`, with its end blocks, padded to whole records. */
function tar(entries: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const put = (b: Uint8Array) => {
    parts.push(b);
    size += b.length;
  };
  for (const [name, data] of entries) {
    put(tarHeader(name, data.length));
    put(data);
    put(new Uint8Array(padTo(data.length, 512)));
  }
  put(new Uint8Array(1024 + padTo(size + 1024, RECORD)));
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A protected v2 backup with one inner archive of `bytes` random bytes, made in the page. */
async function v2Backup(name: string, password: string, bytes: number): Promise<{ file: File; inner: Uint8Array }> {
  const inner = await gzip(tar([["./big.bin", webCryptoPort.random(bytes)]]));
  const parts: Uint8Array[] = [];
  for await (const p of encryptMember(
    webCryptoPort,
    { format: "v2", aesKey: passwordToAesKeySync(webCryptoPort, password) },
    inner.length,
    (async function* () {
      yield inner;
    })(),
  ))
    parts.push(p);
  const member = new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
  expect(member.length).to.equal(encryptedSize("v2", inner.length));
  const json = new TextEncoder().encode(
    JSON.stringify({ slug: "b1b2b3b4", version: 2, name: "Browser", date: "2026-01-01T00:00:00+00:00", type: "partial", protected: true, compressed: true, folders: ["share"], addons: [] }),
  );
  return {
    file: new File(
      [
        tar([
          ["./backup.json", json],
          ["share.tar.gz", member],
        ]) as BlobPart,
      ],
      name,
    ),
    inner,
  };
}

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

  it("no key opens it: the save dialog came first (from the click), its file is discarded, a translated message", async () => {
    const picks = fakeSavePicker();
    const el = await mount(await fixture("supervisor__backup_example_enc.tar"), ["wrong"], null);
    findButton(el.shadowRoot!, "Decrypt and save…").click();
    // Asked synchronously within the click, before any key check could use up the user activation.
    expect(picks.length).to.equal(1);
    const alert = await waitFor(() => el.shadowRoot!.querySelector("p.error"), "error message");
    expect(alert.textContent).to.contain("None of the given keys opens this backup.");
    expect(picks[0]!.aborted).to.equal(true);
    expect(picks[0]!.closed).to.equal(false);
    expect(picks[0]!.chunks).to.have.length(0);
  });

  it("a legacy password shaped like a generated key opens as typed (exact first, then tidied)", async () => {
    const picks = fakeSavePicker();
    const { file } = await v2Backup("legacy.tar", "abcdefghijklmnopqrstuvwxyz12", 1000);
    const el = await mount(file, ["abcdefghijklmnopqrstuvwxyz12"], null);
    findButton(el.shadowRoot!, "Decrypt and save…").click();
    await waitFor(() => picks[0]?.closed, "the file is committed");
  });

  it("shows progress while it streams, then the result", async () => {
    const pending: (() => void)[] = [];
    const picks: { chunks: Uint8Array[]; closed: boolean }[] = [];
    (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async () => {
      const pick = { chunks: [] as Uint8Array[], closed: false };
      picks.push(pick);
      return {
        createWritable: async () => ({
          write: (b: Uint8Array) =>
            new Promise<void>((resolve) =>
              pending.push(() => {
                pick.chunks.push(b.slice());
                resolve();
              }),
            ),
          close: async () => void (pick.closed = true),
          abort: async () => undefined,
        }),
      };
    };
    const { file, inner } = await v2Backup("progress.tar", "pw", 6 * 1024 * 1024);
    const el = await mount(file, ["pw"], null);
    findButton(el.shadowRoot!, "Decrypt and save…").click();
    const seen: number[] = [];
    while (!picks[0]?.closed) {
      await Promise.race([waitFor(() => pending.length > 0, "a write"), waitFor(() => picks[0]?.closed, "closed")]);
      await el.updateComplete;
      const bar = el.shadowRoot!.querySelector("progress");
      if (bar) seen.push(Number(bar.getAttribute("value")));
      pending.shift()?.();
    }
    expect(
      seen.some((p) => p > 0 && p < 100),
      `intermediate progress: ${seen.join(",")}`,
    ).to.equal(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).to.be.at.least(seen[i - 1]!);
    await waitFor(() => el.shadowRoot!.querySelector("p.ok"), "done message");
    expect(el.shadowRoot!.querySelector("progress")).to.equal(null);
    const out = new Uint8Array(await new Blob(picks[0]!.chunks as BlobPart[]).arrayBuffer());
    const report = await inspectBackup(bytesSource(out));
    expect(report.encrypted).to.equal(false);
    const member = report.members[0]!;
    expect(Array.from(out.subarray(member.offset, member.offset + member.size))).to.deep.equal(Array.from(inner));
  });

  it("without the File System Access API: states the in-memory limit and refuses a bigger backup", async () => {
    const big = { name: "huge.tar", size: BLOB_LIMIT + 1, type: "", slice: () => new Blob([]) } as unknown as File;
    const el = await mount(big, ["pw"], null);
    expect(el.shadowRoot!.textContent).to.contain("backups up to 2048 MB are assembled in memory first");
    findButton(el.shadowRoot!, "Decrypt and save…").click();
    const alert = await waitFor(() => el.shadowRoot!.querySelector("p.error"), "error message");
    expect(alert.textContent).to.contain("too large to decrypt in this browser's memory");
  });
});
