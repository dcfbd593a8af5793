// Key check on a 4 GiB SPARSE backup (real tar headers, real SecureTar v2/v3 headers and first
// ciphertext, the rest holes): wall time and bytes read. Targets: v2 ≤ 50 ms, ≤ 64 KiB read.
import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkBackupKeys, inspectBackup } from "../src/backup-file/inspect.js";
import { countingSource } from "../src/common/byte-source.js";
import { openFileSource } from "../src/common/node-file-source.js";
import { aesIv, passwordToAesKey } from "../src/securetar/aes.js";
import { expectedMemberSize } from "../src/securetar/detect.js";
import { v3RootKey, v3Subkey } from "../src/securetar/v3-crypto.js";

import { generateEncryptionKey } from "../src/keys/generate.js";

// A fresh key per run: no key-shaped literal in the repository.
const PASSWORD = generateEncryptionKey();
const PLAINTEXT = 4 * 1024 ** 3 - 12_345; // the inner archive's size before encryption

function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, "utf8");
  h.write("0000644\0", 100, "latin1");
  h.write("0000000\0", 108, "latin1");
  h.write("0000000\0", 116, "latin1");
  h.write(size.toString(8).padStart(11, "0") + "\0", 124, "latin1");
  h.write(
    Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, "0") + "\0",
    136,
    "latin1",
  );
  h.fill(0x20, 148, 156);
  h.write("0", 156, "latin1");
  h.write("ustar\0" + "00", 257, "latin1");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  return h;
}

async function memberHead(version: 2 | 3): Promise<Buffer> {
  const id = Buffer.alloc(16);
  id.write("SecureTar", 0, "latin1");
  id[9] = version;
  const size = Buffer.alloc(16);
  size.writeBigUInt64BE(BigInt(PLAINTEXT), 0);
  if (version === 2) {
    const salt = randomBytes(16);
    const key = await passwordToAesKey(PASSWORD);
    // The first 64 KiB of a gzip stream's ciphertext; the rest of the member stays a hole.
    const plain = Buffer.alloc(64 * 1024);
    plain.set([0x1f, 0x8b, 0x08, 0x00], 0);
    const cipher = createCipheriv("aes-128-cbc", key, await aesIv(key, salt)).setAutoPadding(false);
    return Buffer.concat([id, size, salt, cipher.update(plain), cipher.final()]);
  }
  const rootSalt = randomBytes(16);
  const validationSalt = randomBytes(16);
  const root = await v3RootKey(PASSWORD, rootSalt);
  // Key check reads the header only; ciphertext after it is random bytes (the deep check is not run).
  return Buffer.concat([id, size, rootSalt, validationSalt, v3Subkey(root, validationSalt), randomBytes(16 + 24), randomBytes(64 * 1024)]);
}

async function makeSparseBackup(path: string, version: 2 | 3): Promise<number> {
  const memberSize = expectedMemberSize(version === 2 ? "v2" : "v3", PLAINTEXT);
  const backupJson = Buffer.from(
    JSON.stringify({
      slug: "b1g0ne5",
      name: "Sparse 4 GiB",
      date: "2026-11-27T00:00:00+00:00",
      type: "partial",
      protected: true,
      compressed: true,
      version: 2,
      homeassistant: { version: "2026.11.0", exclude_database: false },
    }),
  );
  const fh = await open(path, "w");
  let at = 0;
  await fh.write(tarHeader("./homeassistant.tar.gz", memberSize), 0, 512, at);
  at += 512;
  await fh.write(await memberHead(version), 0, undefined, at);
  at += Math.ceil(memberSize / 512) * 512;
  // backup.json after the big member, as Supervisor writes it: the walk must skip 4 GiB to find it.
  await fh.write(tarHeader("./backup.json", backupJson.length), 0, 512, at);
  at += 512;
  await fh.write(backupJson, 0, backupJson.length, at);
  at += Math.ceil(backupJson.length / 512) * 512 + 1024;
  await fh.truncate(at);
  await fh.close();
  return at;
}

const dir = await mkdtemp(join(tmpdir(), "bk-bench-"));
try {
  for (const version of [2, 3] as const) {
    const path = join(dir, `sparse-v${version}.tar`);
    const size = await makeSparseBackup(path, version);
    const file = await openFileSource(path);
    try {
      const warm = await inspectBackup(file); // loads modules once, as a long-running panel would have
      if (warm.members[0]?.format !== `v${version}`) throw new Error(`built a bad v${version} file`);
      const runs: number[] = [];
      let bytes = 0;
      let reads = 0;
      let opened: number | null = null;
      for (let i = 0; i < (version === 2 ? 20 : 3); i++) {
        const counting = countingSource(file);
        const t0 = performance.now();
        const report = await checkBackupKeys(counting, ["wrong_password", PASSWORD]);
        runs.push(performance.now() - t0);
        bytes = counting.bytesRead;
        reads = counting.reads;
        opened = report.openedBy;
      }
      runs.sort((a, b) => a - b);
      console.log(
        `v${version}: file ${(size / 1024 ** 3).toFixed(2)} GiB (sparse), 2 candidates, opened_by=${opened}: ` +
          `median ${runs[Math.floor(runs.length / 2)]!.toFixed(1)} ms, min ${runs[0]!.toFixed(1)} ms, ` +
          `${bytes} bytes read in ${reads} reads` +
          (version === 3 ? " (includes 1 Argon2id per candidate)" : ""),
      );
    } finally {
      await file.close();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
