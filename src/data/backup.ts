// Typed calls for Home Assistant's backup WebSocket API (core `components/backup/websocket.py`).
// Field names follow HA's own; see ../shared/reference/ha-backup-protocol.md §3–4.
import type { HaConnection, UnsubscribeFunc } from "./connection.js";

export interface AddonInfo {
  name: string | null;
  slug: string;
  version: string | null;
}

export interface AgentBackupStatus {
  protected: boolean;
  size: number;
}

export interface BackupContent {
  addons: AddonInfo[];
  agents: Record<string, AgentBackupStatus>;
  backup_id: string;
  database_included: boolean;
  date: string;
  extra_metadata: { instance_id?: string; with_automatic_settings?: boolean; [key: string]: unknown };
  failed_agent_ids: string[];
  /** HA 2025.6+: add-ons and folders Supervisor could not back up. */
  failed_addons?: AddonInfo[];
  failed_folders?: string[];
  folders: string[];
  homeassistant_included: boolean;
  homeassistant_version: string | null;
  name: string;
  with_automatic_settings: boolean | null;
}

export type ManagerState = "idle" | "blocked" | "create_backup" | "receive_backup" | "restore_backup";

export interface ManagerStateEvent {
  manager_state: ManagerState;
  stage?: string | null;
  state?: "in_progress" | "completed" | "failed" | "core_restart";
  reason?: string | null;
  /** Upload progress events (HA 2026.4+) carry these instead of `state`. */
  agent_id?: string;
  uploaded_bytes?: number;
  total_bytes?: number;
}

export interface BackupInfo {
  agent_errors: Record<string, string>;
  backups: BackupContent[];
  last_attempted_automatic_backup: string | null;
  last_completed_automatic_backup: string | null;
  last_completed_automatic_backup_id?: string | null;
  /** Named `last_non_idle_event` before HA 2025.4; `fetchBackupInfo` gives it this name. */
  last_action_event: ManagerStateEvent | null;
  next_automatic_backup: string | null;
  next_automatic_backup_additional: boolean;
  state: ManagerState;
}

export interface BackupAgent {
  agent_id: string;
  name: string;
}

export interface Retention {
  copies: number | null;
  days: number | null;
}

export interface BackupConfig {
  agents: Record<string, { protected: boolean; retention: Retention | null }>;
  automatic_backups_configured: boolean;
  create_backup: {
    agent_ids: string[];
    include_addons: string[] | null;
    include_all_addons: boolean;
    include_database: boolean;
    include_folders: string[] | null;
    name: string | null;
    /** The instance's backup encryption key, in plain text (admins only). */
    password: string | null;
  };
  last_attempted_automatic_backup: string | null;
  last_completed_automatic_backup: string | null;
  last_completed_automatic_backup_id?: string | null;
  next_automatic_backup: string | null;
  next_automatic_backup_additional: boolean;
  retention: Retention;
  schedule: { days: string[]; recurrence: "never" | "daily" | "custom_days"; time: string | null };
}

/** `backup/info`, with `last_non_idle_event` (HA before 2025.4) under its newer name. */
export async function fetchBackupInfo(conn: HaConnection): Promise<BackupInfo> {
  type Answer = Omit<BackupInfo, "last_action_event"> & { last_action_event?: ManagerStateEvent | null; last_non_idle_event?: ManagerStateEvent | null };
  const { last_non_idle_event, ...info } = await conn.sendMessagePromise<Answer>({ type: "backup/info" });
  return { ...info, last_action_event: info.last_action_event ?? last_non_idle_event ?? null };
}

export const fetchBackupDetails = (conn: HaConnection, backupId: string) =>
  conn.sendMessagePromise<{ agent_errors: Record<string, string>; backup: BackupContent | null }>({
    type: "backup/details",
    backup_id: backupId,
  });

export const fetchBackupAgents = (conn: HaConnection) =>
  conn.sendMessagePromise<{ agents: BackupAgent[] }>({ type: "backup/agents/info" });

export const fetchBackupConfig = (conn: HaConnection) =>
  conn.sendMessagePromise<{ config: BackupConfig }>({ type: "backup/config/info" });

/** Changes only the encryption key: HA merges `create_backup` field by field. */
export const updateEncryptionKey = (conn: HaConnection, password: string | null) =>
  conn.sendMessagePromise<null>({ type: "backup/config/update", create_backup: { password } });

/** Resolves with null when `password` opens the copy; rejects with `password_incorrect`, `decrypt_not_supported`, … */
export const canDecryptOnDownload = (conn: HaConnection, backupId: string, agentId: string, password: string) =>
  conn.sendMessagePromise<null>({
    type: "backup/can_decrypt_on_download",
    backup_id: backupId,
    agent_id: agentId,
    password,
  });

export const generateBackupWithAutomaticSettings = (conn: HaConnection) =>
  conn.sendMessagePromise<{ backup_job_id: string }>({ type: "backup/generate_with_automatic_settings" });

/** The first event is the manager's current state (sent before the result frame). */
export const subscribeBackupEvents = (
  conn: HaConnection,
  callback: (event: ManagerStateEvent) => void,
  options?: { resubscribe?: boolean },
): Promise<UnsubscribeFunc> => conn.subscribeMessage<ManagerStateEvent>(callback, { type: "backup/subscribe_events" }, options);

export const signPath = (conn: HaConnection, path: string, expires = 30) =>
  conn.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path, expires });

export const backupDownloadPath = (backupId: string, agentId: string) =>
  `/api/backup/download/${encodeURIComponent(backupId)}?agent_id=${encodeURIComponent(agentId)}`;

/** An upload-progress event (HA 2026.4+: `agent_id`, bytes, no `state`) as a whole percentage. */
export function uploadProgress(event: ManagerStateEvent): { agentId: string; percent: number } | null {
  if (typeof event.agent_id !== "string" || typeof event.uploaded_bytes !== "number" || typeof event.total_bytes !== "number") return null;
  const percent = event.total_bytes > 0 ? Math.floor((100 * Math.min(event.uploaded_bytes, event.total_bytes)) / event.total_bytes) : 100;
  return { agentId: event.agent_id, percent };
}

/**
 * Follows `backup/subscribe_events` and says when an operation has just finished: the manager is
 * back to idle after something else. The first frame (the current state) never counts, and
 * upload-progress events (HA 2026.4+) carry the running state, so they never end anything.
 */
export function operationEndTracker(): (event: ManagerStateEvent) => boolean {
  let previous: ManagerState | null = null;
  return (event) => {
    const ended = event.manager_state === "idle" && previous !== null && previous !== "idle";
    previous = event.manager_state;
    return ended;
  };
}
