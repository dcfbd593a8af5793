// Follows a tar stream (an inner archive's plaintext) to its end without keeping it, by the same
// rules as the walker (tarfile-rules.ts: headers tarfile accepts, PAX/GNU data padded to blocks,
// which sizes move the next header, no data for directories and links), and reports whether the
// stream ends where tarfile ends it without losing anything: at a zero block, or right after a
// complete member. HA extracts inner archives as a stream (`r|gz`), which cannot seek back: a
// member whose size reaches past the next header fails there. Memory: one header plus at most
// one PAX/GNU record (capped).
import { BLOCK, blocks, isZeroBlock, MAX_META, parseHeader, TarfileState, type Header } from "./tarfile-rules.js";

export type TarStreamResult = "ok" | "incomplete" | "invalid";

export class TarStreamChecker {
  private header = new Uint8Array(BLOCK);
  private headerFill = 0;
  /** Bytes of member data (plus padding) still to skip. */
  private skip = 0;
  /** A PAX/GNU header whose padded data is being collected. */
  private meta: { header: Header; buf: Uint8Array; fill: number } | null = null;
  private readonly tar = new TarfileState();
  private state: "header" | "data" | "meta" | "done" | "invalid" = "header";
  private sawMember = false;

  push(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length && this.state !== "done" && this.state !== "invalid") {
      if (this.state === "data") {
        const n = Math.min(this.skip, bytes.length - at);
        this.skip -= n;
        at += n;
        if (this.skip === 0) this.state = "header";
      } else if (this.state === "meta") {
        const meta = this.meta!;
        const n = Math.min(meta.buf.length - meta.fill, bytes.length - at);
        meta.buf.set(bytes.subarray(at, at + n), meta.fill);
        meta.fill += n;
        at += n;
        if (meta.fill === meta.buf.length) this.endMeta();
      } else {
        const n = Math.min(BLOCK - this.headerFill, bytes.length - at);
        this.header.set(bytes.subarray(at, at + n), this.headerFill);
        this.headerFill += n;
        at += n;
        if (this.headerFill === BLOCK) this.onHeader();
      }
    }
  }

  private endMeta(): void {
    const { header, buf } = this.meta!;
    this.meta = null;
    this.state = this.tar.meta(header, buf) ? "header" : "invalid";
  }

  private onHeader(): void {
    this.headerFill = 0;
    const h = this.header;
    if (isZeroBlock(h)) {
      // The end of the archive; after PAX/GNU headers tarfile needs a member instead.
      this.state = this.tar.pending ? "invalid" : "done";
      return;
    }
    const header = parseHeader(h);
    if (typeof header === "string") {
      this.state = "invalid";
      return;
    }
    if (header.meta) {
      if (header.size > MAX_META) {
        this.state = "invalid";
        return;
      }
      this.meta = { header, buf: new Uint8Array(blocks(header.size)), fill: 0 };
      this.state = "meta";
      if (this.meta.buf.length === 0) this.endMeta();
      return;
    }
    const view = this.tar.member(header);
    // A stream cannot seek back: data tarfile reads past where it then looks for the next header.
    if (!view || (header.isFile && view.size > view.skip)) {
      this.state = "invalid";
      return;
    }
    this.sawMember = true;
    this.skip = view.skip;
    this.state = view.skip > 0 ? "data" : "header";
  }

  /** Call at the end of the stream. */
  finish(): TarStreamResult {
    if (this.state === "invalid") return "invalid";
    if (this.state === "done") return "ok";
    // tarfile also ends at EOF between members, or at a partial block there (a cut inside the
    // end blocks loses nothing if it is all zeros); not inside a member or after a lone PAX header.
    const partialZeros = this.header.subarray(0, this.headerFill).every((b) => b === 0);
    const between = this.state === "header" && partialZeros && !this.tar.pending;
    return between && this.sawMember ? "ok" : "incomplete";
  }
}
