// What the backup API looks like at a given Home Assistant version (the `ha_version` of the
// WebSocket's auth frames). The simulated HA answers by it and the client adapts to it.
// Dates: ../shared/reference/ha-backup-protocol.md §10, securetar.md §10.

/** Compares "2025.4.0", "2026.3.0b1", "2025.12.0.dev0" with a "YYYY.M" minimum. */
export function haVersionAtLeast(version: string, min: string): boolean {
  const parse = (v: string) => v.split(".").slice(0, 3).map((n) => parseInt(n, 10) || 0);
  const a = parse(version);
  const b = parse(min);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

export interface BackupFeatures {
  /** The backup integration's locations/key API (`backup/config/*`, `backup/subscribe_events`). */
  backupApi: boolean;
  /** `backup/can_decrypt_on_download` and decrypt on download. */
  canDecryptOnDownload: boolean;
  /** `config.agents[<id>].protected` (per-location encryption). */
  perLocationProtected: boolean;
  /** `config.automatic_backups_configured`. */
  automaticBackupsConfigured: boolean;
  /** `backup/info.last_action_event`; before 2025.4 it was `last_non_idle_event`. */
  lastActionEvent: boolean;
  /** `config.agents[<id>].retention`. */
  perLocationRetention: boolean;
  /**
   * `failed_addons` / `failed_folders` on backups (what Supervisor could not back up). In the
   * frontend's types from 2025-05 (FE bb5f01ac81, so HA 2025.6); not confirmed in core's source.
   */
  failedAddonsFolders: boolean;
  /** Upload-progress events and the `cleaning_up` stage. */
  uploadProgress: boolean;
  /** Which SecureTar version new backups use (Supervisor writes v3 once core is 2026.3 or newer). */
  secureTarVersion: 2 | 3;
}

export function backupFeatures(haVersion: string): BackupFeatures {
  const at = (min: string) => haVersionAtLeast(haVersion, min);
  return {
    backupApi: at("2025.1"),
    canDecryptOnDownload: at("2025.2"),
    perLocationProtected: at("2025.2"),
    automaticBackupsConfigured: at("2025.3"),
    lastActionEvent: at("2025.4"),
    perLocationRetention: at("2025.5"),
    failedAddonsFolders: at("2025.6"),
    uploadProgress: at("2026.4"),
    secureTarVersion: at("2026.3") ? 3 : 2,
  };
}
