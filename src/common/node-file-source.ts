// A ByteSource over a file on disk (Node only: the CLI and tests). Opens the file once and reads
// with positional reads, so a 4 GiB backup costs a few KiB of I/O.
import { open, type FileHandle } from "node:fs/promises";
import { basename } from "node:path";
import type { ByteSource } from "./byte-source.js";

export interface NodeFileSource extends ByteSource {
  close(): Promise<void>;
}

export async function openFileSource(path: string): Promise<NodeFileSource> {
  const handle: FileHandle = await open(path, "r");
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw Object.assign(new Error("not a regular file"), { code: "EISDIR" });
  }
  return {
    size: stat.size,
    name: basename(path),
    async read(offset, length) {
      const len = Math.max(0, Math.min(length, stat.size - offset));
      const buf = new Uint8Array(len);
      let done = 0;
      while (done < len) {
        const { bytesRead } = await handle.read(buf, done, len - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.subarray(0, done);
    },
    close: () => handle.close(),
  };
}
