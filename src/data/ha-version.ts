// What the backup API looks like at a given Home Assistant version (the `ha_version` of the
// WebSocket's auth frames). The simulated HA answers by it and the client adapts to it.
// Where each line comes from: docs/architecture.md "HA versions, restarts and HA's own settings
// page", ../shared/reference/ha-backup-protocol.md §10, securetar.md §10.

interface ParsedVersion {
  parts: [number, number, number];
  /** 0 dev, 1 alpha, 2 beta, 3 release candidate, 4 a release. */
  stage: number;
  /** The pre-release's number (b1 → 1). */
  serial: number;
}

// AwesomeVersion (which Supervisor compares core versions with) ranks the modifiers this way.
const MODIFIER_RANK: Record<string, number> = { dev: 0, a: 1, alpha: 1, b: 2, beta: 2, rc: 3 };

/** "2026.3.0", "2026.3.0b1", "2026.3.0rc2", "2025.12.0.dev20251101", "2025.4" (missing parts are 0). */
function parseHaVersion(version: string): ParsedVersion {
  const m = /^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.?(dev|alpha|a|beta|b|rc)(\d*))?/i.exec(version);
  if (!m) return { parts: [0, 0, 0], stage: 4, serial: 0 };
  const modifier = m[4]?.toLowerCase();
  return {
    parts: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)],
    stage: modifier ? MODIFIER_RANK[modifier]! : 4,
    serial: Number(m[5] || 0),
  };
}

/**
 * Orders versions as AwesomeVersion does: numbers first, then a pre-release (dev < a < b < rc)
 * below the release it leads to, so 2026.3.0b1 < 2026.3.0 < 2026.3.1.
 */
export function compareHaVersions(a: string, b: string): number {
  const x = parseHaVersion(a);
  const y = parseHaVersion(b);
  for (let i = 0; i < 3; i++) if (x.parts[i] !== y.parts[i]) return x.parts[i]! - y.parts[i]!;
  return x.stage !== y.stage ? x.stage - y.stage : x.serial - y.serial;
}

/**
 * Whether `version` belongs to the `min` ("YYYY.M") release line or a later one. A beta or dev
 * build of 2026.4 carries 2026.4's code, so it has 2026.4's API.
 */
export function haVersionAtLeast(version: string, min: string): boolean {
  const v = parseHaVersion(version).parts;
  const m = parseHaVersion(min).parts;
  for (let i = 0; i < 3; i++) if (v[i] !== m[i]) return v[i]! > m[i]!;
  return true;
}

export interface BackupFeatures {
  /** The backup integration's locations/key API (`backup/config/*`, `backup/subscribe_events`). */
  backupApi: boolean;
  /**
   * Per-location backups: `agents: {id: {protected, size}}` on each backup, `config.agents`,
   * the agents' `name`; before that (2025.1) a backup had `agent_ids` plus one `protected`/`size`.
   */
  backupLocationsMap: boolean;
  /** `backup/can_decrypt_on_download` and decrypt on download. */
  canDecryptOnDownload: boolean;
  /** `config.agents[<id>].protected` (per-location encryption). */
  perLocationProtected: boolean;
  /** Failed backup events carry a `reason`. */
  eventReason: boolean;
  /**
   * `backup/info` has `state`, `last_non_idle_event` (later `last_action_event`) and the next
   * automatic backup; `config` has `schedule: {recurrence, days, time}` (2025.1: `{state}`).
   */
  infoState: boolean;
  /** `backup/generate` with some unknown locations backs up to the rest (2025.1 refused it). */
  partialAgents: boolean;
  /** `config.automatic_backups_configured`. */
  automaticBackupsConfigured: boolean;
  /** The manager reports `blocked` until HA has started. */
  blockedState: boolean;
  /** `backup/info.last_action_event`; before 2025.4 it was `last_non_idle_event`. */
  lastActionEvent: boolean;
  /** `config.agents[<id>].retention`. */
  perLocationRetention: boolean;
  /** `failed_addons` / `failed_folders` on backups (what Supervisor could not back up). */
  failedAddonsFolders: boolean;
  /** `frontend/subscribe_user_data` (get/set are older). */
  subscribeUserData: boolean;
  /** Upload-progress events and the `cleaning_up` stage. */
  uploadProgress: boolean;
  /** Which SecureTar version new backups use (Supervisor writes v3 once core is 2026.3.0 or newer). */
  secureTarVersion: 2 | 3;
}

// Asked for every backup listed (the simulated HA's 10 000), for a handful of versions: each
// version's table is worked out once.
const featuresOf = new Map<string, Readonly<BackupFeatures>>();

export function backupFeatures(haVersion: string): Readonly<BackupFeatures> {
  let features = featuresOf.get(haVersion);
  if (!features) {
    features = Object.freeze(featureTable(haVersion));
    featuresOf.set(haVersion, features);
  }
  return features;
}

function featureTable(haVersion: string): BackupFeatures {
  const at = (min: string) => haVersionAtLeast(haVersion, min);
  return {
    backupApi: at("2025.1"),
    backupLocationsMap: at("2025.2"),
    canDecryptOnDownload: at("2025.2"),
    perLocationProtected: at("2025.2"),
    eventReason: at("2025.2"),
    infoState: at("2025.2"),
    partialAgents: at("2025.2"),
    automaticBackupsConfigured: at("2025.3"),
    blockedState: at("2025.3"),
    lastActionEvent: at("2025.4"),
    perLocationRetention: at("2025.5"),
    failedAddonsFolders: at("2025.6"),
    subscribeUserData: at("2025.6"),
    uploadProgress: at("2026.4"),
    // Supervisor compares with AwesomeVersion: a 2026.3 beta is below 2026.3.0, so it still gets v2.
    secureTarVersion: compareHaVersions(haVersion, "2026.3.0") >= 0 ? 3 : 2,
  };
}
