// The last step of a deep check: an inner archive's plaintext, fed in order, must be a complete
// gzip stream (its CRC-32 and length trailer verified by the platform's DecompressionStream) around
// a tar that reaches its end. Memory stays at one chunk: nothing is collected.
import { TarStreamChecker } from "../tar/stream-check.js";

export type ArchiveEndDamage = "gzip_invalid" | "inner_tar_incomplete";

export interface ArchiveEndSink {
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the stream and says what is wrong with it, if anything. */
  close(): Promise<ArchiveEndDamage | null>;
}

function tarVerdict(tar: TarStreamChecker): ArchiveEndDamage | null {
  return tar.finish() === "ok" ? null : "inner_tar_incomplete";
}

/**
 * A gzip reader: what is written to `writable` comes out of `readable` inflated, and a stream
 * that is not whole gzip errors (CRC-32 and length checked). By default the platform's
 * DecompressionStream; the CLI passes node:zlib with larger output pieces (cli/recovery.ts).
 */
export type Inflate = () => ReadableWritablePair<Uint8Array, Uint8Array>;

const platformInflate: Inflate = () => new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;

/** Pieces handed to the gzip stream before the next write waits (memory: this many pieces). */
const AHEAD = 3;

export function archiveEndSink(compressed: boolean, inflate: Inflate = platformInflate): ArchiveEndSink {
  const tar = new TarStreamChecker();
  if (!compressed) {
    return {
      async write(bytes) {
        tar.push(bytes);
      },
      async close() {
        return tarVerdict(tar);
      },
    };
  }
  const gunzip = inflate();
  const writer = gunzip.writable.getWriter();
  let failed = false;
  const pending: Promise<void>[] = [];
  const reading = (async () => {
    const reader = gunzip.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      tar.push(value);
    }
  })().catch(() => {
    failed = true;
  });
  return {
    async write(bytes) {
      if (failed) return;
      // Up to AHEAD pieces wait in the stream: the platform inflates on its own thread while the
      // caller decrypts the next ones (awaiting each write would take turns). A copy: the caller
      // may reuse its buffer, and the stream keeps what it is given.
      pending.push(
        writer.write(bytes.slice()).catch(() => {
          failed = true;
        }),
      );
      if (pending.length > AHEAD) await pending.shift();
    },
    async close() {
      await writer.close().catch(() => {
        failed = true;
      });
      await reading;
      return failed ? "gzip_invalid" : tarVerdict(tar);
    },
  };
}
