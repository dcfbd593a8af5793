// Writes a file so that it either appears complete or not at all: a temporary file in the target's
// own folder (same file system, so the final rename is atomic), removed on any failure — also when
// the process is interrupted (Ctrl-C, SIGTERM): then the temporary file is removed and the process
// exits 130 / 143, as a shell reports those signals. Without `force` an existing target is never
// replaced — the final step is link(), which fails if the name was taken meanwhile; on file
// systems without hard links (FAT on a USB stick) a last existence check and rename() stand in.
// The output may never be the input itself (same path, a hard link or a symlink to it).
import { randomBytes } from "node:crypto";
import { constants, unlinkSync } from "node:fs";
import { access, link, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { RecoveryError } from "../recovery/errors.js";
import type { ByteSink } from "../recovery/backup-recovery.js";

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

export async function assertWritable(target: string, force: boolean): Promise<void> {
  if (!force && (await exists(target))) throw new RecoveryError("output_exists", { file: target });
}

/** Refuses an output that is the input file: the same inode (path, hard link or symlink alike). */
export async function assertNotInput(input: string, target: string): Promise<void> {
  const [a, b] = await Promise.all([stat(input).catch(() => null), stat(target).catch(() => null)]);
  if (a && b && a.dev === b.dev && a.ino === b.ino) throw new RecoveryError("output_is_input", { file: target });
}

// Temporary files being written now, removed if a signal ends the process.
const openTemps = new Set<string>();
const SIGNAL_EXIT: Record<"SIGINT" | "SIGTERM", number> = { SIGINT: 130, SIGTERM: 143 };
let handlersInstalled = false;

function onSignal(signal: "SIGINT" | "SIGTERM"): void {
  for (const temp of openTemps) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
  openTemps.clear();
  process.exit(SIGNAL_EXIT[signal]);
}

function track(temp: string): void {
  openTemps.add(temp);
  if (!handlersInstalled) {
    handlersInstalled = true;
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
}

function untrack(temp: string): void {
  openTemps.delete(temp);
  if (openTemps.size === 0 && handlersInstalled) {
    handlersInstalled = false;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export interface WriteOptions {
  /** The file being read: the output may not turn out to be it (checked again just before the rename). */
  input?: string;
}

export async function writeAtomically(target: string, force: boolean, produce: (sink: ByteSink) => Promise<void>, options: WriteOptions = {}): Promise<void> {
  const full = resolve(target);
  if (options.input) await assertNotInput(options.input, full);
  await assertWritable(full, force);
  const temp = join(dirname(full), `.${basename(full)}.${randomBytes(6).toString("hex")}.partial`);
  // Tracked before it exists: a signal between its creation and the first write must remove it too.
  track(temp);
  let handle;
  try {
    handle = await open(temp, "wx", 0o600);
  } catch {
    untrack(temp);
    throw new RecoveryError("write_failed", { file: target });
  }
  let done = false;
  try {
    const h = handle;
    await produce({
      async write(bytes) {
        let at = 0;
        while (at < bytes.length) {
          try {
            at += (await h.write(bytes, at, bytes.length - at)).bytesWritten;
          } catch {
            throw new RecoveryError("write_failed", { file: target });
          }
        }
      },
    });
    try {
      await h.datasync();
      await h.close();
    } catch {
      throw new RecoveryError("write_failed", { file: target });
    }
    if (options.input) await assertNotInput(options.input, full);
    if (force)
      await rename(temp, full).catch(() => {
        throw new RecoveryError("write_failed", { file: target });
      });
    else {
      try {
        await link(temp, full);
        await unlink(temp);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new RecoveryError("output_exists", { file: target });
        if (await exists(full)) throw new RecoveryError("output_exists", { file: target });
        await rename(temp, full).catch(() => {
          throw new RecoveryError("write_failed", { file: target });
        });
      }
    }
    done = true;
  } finally {
    if (!done) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
    untrack(temp);
  }
}
