// The end-of-archive check fed as the deep check and decrypt feed it: many pieces in order, with
// several of them waiting in the gzip stream at once. Damage anywhere (early, found while pieces
// are still queued; or only by the CRC-32 trailer; or a cut) is reported, and an intact archive
// is only called intact once every piece has been inflated and its tar followed to the end.
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { archiveEndSink } from "../../../src/backup-file/archive-end.js";
import { seededRng } from "../../../src/sim/random.js";
import { writeTar } from "../../../src/sim/tar-writer.js";

const rng = seededRng(7);
const text = new TextEncoder().encode(Array.from({ length: 60_000 }, (_, i) => `sensor.power_${i % 97}: ${rng.int(0, 99_999)}\n`).join(""));
const noise = rng.bytes(512 * 1024); // stored, not compressed: a flipped byte there breaks only the CRC
const tar = writeTar(
  [
    { name: "data/home-assistant_v2.log", data: text, mtime: 1_700_000_000 },
    { name: "data/noise.bin", data: noise, mtime: 1_700_000_000 },
    { name: "data/last.yaml", data: new TextEncoder().encode("end: true\n"), mtime: 1_700_000_000 },
  ],
  { recordSize: 512 },
);
const gz = new Uint8Array(gzipSync(tar));
const PIECE = 8 * 1024;

/** Feeds `bytes` in PIECE-sized pieces through one reused buffer (the caller may reuse its buffer). */
async function verdict(bytes: Uint8Array, compressed = true) {
  const sink = archiveEndSink(compressed);
  const buffer = new Uint8Array(PIECE);
  for (let at = 0; at < bytes.length; at += PIECE) {
    const piece = bytes.subarray(at, Math.min(at + PIECE, bytes.length));
    buffer.set(piece);
    await sink.write(buffer.subarray(0, piece.length));
    buffer.fill(0xee); // what a reused buffer holds next
  }
  return sink.close();
}

describe("archive end: many pieces, several in flight", () => {
  it("an intact gzip in many pieces is whole; the same archive cut before its tar's end is not", async () => {
    assert.ok(gz.length / PIECE > 20, `${gz.length} bytes: enough pieces to keep several in flight`);
    assert.equal(await verdict(gz), null);
    assert.equal(await verdict(new Uint8Array(gzipSync(tar.subarray(0, tar.length - 2048)))), "inner_tar_incomplete");
  });

  it("garbled deflate data early on is reported, however many pieces follow", async () => {
    const bad = gz.slice();
    bad.fill(0xff, 4000, 4100); // inside the compressed log, dozens of pieces before the end
    assert.equal(await verdict(bad), "gzip_invalid");
  });

  it("a byte flipped where only the CRC-32 can tell is reported at the end", async () => {
    const at = gz.length - 100_000; // inside the stored noise
    const bad = gz.slice();
    bad[at]! ^= 0x01;
    assert.equal(await verdict(bad), "gzip_invalid");
  });

  it("a gzip cut short (at a piece boundary or inside a piece) is not whole", async () => {
    for (const end of [gz.length - PIECE * 3, gz.length - 5]) assert.equal(await verdict(gz.subarray(0, end)), "gzip_invalid", `cut at ${end}`);
  });

  it("an uncompressed tar in many pieces is followed the same way", async () => {
    assert.equal(await verdict(tar, false), null);
    assert.equal(await verdict(tar.subarray(0, tar.length - 1536), false), "inner_tar_incomplete");
  });
});
