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
  | "cancelled";

export class RecoveryError extends Error {
  constructor(
    readonly code: RecoveryErrorCode,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`recovery: ${code}`);
    this.name = "RecoveryError";
  }
}
