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

/** This system's own storage (core's `backup.local`, or the Supervisor's `hassio.local`). */
export const isLocalAgent = (agentId: string): boolean => agentId === "backup.local" || agentId === "hassio.local";

/** A Supervisor network storage mount (`hassio.<mount>`). */
export const isNetworkMountAgent = (agentId: string): boolean => {
  const [domain, name] = agentId.split(".");
  return domain === "hassio" && name !== "local";
};

/** HA's `compareAgents` order: this system first, then network storage, then the rest. */
export const agentRank = (agentId: string): number => (isLocalAgent(agentId) ? 0 : isNetworkMountAgent(agentId) ? 1 : 2);

export interface Retention {
  copies: number | null;
  days: number | null;
}

export interface BackupConfig {
  /** Per-location settings (HA 2025.2+; `{}` before). */
  agents: Record<string, { protected: boolean; retention: Retention | null }>;
  /** HA 2025.3+. */
  automatic_backups_configured?: boolean;
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
  /** HA 2025.2+ (null before: not known). */
  next_automatic_backup: string | null;
  next_automatic_backup_additional: boolean;
  retention: Retention;
  schedule: { days: string[]; recurrence: "never" | "daily" | "custom_days"; time: string | null };
}

// HA's answers change shape across versions (docs/architecture.md "HA versions"); the client
// sees one shape, made here.

/** A backup as HA 2025.1 listed it: its locations as `agent_ids`, one `protected`/`size`. */
interface BackupContent2025_1 {
  agent_ids: string[];
  protected: boolean;
  size: number;
}

/**
 * One shape for a backup of any HA version. 2025.1 had `agent_ids` plus the `protected`/`size`
 * of the first location that listed it (core `manager.py` `async_get_backups`), and no
 * `extra_metadata`; every location gets that one `protected`/`size` here, as 2025.1 said no more.
 */
function normalizeBackup(raw: BackupContent | (Omit<BackupContent, "agents" | "extra_metadata"> & BackupContent2025_1)): BackupContent {
  const base = { ...raw, extra_metadata: (raw as Partial<BackupContent>).extra_metadata ?? {}, failed_agent_ids: raw.failed_agent_ids ?? [] };
  if ("agents" in raw && raw.agents && typeof raw.agents === "object") return base as BackupContent;
  const { agent_ids, protected: isProtected, size, ...rest } = base as typeof base & BackupContent2025_1;
  return { ...rest, agents: Object.fromEntries((agent_ids ?? []).map((id) => [id, { protected: isProtected, size }])) } as BackupContent;
}

/**
 * The manager's state when `backup/info` does not say (HA 2025.1): the first event of
 * `backup/subscribe_events` is the current state (core sends `manager.last_event` first).
 */
async function currentManagerState(conn: HaConnection): Promise<ManagerState> {
  let first: ManagerState | null = null;
  const unsub = await conn.subscribeMessage<ManagerStateEvent>((ev) => (first ??= ev.manager_state), { type: "backup/subscribe_events" }, { resubscribe: false });
  void unsub().catch(() => undefined);
  // Core sends it before the result frame, so it has arrived by now.
  return first ?? "idle";
}

/**
 * `backup/info` in one shape: `last_non_idle_event` (before HA 2025.4) under its newer name,
 * 2025.1's backups with an `agents` map, and the state, which 2025.1 gave only as an event.
 */
export async function fetchBackupInfo(conn: HaConnection): Promise<BackupInfo> {
  type Answer = Omit<BackupInfo, "last_action_event" | "state" | "next_automatic_backup" | "next_automatic_backup_additional"> & {
    last_action_event?: ManagerStateEvent | null;
    last_non_idle_event?: ManagerStateEvent | null;
    state?: ManagerState;
    next_automatic_backup?: string | null;
    next_automatic_backup_additional?: boolean;
  };
  const { last_non_idle_event, ...info } = await conn.sendMessagePromise<Answer>({ type: "backup/info" });
  return {
    ...info,
    backups: info.backups.map(normalizeBackup),
    last_action_event: info.last_action_event ?? last_non_idle_event ?? null,
    next_automatic_backup: info.next_automatic_backup ?? null,
    next_automatic_backup_additional: info.next_automatic_backup_additional ?? false,
    state: info.state ?? (await currentManagerState(conn)),
  };
}

/** `backup/agents/info`; HA 2025.1 gave no `name`: HA names an agent by its id's last part ("hassio.nas" → "nas"). */
export async function fetchBackupAgents(conn: HaConnection): Promise<{ agents: BackupAgent[] }> {
  const r = await conn.sendMessagePromise<{ agents: (Omit<BackupAgent, "name"> & { name?: string })[] }>({ type: "backup/agents/info" });
  return { agents: r.agents.map((a) => ({ ...a, name: a.name ?? a.agent_id.slice(a.agent_id.indexOf(".") + 1) })) };
}

/**
 * `backup/config/info` in one shape: no `agents` before 2025.2 (`{}`), and 2025.1's schedule
 * `{state: never | daily | <weekday>}` as `{recurrence, days, time}`.
 */
export async function fetchBackupConfig(conn: HaConnection): Promise<{ config: BackupConfig }> {
  type Answer = Omit<BackupConfig, "agents" | "schedule" | "next_automatic_backup" | "next_automatic_backup_additional"> & {
    agents?: BackupConfig["agents"];
    schedule: BackupConfig["schedule"] | { state: string };
    next_automatic_backup?: string | null;
    next_automatic_backup_additional?: boolean;
  };
  const { config } = await conn.sendMessagePromise<{ config: Answer }>({ type: "backup/config/info" });
  const s = config.schedule;
  const schedule: BackupConfig["schedule"] =
    "state" in s && !("recurrence" in s)
      ? s.state === "never" || s.state === "daily"
        ? { days: [], recurrence: s.state, time: null }
        : { days: [s.state], recurrence: "custom_days", time: null }
      : (s as BackupConfig["schedule"]);
  return {
    config: {
      ...config,
      agents: config.agents ?? {},
      schedule,
      next_automatic_backup: config.next_automatic_backup ?? null,
      next_automatic_backup_additional: config.next_automatic_backup_additional ?? false,
    },
  };
}

/** Changes only the encryption key: HA merges `create_backup` field by field. */
export const updateEncryptionKey = (conn: HaConnection, password: string | null) => conn.sendMessagePromise<null>({ type: "backup/config/update", create_backup: { password } });

/** Resolves with null when `password` opens the copy; rejects with `password_incorrect`, `decrypt_not_supported`, … */
export const canDecryptOnDownload = (conn: HaConnection, backupId: string, agentId: string, password: string) =>
  conn.sendMessagePromise<null>({
    type: "backup/can_decrypt_on_download",
    backup_id: backupId,
    agent_id: agentId,
    password,
  });

export const generateBackupWithAutomaticSettings = (conn: HaConnection) => conn.sendMessagePromise<{ backup_job_id: string }>({ type: "backup/generate_with_automatic_settings" });

/** The first event is the manager's current state (sent before the result frame). */
export const subscribeBackupEvents = (conn: HaConnection, callback: (event: ManagerStateEvent) => void, options?: { resubscribe?: boolean }): Promise<UnsubscribeFunc> =>
  conn.subscribeMessage<ManagerStateEvent>(callback, { type: "backup/subscribe_events" }, options);

export const signPath = (conn: HaConnection, path: string, expires = 30) => conn.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path, expires });

export const backupDownloadPath = (backupId: string, agentId: string) => `/api/backup/download/${encodeURIComponent(backupId)}?agent_id=${encodeURIComponent(agentId)}`;

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
