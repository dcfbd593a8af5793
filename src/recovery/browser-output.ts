// Where a browser writes a decrypted or re-keyed backup. With the File System Access API
// (Chrome, Edge) the output streams to the file the user picked: Chromium writes to a hidden swap
// file and moves it into place only on close(), so a cancelled or failed run leaves nothing.
// Elsewhere the output is assembled as a Blob (Chromium spills big Blobs to disk) and offered as a
// download; that path is limited to BLOB_LIMIT bytes and says so.
import type { ByteSink } from "./backup-recovery.js";
import { RecoveryError } from "./errors.js";
import type { Gunzip } from "./extract.js";

export const BLOB_LIMIT = 2 * 1024 * 1024 * 1024;

export interface SaveTarget {
  kind: "disk" | "blob";
  sink: ByteSink;
  /** Finishes the file (disk: commits it; blob: starts the download). */
  commit(): Promise<void>;
  /** Throws away everything written so far. */
  abort(): Promise<void>;
}

interface WritableLike {
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}
type SavePicker = (options: { suggestedName: string; types?: { description: string; accept: Record<string, string[]> }[] }) => Promise<{ createWritable(): Promise<WritableLike> }>;

export function canSaveToDisk(w: Window = window): boolean {
  return typeof (w as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker === "function";
}

/** Hands `blob` to the browser's own download (hidden <a download>, revoked later). */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

export function blobTarget(fileName: string, expectedSize: number, type = "application/x-tar"): SaveTarget {
  if (expectedSize > BLOB_LIMIT) throw new RecoveryError("too_large", { limit: `${BLOB_LIMIT / 1024 ** 3} GiB` });
  let parts: BlobPart[] = [];
  let size = 0;
  return {
    kind: "blob",
    sink: {
      async write(bytes) {
        size += bytes.length;
        if (size > BLOB_LIMIT) throw new RecoveryError("too_large", { limit: `${BLOB_LIMIT / 1024 ** 3} GiB` });
        parts.push(bytes as BlobPart);
      },
    },
    async commit() {
      downloadBlob(new Blob(parts, { type }), fileName);
      parts = [];
    },
    async abort() {
      parts = [];
    },
  };
}

/**
 * Asks where to save (File System Access API) or falls back to a Blob. Returns null when the user
 * closes the save dialog.
 */
export async function chooseSaveTarget(fileName: string, expectedSize: number, w: Window = window): Promise<SaveTarget | null> {
  if (!canSaveToDisk(w)) return blobTarget(fileName, expectedSize);
  let handle;
  try {
    handle = await (w as unknown as { showSaveFilePicker: SavePicker }).showSaveFilePicker({ suggestedName: fileName });
  } catch (e) {
    if ((e as Error).name === "AbortError") return null;
    // No permission to pick (e.g. a sandboxed frame): fall back to the Blob download.
    return blobTarget(fileName, expectedSize);
  }
  const writable = await handle.createWritable();
  return {
    kind: "disk",
    sink: {
      async write(bytes) {
        try {
          await writable.write(bytes);
        } catch {
          throw new RecoveryError("write_failed");
        }
      },
    },
    commit: () => writable.close(),
    abort: () => writable.abort().catch(() => undefined),
  };
}

/** Gunzip through the browser's DecompressionStream; a broken gzip becomes "damaged". */
export const browserGunzip: Gunzip = (input) => {
  const iterator = input[Symbol.asyncIterator]();
  const compressed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await iterator.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  const reader = compressed.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
  return (async function* () {
    try {
      for (;;) {
        let r;
        try {
          r = await reader.read();
        } catch (e) {
          if (e instanceof RecoveryError) throw e;
          throw new RecoveryError("damaged", { reason: "inner_archive" });
        }
        if (r.done) return;
        yield r.value;
      }
    } finally {
      reader.cancel().catch(() => undefined);
    }
  })();
};
