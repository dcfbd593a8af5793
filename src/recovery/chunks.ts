// Reading a byte range in fixed-size pieces with one read always in flight ahead of the consumer,
// so disk reads overlap decryption; memory stays at two pieces.
import type { ByteSource } from "../common/byte-source.js";
import { BackupFileError } from "../common/backup-file-errors.js";

export const IO_CHUNK = 1024 * 1024;

export async function* readRange(source: ByteSource, start: number, end: number, piece: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let at = start;
  const next = () => {
    const length = Math.min(piece, end - at);
    const p = source.read(at, length).then((b) => {
      if (b.length !== length) throw new BackupFileError("truncated", { offset: at });
      return b;
    });
    at += length;
    return p;
  };
  let pending = at < end ? next() : null;
  while (pending) {
    signal?.throwIfAborted();
    const current = await pending;
    pending = at < end ? next() : null;
    yield current;
  }
}

/** Collects arbitrary-sized pieces into pieces of exactly `size` bytes (the last may be shorter). */
export async function* rechunk(input: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(size);
  let fill = 0;
  for await (const piece of input) {
    let at = 0;
    if (fill === 0 && piece.length === size) {
      yield piece;
      continue;
    }
    while (at < piece.length) {
      const n = Math.min(size - fill, piece.length - at);
      buf.set(piece.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === size) {
        yield buf;
        buf = new Uint8Array(size);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield buf.subarray(0, fill);
}
