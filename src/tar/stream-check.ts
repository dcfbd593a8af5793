// Follows a tar stream (an inner archive's plaintext) to its end without keeping it: checks each
// header's checksum, skips member data by the header's size (or a PAX `size=`), and reports
// whether the stream ends where a tar may end — at a zero block, or right after a complete member
// (Python's tarfile accepts both). Memory: one header plus at most one PAX record (capped).
const BLOCK = 512;
const MAX_META = 1024 * 1024;

export type TarStreamResult = "ok" | "incomplete" | "invalid";

function octal(field: Uint8Array): number | null {
  if (field[0] === 0x80) {
    let v = 0;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const nul = field.indexOf(0);
  const text = String.fromCharCode(...(nul >= 0 ? field.subarray(0, nul) : field)).trim();
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : null;
}

function checksumOk(h: Uint8Array): boolean {
  const stored = octal(h.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function paxSize(data: Uint8Array): number | null | undefined {
  const text = new TextDecoder().decode(data);
  const m = /(?:^|\n)\d+ size=([^\n]*)\n/.exec(text);
  if (!m) return undefined;
  return /^\d{1,16}$/.test(m[1]!) ? Number(m[1]) : null;
}

export class TarStreamChecker {
  private header = new Uint8Array(BLOCK);
  private headerFill = 0;
  /** Bytes of member data (plus padding) still to skip. */
  private skip = 0;
  /** A PAX `x` record being collected, and how much of it is still to come. */
  private pax: Uint8Array | null = null;
  private paxFill = 0;
  private paxPadding = 0;
  private nextSize: number | undefined;
  private state: "header" | "data" | "pax" | "done" | "invalid" = "header";
  private sawMember = false;

  push(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length && this.state !== "done" && this.state !== "invalid") {
      if (this.state === "data") {
        const n = Math.min(this.skip, bytes.length - at);
        this.skip -= n;
        at += n;
        if (this.skip === 0) this.state = "header";
      } else if (this.state === "pax") {
        const want = this.pax!.length - this.paxFill;
        const n = Math.min(want, bytes.length - at);
        this.pax!.set(bytes.subarray(at, at + n), this.paxFill);
        this.paxFill += n;
        at += n;
        if (this.paxFill === this.pax!.length) {
          const size = paxSize(this.pax!);
          if (size === null) {
            this.state = "invalid";
            return;
          }
          this.nextSize = size;
          this.pax = null;
          this.skip = this.paxPadding;
          this.state = this.skip > 0 ? "data" : "header";
        }
      } else {
        const n = Math.min(BLOCK - this.headerFill, bytes.length - at);
        this.header.set(bytes.subarray(at, at + n), this.headerFill);
        this.headerFill += n;
        at += n;
        if (this.headerFill === BLOCK) this.onHeader();
      }
    }
  }

  private onHeader(): void {
    this.headerFill = 0;
    const h = this.header;
    if (h.every((b) => b === 0)) {
      this.state = this.sawMember || this.nextSize === undefined ? "done" : "invalid";
      return;
    }
    const headerSize = octal(h.subarray(124, 136));
    if (!checksumOk(h) || headerSize === null) {
      this.state = "invalid";
      return;
    }
    const size = this.nextSize ?? headerSize;
    this.nextSize = undefined;
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const type = String.fromCharCode(h[156]!);
    if (type === "x") {
      if (size > MAX_META) {
        this.state = "invalid";
        return;
      }
      this.pax = new Uint8Array(size);
      this.paxFill = 0;
      this.paxPadding = padded - size;
      this.state = size > 0 ? "pax" : "header";
      return;
    }
    this.sawMember = true;
    this.skip = padded;
    this.state = padded > 0 ? "data" : "header";
  }

  /** Call at the end of the stream. */
  finish(): TarStreamResult {
    if (this.state === "invalid") return "invalid";
    if (this.state === "done") return "ok";
    // Python's tarfile also ends at EOF between members, but not inside one or after a lone PAX header.
    const between = this.state === "header" && this.headerFill === 0 && this.nextSize === undefined;
    return between && this.sawMember ? "ok" : "incomplete";
  }
}
