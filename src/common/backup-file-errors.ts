// Errors about a backup file. `code` is stable and translated by the UI and the CLI
// (`errors.backup_file.<code>`); messages never contain key material.
export type BackupFileErrorCode = "empty" | "not_tar" | "truncated" | "corrupt_header" | "no_backup_json" | "bad_backup_json" | "unreadable";

export class BackupFileError extends Error {
  constructor(
    readonly code: BackupFileErrorCode,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`backup file: ${code}`);
    this.name = "BackupFileError";
  }
}
