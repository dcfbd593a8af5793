// A forward-only tar reader over a stream of pieces (the decrypted, gunzipped inner archive), for
// extract and --list: nothing is buffered beyond one entry's header and the piece in hand.
export interface InnerEntry {
  name: string;
  type: "file" | "dir" | "symlink" | "other";
  size: number;
  /** Permission bits from the header (e.g. 0o644), as stored. */
  mode: number;
  /** The file's bytes; must be consumed (or abandoned by returning) before the next entry. */
  data: AsyncGenerator<Uint8Array>;
}

const dec = new TextDecoder();
const cString = (b: Uint8Array) => {
  const nul = b.indexOf(0);
  return dec.decode(nul >= 0 ? b.subarray(0, nul) : b);
};

function numeric(field: Uint8Array): number {
  if (field[0]! & 0x80) {
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const t = cString(field).trim();
  return t === "" ? 0 : parseInt(t, 8);
}

function pax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = parseInt(dec.decode(data.subarray(at, space)), 10);
    if (!(len > 0) || at + len > data.length) break;
    const rec = dec.decode(data.subarray(space + 1, at + len - 1));
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    at += len;
  }
  return out;
}

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
        throw new Error("inner archive ends early");
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
      if (!(await this.fill())) throw new Error("inner archive ends early");
      const k = Math.min(left, this.piece.length - this.at);
      const out = this.piece.subarray(this.at, this.at + k);
      this.at += k;
      left -= k;
      yield out;
    }
  }
}

export async function* readInnerTar(input: AsyncIterable<Uint8Array>): AsyncGenerator<InnerEntry> {
  const reader = new PieceReader(input[Symbol.asyncIterator]());
  let records: Record<string, string> = {};
  let longName: string | null = null;
  for (;;) {
    const h = await reader.take(512);
    if (!h || h.every((b) => b === 0)) return;
    const type = String.fromCharCode(h[156]!);
    const size = records.size !== undefined ? Number(records.size) : numeric(h.subarray(124, 136));
    const padded = Math.ceil(size / 512) * 512;
    if (type === "x" || type === "g" || type === "L") {
      const data = (await reader.take(padded)) ?? new Uint8Array(0);
      if (type === "x") records = pax(data.subarray(0, size));
      else if (type === "L") longName = cString(data.subarray(0, size));
      continue;
    }
    const prefix = cString(h.subarray(257, 262)) === "ustar" ? cString(h.subarray(345, 500)) : "";
    const base = cString(h.subarray(0, 100));
    const name = records.path ?? longName ?? (prefix ? `${prefix}/${base}` : base);
    records = {};
    longName = null;
    const data = reader.stream(size);
    yield {
      name,
      type: type === "0" || type === "\0" || type === "7" ? "file" : type === "5" ? "dir" : type === "2" ? "symlink" : "other",
      size,
      mode: numeric(h.subarray(100, 108)),
      data,
    };
    // Whatever the consumer left unread is skipped here.
    for await (const _ of data) void _;
    if (padded > size) await reader.take(padded - size);
  }
}
