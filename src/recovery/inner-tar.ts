// A forward-only tar reader over a stream of pieces (the decrypted, gunzipped inner archive), for
// extract and --list: nothing is buffered beyond one entry's header (or PAX/GNU record) and the
// piece in hand. It reads a tar by the same rules as the walker and the deep check
// (src/tar/tarfile-rules.ts, Python's tarfile), so it lists what HA would restore; where tarfile
// would stop early or fail, it throws RecoveryError("damaged").
import { BLOCK, blocks, isZeroBlock, MAX_META, parseHeader, TarfileState } from "../tar/tarfile-rules.js";
import { RecoveryError } from "./errors.js";

export interface InnerEntry {
  name: string;
  type: "file" | "dir" | "symlink" | "other";
  /** The file's size (0 for everything that is not a regular file). */
  size: number;
  /** Permission bits from the header (e.g. 0o644), as stored. */
  mode: number;
  /** The file's bytes; must be consumed (or abandoned by returning) before the next entry. */
  data: AsyncGenerator<Uint8Array>;
}

/** A header tarfile rejects, or data the stream cannot reach: HA's restore would fail or lose files there. */
const invalid = () => new RecoveryError("damaged", { reason: "inner_archive" });
const cutShort = () => new RecoveryError("damaged", { reason: "inner_tar_incomplete" });

class PieceReader {
  private piece: Uint8Array = new Uint8Array(0);
  private at = 0;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}
  private async fill(): Promise<boolean> {
    while (this.at >= this.piece.length) {
      const r = await this.it.next();
      if (r.done) return false;
      this.piece = r.value;
      this.at = 0;
    }
    return true;
  }
  /** Exactly n bytes, or null at a clean end of input before any byte. */
  async take(n: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (!(await this.fill())) {
        if (got === 0) return null;
        throw cutShort();
      }
      const k = Math.min(n - got, this.piece.length - this.at);
      out.set(this.piece.subarray(this.at, this.at + k), got);
      this.at += k;
      got += k;
    }
    return out;
  }
  async *stream(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw cutShort();
      const k = Math.min(left, this.piece.length - this.at);
      const out = this.piece.subarray(this.at, this.at + k);
      this.at += k;
      left -= k;
      yield out;
    }
  }
}

async function* nothing(): AsyncGenerator<Uint8Array> {}

export async function* readInnerTar(input: AsyncIterable<Uint8Array>): AsyncGenerator<InnerEntry> {
  const reader = new PieceReader(input[Symbol.asyncIterator]());
  const tar = new TarfileState();
  for (;;) {
    const h = await reader.take(BLOCK);
    // The end: EOF between members, or a zero block; after PAX/GNU headers tarfile needs a member.
    if (!h || isZeroBlock(h)) {
      if (tar.pending) throw invalid();
      return;
    }
    const header = parseHeader(h);
    if (typeof header === "string") throw invalid();
    if (header.meta) {
      if (header.size > MAX_META) throw invalid();
      const data = (await reader.take(blocks(header.size))) ?? new Uint8Array(0);
      if (data.length < blocks(header.size)) throw cutShort();
      if (!tar.meta(header, data)) throw invalid();
      continue;
    }
    const view = tar.member(header);
    // A stream cannot seek back: a file whose data reaches past where the next header is looked for.
    if (!view || (header.isFile && view.size > view.skip)) throw invalid();
    const size = header.isFile ? view.size : 0;
    const data = header.isFile ? reader.stream(size) : nothing();
    yield {
      name: view.name,
      type: header.isFile ? "file" : header.isDir ? "dir" : header.typeflag === "2" ? "symlink" : "other",
      size,
      mode: header.mode,
      data,
    };
    // Whatever the consumer left unread is skipped here, then the padding (or an unknown type's data).
    for await (const _ of data) void _;
    if (view.skip > size) for await (const _ of reader.stream(view.skip - size)) void _;
  }
}
