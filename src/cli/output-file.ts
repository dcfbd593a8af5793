// Writes a file so that it either appears complete or not at all: a temporary file in the target's
// own folder (same file system, so the final rename is atomic), removed on any failure. Without
// `force` an existing target is never replaced — the final step is link(), which fails if the
// name was taken meanwhile; on file systems without hard links (FAT on a USB stick) a last
// existence check and rename() stand in.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, link, mkdir, open, rename, unlink } from "node:fs/promises";
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

export async function writeAtomically(target: string, force: boolean, produce: (sink: ByteSink) => Promise<void>, options: { makeDirs?: boolean } = {}): Promise<void> {
  const full = resolve(target);
  await assertWritable(full, force);
  if (options.makeDirs) await mkdir(dirname(full), { recursive: true });
  const temp = join(dirname(full), `.${basename(full)}.${randomBytes(6).toString("hex")}.partial`);
  let handle;
  try {
    handle = await open(temp, "wx", 0o600);
  } catch {
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
    if (force) await rename(temp, full).catch(() => { throw new RecoveryError("write_failed", { file: target }); });
    else {
      try {
        await link(temp, full);
        await unlink(temp);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new RecoveryError("output_exists", { file: target });
        if (await exists(full)) throw new RecoveryError("output_exists", { file: target });
        await rename(temp, full).catch(() => { throw new RecoveryError("write_failed", { file: target }); });
      }
    }
    done = true;
  } finally {
    if (!done) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
  }
}
