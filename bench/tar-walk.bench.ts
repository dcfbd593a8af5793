// Hostile input, the cases that used to cost quadratic time or unbounded key checks:
// - a backup padded with global PAX headers (each adding a new attribute, each followed by an
//   empty member: tarfile refuses long runs of PAX headers, so a walkable file interleaves them),
//   8 MiB and 40 MiB: wall time, headers walked, attributes kept, peak heap growth;
// - 32 000 tiny archives backup.json does not list: inspect time (the damage list is built once);
// - 200 SecureTar v3 archives with random root salts and 2 keys: check time and Argon2id runs.
import { randomBytes } from "node:crypto";
import { bytesSource } from "../src/common/byte-source.js";
import { checkBackupKeys, inspectBackup } from "../src/backup-file/inspect.js";
import { walkTar, type WalkStats } from "../src/tar/reader.js";

function header(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, "utf8");
  h.write("0000644\0", 100, "latin1");
  h.write(size.toString(8).padStart(11, "0") + "\0", 124, "latin1");
  h.fill(0x20, 148, 156);
  h.write(type, 156, "latin1");
  h.write("ustar\0" + "00", 257, "latin1");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  return h;
}

function record(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
  return Buffer.from(`${len}${body}`);
}

const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const backupJson = (extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ slug: "0057113e", name: "Hostile", date: "2026-11-27T00:00:00+00:00", protected: false, homeassistant: null, folders: [], addons: [], ...extra }));
const withJson = (parts: Buffer[], json: Buffer) => Buffer.concat([...parts, header("./backup.json", json.length, "0"), padded(json), Buffer.alloc(1024)]);

function globalHeaders(bytes: number): Uint8Array {
  const parts: Buffer[] = [];
  let total = 0;
  for (let i = 0; total < bytes; i++) {
    const r = record(`comment.${i}`, "x".repeat(400));
    parts.push(header("pax_global_header", r.length, "g"), padded(r), header(`f${i}`, 0, "0"));
    total += 1536;
  }
  return withJson(parts, backupJson());
}

for (const mib of [8, 40]) {
  const bytes = globalHeaders(mib * 1024 * 1024);
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = heap0;
  const stats: WalkStats = { headers: 0, maxGlobalAttributes: 0, metaBytes: 0 };
  const t0 = performance.now();
  for await (const _ of walkTar(bytesSource(bytes), { stats })) peak = Math.max(peak, process.memoryUsage().heapUsed);
  const walkMs = performance.now() - t0;
  const t1 = performance.now();
  const report = await inspectBackup(bytesSource(bytes));
  const inspectMs = performance.now() - t1;
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  console.log(
    `${mib} MiB of global PAX headers: ${stats.headers} headers walked in ${walkMs.toFixed(0)} ms ` +
      `(inspect ${inspectMs.toFixed(0)} ms, damaged=${report.damaged}), global attributes kept ≤ ${stats.maxGlobalAttributes}, ` +
      `heap growth ≤ ${((peak - heap0) / 1024 ** 2).toFixed(1)} MiB`,
  );
}

{
  const parts: Buffer[] = [];
  for (let i = 0; i < 32_000; i++) parts.push(header(`x${i}.tar.gz`, 0, "0"));
  const bytes = withJson(parts, backupJson());
  const t0 = performance.now();
  const report = await inspectBackup(bytesSource(bytes));
  console.log(`32 000 unlisted tiny archives: inspect in ${(performance.now() - t0).toFixed(0)} ms, ${report.damage.length} damage items`);
}

{
  // A v3 header with random salts and plaintext size 0: 136 bytes + one empty chunk (17 bytes).
  const v3 = () => {
    const m = Buffer.alloc(153);
    m.write("SecureTar", 0, "latin1");
    m[9] = 3;
    randomBytes(104).copy(m, 32);
    return m;
  };
  const parts: Buffer[] = [];
  const addons: { slug: string }[] = [];
  for (let i = 0; i < 200; i++) {
    parts.push(header(`addon${i}.tar.gz`, 153, "0"), padded(v3()));
    addons.push({ slug: `addon${i}` });
  }
  const bytes = withJson(parts, backupJson({ protected: true, addons }));
  const roots = new Map<string, Uint8Array>();
  const t0 = performance.now();
  const report = await checkBackupKeys(bytesSource(bytes), ["wrong-1", "wrong-2"], { v3RootKeys: roots });
  console.log(
    `${(bytes.length / 1024).toFixed(0)} KiB with 200 v3 archives of random root salts, 2 keys: checked in ${(performance.now() - t0).toFixed(0)} ms, ` +
      `${roots.size} Argon2id runs, ${report.damage.filter((d) => d.code === "too_many_key_salts").length} archives over the salt limit`,
  );
}
