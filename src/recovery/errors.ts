// Errors of decrypt / extract / re-key. `code` is stable and translated (`errors.recovery.<code>`);
// no message ever holds key material.
export type RecoveryErrorCode =
  /** An encrypted inner archive opens with none of the given keys. */
  | "no_key"
  /** An inner archive's padding or stream fails its check after the key matched: damaged file. */
  | "damaged"
  /** The output file exists and overwriting was not asked for. */
  | "output_exists"
  /** Writing the output failed (disk full, no permission…); nothing was left behind. */
  | "write_failed"
  /** The backup is bigger than the in-memory limit of a browser without the File System Access API. */
  | "too_large"
  /** A path asked for by extract is in no inner archive. */
  | "not_found"
  /** The user cancelled. */
  | "cancelled"
  /** A re-key was asked for with an empty new key (HA treats an empty password as none). */
  | "empty_new_key"
  /** The output would replace the input backup itself (same path, hard link or symlink). */
  | "output_is_input"
  /** An extracted path would land outside the target folder (an unsafe name or a symlink on the way). */
  | "unsafe_path";

/** One reason a backup cannot be restored (the `damage` list of src/backup-file/inspect.ts). */
export interface RecoveryDamage {
  archive: string | null;
  code: string;
}

export class RecoveryError extends Error {
  constructor(
    readonly code: RecoveryErrorCode,
    readonly params: Record<string, string | number> = {},
    /** For "damaged": every reason, per archive, as `verify` lists them. */
    readonly damage: readonly RecoveryDamage[] = [],
  ) {
    super(`recovery: ${code}`);
    this.name = "RecoveryError";
  }
}
