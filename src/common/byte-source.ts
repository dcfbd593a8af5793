// Random access to a possibly huge file without loading it: a browser `Blob`/`File` (via
// `slice`) or a Node file handle. Readers ask only for the bytes they need.
export interface ByteSource {
  readonly size: number;
  readonly name: string;
  /** Returns up to `length` bytes from `offset` (fewer only at the end of the source). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function blobSource(blob: Blob, name = (blob as File).name ?? "backup.tar"): ByteSource {
  return {
    size: blob.size,
    name,
    async read(offset, length) {
      const end = Math.min(blob.size, offset + length);
      if (offset >= end) return new Uint8Array(0);
      return new Uint8Array(await blob.slice(offset, end).arrayBuffer());
    },
  };
}

export function bytesSource(bytes: Uint8Array, name = "backup.tar"): ByteSource {
  return {
    size: bytes.length,
    name,
    async read(offset, length) {
      return bytes.subarray(Math.min(offset, bytes.length), Math.min(bytes.length, offset + length));
    },
  };
}

/** Wraps a source and counts the bytes actually read (benchmarks report it). */
export function countingSource(inner: ByteSource): ByteSource & { bytesRead: number; reads: number } {
  const counted = {
    size: inner.size,
    name: inner.name,
    bytesRead: 0,
    reads: 0,
    async read(offset: number, length: number) {
      const out = await inner.read(offset, length);
      counted.bytesRead += out.length;
      counted.reads++;
      return out;
    },
  };
  return counted;
}
