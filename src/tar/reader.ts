// Walks tar headers over a ByteSource and skips member data: reads 512 bytes per member (plus
// PAX/GNU records), never the members themselves. Handles ustar (prefix + name), PAX `x`/`g`
// (path, size beyond 8 GiB), GNU `L` long names and GNU base-256 sizes.
//
// It reads a tar the way Python's tarfile does (tarfile-rules.ts), which is what HA restores with.
// Where tarfile would end the archive early (losing what follows) or fail, the walk throws:
// `corrupt_header` for a header it rejects, `truncated` where data it needs is cut off. Work is
// linear in the input and memory bounded: each record is capped, and of the global attributes only
// the two that matter are kept, never the accumulated set.
import type { ByteSource } from "../common/byte-source.js";
import { BackupFileError } from "../backup-file/errors.js";
import { BLOCK, blocks, isZeroBlock, MAX_META, parseHeader, TarfileState, type TarWork } from "./tarfile-rules.js";

export interface TarEntry {
  name: string;
  type: "file" | "dir" | "other";
  /** The size tarfile gives the member: what it reads, from `dataOffset`, as the member's data. */
  size: number;
  headerOffset: number;
  dataOffset: number;
}

/** Counters a caller (a test, a benchmark) can pass in to see how much work a walk did. */
export interface WalkStats extends TarWork {
  headers: number;
}

export async function* walkTar(source: ByteSource, options: { stats?: WalkStats } = {}): AsyncGenerator<TarEntry> {
  if (source.size === 0) throw new BackupFileError("empty");
  const stats = options.stats;
  const state = new TarfileState(stats);
  let offset = 0;
  let first = true;
  for (;;) {
    // Between members. tarfile ends the archive at EOF, at a zero block, or at a partial block
    // after the first header; a partial block that is not all zeros is a header cut short. After
    // PAX/GNU headers it needs a member: the end there is an error.
    if (offset >= source.size) {
      if (first) throw new BackupFileError("not_tar", { offset });
      if (state.pending) throw new BackupFileError("corrupt_header", { offset });
      return;
    }
    const h = await source.read(offset, BLOCK);
    if (h.length < BLOCK && first) throw new BackupFileError("not_tar", { offset });
    if (isZeroBlock(h)) {
      if (state.pending) throw new BackupFileError("corrupt_header", { offset });
      return;
    }
    if (h.length < BLOCK) throw new BackupFileError("truncated", { offset });
    const header = parseHeader(h);
    if (typeof header === "string") throw new BackupFileError(first && header === "checksum" ? "not_tar" : "corrupt_header", { offset });
    first = false;
    if (stats) stats.headers++;
    const dataOffset = offset + BLOCK;

    if (header.meta) {
      if (header.size > MAX_META) throw new BackupFileError("corrupt_header", { offset });
      // tarfile reads the data padded to whole blocks and parses all of it.
      const padded = blocks(header.size);
      if (dataOffset + padded > source.size) throw new BackupFileError("truncated", { offset });
      if (!state.meta(header, await source.read(dataOffset, padded))) throw new BackupFileError("corrupt_header", { offset });
      offset = dataOffset + padded;
      continue;
    }
    const view = state.member(header);
    if (!view) throw new BackupFileError("corrupt_header", { offset });
    // tarfile seeks to the byte before the next header and fails if it is not there; a regular
    // file's data must be there in full to be extracted.
    if (dataOffset + view.skip > source.size || (header.isFile && dataOffset + view.size > source.size)) {
      throw new BackupFileError("truncated", { offset });
    }
    yield {
      name: view.name,
      type: header.isFile ? "file" : header.isDir ? "dir" : "other",
      size: view.size,
      headerOffset: offset,
      dataOffset,
    };
    offset = dataOffset + view.skip;
  }
}
