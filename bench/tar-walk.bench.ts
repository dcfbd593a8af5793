// Hostile tar input: a backup padded with global PAX headers (each adding a new attribute), the
// case that used to cost quadratic time and memory. Prints wall time, headers walked and the peak
// heap growth for 8 MiB and 40 MiB of such headers.
import { bytesSource } from "../src/common/byte-source.js";
import { inspectBackup } from "../src/backup-file/inspect.js";
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

function hostile(bytes: number): Uint8Array {
  const parts: Buffer[] = [];
  let total = 0;
  for (let i = 0; total < bytes; i++) {
    const r = record(`comment.${i}`, "x".repeat(400));
    const block = Buffer.alloc(512);
    r.copy(block);
    parts.push(header("pax_global_header", r.length, "g"), block);
    total += 1024;
  }
  const json = Buffer.from(JSON.stringify({ slug: "0057113e", name: "Hostile", date: "2026-11-27T00:00:00+00:00", protected: false, homeassistant: null, folders: [], addons: [] }));
  const jsonBlock = Buffer.alloc(Math.ceil(json.length / 512) * 512);
  json.copy(jsonBlock);
  parts.push(header("./backup.json", json.length, "0"), jsonBlock, Buffer.alloc(1024));
  return Buffer.concat(parts);
}

for (const mib of [8, 40]) {
  const bytes = hostile(mib * 1024 * 1024);
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = heap0;
  const stats: WalkStats = { headers: 0, maxGlobalAttributes: 0 };
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
