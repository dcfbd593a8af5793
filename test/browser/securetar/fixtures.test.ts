// The same offline check in Chromium: real fixtures as Blobs, WebCrypto + lazy WASM Argon2id.
import { expect } from "@esm-bundle/chai";
import { checkBackupKeys, inspectBackup } from "../../../src/backup-file/inspect.js";
import { blobSource, countingSource } from "../../../src/common/byte-source.js";
import { FIXTURES } from "../../support/fixtures.js";

async function fixture(name: string): Promise<Blob> {
  const res = await fetch(`/__fixtures/${name}`);
  expect(res.status, name).to.equal(200);
  return res.blob();
}

describe("real fixtures in Chromium", () => {
  for (const f of FIXTURES) {
    it(`${f.file}: ${f.format}`, async () => {
      const source = blobSource(await fixture(f.file), f.file);
      const info = await inspectBackup(source);
      expect(info.format).to.equal(f.format);
      expect(info.backupId).to.equal(f.slug);
      expect(info.damaged).to.equal(f.damaged);
      if (f.password) {
        expect((await checkBackupKeys(source, ["wrong_password", f.password])).openedBy).to.equal(1);
        expect((await checkBackupKeys(source, ["wrong_password", "Test"])).openedBy).to.equal(null);
      }
    });
  }

  it("deep check: backup_no_final_tag opens but has no FINAL tag; the intact v3 backup passes", async () => {
    const broken = await checkBackupKeys(blobSource(await fixture("securetar__backup_no_final_tag.tar")), ["hunter2"], { deep: true });
    expect(broken.openedBy).to.equal(0);
    // The upstream fixture is a bare archive (no backup.json): both reasons are reported.
    expect(broken.damage).to.deep.equal([
      { archive: null, code: "no_backup_json" },
      { archive: "core_no_final_tag.tar.gz", code: "no_final_tag" },
    ]);
    const intact = await checkBackupKeys(blobSource(await fixture("supervisor__backup_example_sec_v3.tar")), ["supervisor"], { deep: true });
    expect(intact.openedBy).to.equal(0);
    expect(intact.damage).to.deep.equal([]);
  });

  it("reads only the bytes it needs: a 3 MB v3 backup costs a few KiB", async () => {
    const source = countingSource(blobSource(await fixture("securetar__backup_no_final_tag.tar")));
    const report = await checkBackupKeys(source, ["hunter2"]);
    expect(report.openedBy).to.equal(0);
    expect(source.bytesRead).to.be.below(8 * 1024);
  });
});
