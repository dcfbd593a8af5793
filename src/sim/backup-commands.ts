// HA core's backup WebSocket commands (components/backup/websocket.py), with its parameters,
// validation, result shapes and error codes.
import type { BackupConfig, ManagerStateEvent, Retention } from "../data/backup.js";
import { backupFeatures, type BackupFeatures } from "../data/ha-version.js";
import type { Rng } from "./random.js";
import { detectStoredFormat, passwordOpensMember } from "./securetar-writer.js";
import type { SimState } from "./state.js";
import { firstInnerArchive } from "./tar-members.js";
import { WsError, uniqueList, validate, type Schema } from "./validate.js";

const FOLDERS = ["share", "addons/local", "ssl", "media"] as const;
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

export interface BackupHost {
  state: SimState;
  rng: Rng;
  /** Publishes a manager event to every `backup/subscribe_events` subscriber. */
  publish(event: ManagerStateEvent): void;
  persist(): void;
  stageDelayMs: number;
}

export type Handler = (host: BackupHost, msg: Record<string, unknown>) => Promise<unknown> | unknown;

/** Which backup commands an HA version has: none before 2025.1; decrypt-on-download from 2025.2. */
export function backupCommandAvailable(haVersion: string, type: string): boolean {
  const f = backupFeatures(haVersion);
  if (!f.backupApi) return false;
  if (type === "backup/can_decrypt_on_download") return f.canDecryptOnDownload;
  return true;
}

/** Python's repr of a list of strings, as core's messages print them: ['a', 'b']. */
const pyList = (items: string[]) => `[${items.map((i) => `'${i}'`).join(", ")}]`;

/**
 * Supervisor's backup job stages in the order Supervisor runs them (supervisor
 * `backups/manager.py` `_do_backup`), which core's hassio reader/writer forwards as
 * CreateBackupEvent stages; core then adds upload_to_agents (`manager.py` `_async_finish_backup`).
 */
export const SUPERVISOR_CREATE_STAGES = ["addon_repositories", "docker_config", "home_assistant", "addons", "folders", "finishing_file", "await_addon_restarts"] as const;

const CLOUD_AGENT = "cloud.cloud";

function requireAgent(host: BackupHost, agentId: string): void {
  if (!host.state.agentIds().includes(agentId)) throw new WsError("home_assistant_error", `Invalid agent selected: ${agentId}`);
}

function copyOf(host: BackupHost, backupId: string, agentId: string) {
  const backup = host.state.backups.get(backupId);
  const agent = host.state.agents.find((a) => a.agent_id === agentId);
  if (agent?.error) throw new WsError("home_assistant_error", agent.error);
  const copy = backup?.copies.get(agentId);
  if (!backup || !copy) throw new WsError("home_assistant_error", `Backup ${backupId} not found in agent ${agentId}`);
  return { backup, copy };
}

function busy(host: BackupHost): void {
  const s = host.state.managerEvent.manager_state;
  if (s !== "idle") throw new WsError("home_assistant_error", `Backup manager busy: ${s}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a backup as core's `BackupManager.async_initiate_backup` does: busy check, the
 * `in_progress` event, then `_async_create_backup`'s checks (a failure there emits `failed` with
 * the error's code and `idle` before the command fails); then the backup runs in the background.
 */
function startBackup(
  host: BackupHost,
  opts: { agentIds: string[]; name: string | null; password: string | null; automatic: boolean; includeAddons?: string[] | null; includeAllAddons?: boolean },
): { backup_job_id: string } {
  busy(host);
  const { state } = host;
  const features = backupFeatures(state.haVersion);
  const now = new Date().toISOString().replace("Z", "+00:00");
  if (opts.automatic) state.config.last_attempted_automatic_backup = now;
  const set = (ev: ManagerStateEvent) => {
    state.managerEvent = ev;
    if (ev.manager_state !== "idle" && ev.manager_state !== "blocked") state.lastActionEvent = ev;
    host.publish(ev);
  };
  const stage = (name: string | null) => set({ manager_state: "create_backup", reason: null, stage: name, state: "in_progress" });
  stage(null);
  const known = state.agentIds();
  const available = opts.agentIds.filter((id) => known.includes(id));
  const unavailable = opts.agentIds.filter((id) => !known.includes(id));
  const refuse = (message: string): never => {
    set({ manager_state: "create_backup", reason: "backup_manager_error", stage: null, state: "failed" });
    set({ manager_state: "idle" });
    host.persist();
    throw new WsError("home_assistant_error", message);
  };
  if (available.length === 0) refuse(`At least one available backup agent must be selected, got ${pyList(opts.agentIds)}`);
  if (opts.includeAllAddons && opts.includeAddons && opts.includeAddons.length > 0) refuse("Cannot include all addons and specify specific addons");

  const jobId = host.rng.hex(8);
  void (async () => {
    for (const s of SUPERVISOR_CREATE_STAGES) {
      await sleep(host.stageDelayMs);
      stage(s);
    }
    const name = opts.name?.trim() || `${opts.automatic ? "Automatic" : "Custom"} backup ${state.haVersion}`;
    // An agent that errors, and Cloud asked to keep an unencrypted copy ("Cloud backups must be
    // protected", core `cloud/backup.py` `async_upload_backup`), fail their upload.
    const agentErrors = available.filter((id) => {
      if (state.agents.find((a) => a.agent_id === id)?.error) return true;
      return id === CLOUD_AGENT && !(opts.password !== null && state.agentProtected(id));
    });
    const uploaded = available.filter((id) => !agentErrors.includes(id));
    const backup = await state.createBackup({ name, date: now, agentIds: uploaded, password: opts.password, withAutomaticSettings: opts.automatic }, host.rng);
    backup.failed_agent_ids = [...agentErrors, ...unavailable];
    await sleep(host.stageDelayMs);
    stage("upload_to_agents");
    if (features.uploadProgress) {
      // Upload-progress events carry the agent and bytes instead of a stage and state (2026.4+).
      for (const agentId of uploaded) {
        const total = backup.copies.get(agentId)!.file.length;
        for (const done of [Math.floor(total / 2), total]) {
          await sleep(host.stageDelayMs);
          set({ manager_state: "create_backup", agent_id: agentId, uploaded_bytes: done, total_bytes: total });
        }
      }
    }
    // HA Cloud stores one backup per instance (`<instance_id>.tar`): a new upload replaces the old.
    if (uploaded.includes(CLOUD_AGENT)) {
      for (const other of state.backups.values()) {
        if (other === backup || !other.copies.delete(CLOUD_AGENT)) continue;
        if (other.copies.size === 0) state.backups.delete(other.backup_id);
      }
    }
    await sleep(host.stageDelayMs);
    if (features.uploadProgress) stage("cleaning_up");
    deleteBackupsExceedingCopies(state);
    if (agentErrors.length > 0) {
      set({ manager_state: "create_backup", reason: "upload_failed", stage: null, state: "failed" });
    } else {
      if (opts.automatic) {
        state.config.last_completed_automatic_backup = now;
        state.config.last_completed_automatic_backup_id = backup.backup_id;
      }
      set({ manager_state: "create_backup", reason: null, stage: null, state: "completed" });
    }
    host.persist();
    set({ manager_state: "idle" });
  })();
  return { backup_job_id: jobId };
}

/**
 * Core `config.py` `delete_backups_exceeding_configured_count`: per location, automatic backups
 * beyond that location's `retention.copies` (else the global one) go, oldest first.
 */
function deleteBackupsExceedingCopies(state: SimState): void {
  const perAgent = backupFeatures(state.haVersion).perLocationRetention;
  for (const agentId of state.agentIds()) {
    const copies = (perAgent ? state.config.agents[agentId]?.retention : null) ?? state.config.retention;
    if (copies.copies === null) continue;
    const automatic = [...state.backups.values()]
      .filter((b) => b.with_automatic_settings && b.copies.has(agentId))
      .sort((a, b) => a.date.localeCompare(b.date));
    for (const b of automatic.slice(0, Math.max(0, automatic.length - copies.copies))) {
      b.copies.delete(agentId);
      if (b.copies.size === 0) state.backups.delete(b.backup_id);
    }
  }
}

const GENERATE_SCHEMA: Schema = {
  agent_ids: { type: "str[]", required: true },
  include_addons: { type: "str[]" },
  include_all_addons: { type: "bool", default: false },
  include_database: { type: "bool", default: true },
  include_folders: { type: "str[]", in: FOLDERS },
  include_homeassistant: { type: "bool", default: true },
  name: { type: "str?" },
  password: { type: "str?" },
};

/** `{copies, days}`, each `vol.Any(vol.All(int, vol.Range(min=1)), None)` (core `websocket.py` `handle_config_update`). */
function validateRetention(retention: Record<string, unknown>, path: string): void {
  const r = validate(retention, { copies: { type: "any" }, days: { type: "any" } }, path);
  for (const k of ["copies", "days"] as const) {
    const v = r[k];
    if (v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) >= 1)) {
      throw new WsError("invalid_format", `value must be at least 1 for dictionary value @ ${path}['${k}']`);
    }
  }
}

function validateConfigUpdate(msg: Record<string, unknown>, features: BackupFeatures): Record<string, unknown> {
  const top = validate(msg, {
    ...(features.perLocationProtected ? { agents: { type: "object" } } : {}),
    ...(features.automaticBackupsConfigured ? { automatic_backups_configured: { type: "bool" } } : {}),
    create_backup: { type: "object" },
    retention: { type: "object" },
    schedule: { type: "object" },
  });
  if (top.create_backup) {
    validate(
      top.create_backup as Record<string, unknown>,
      {
        agent_ids: { type: "str[]" },
        include_addons: { type: "str[]?" },
        include_all_addons: { type: "bool" },
        include_database: { type: "bool" },
        include_folders: { type: "str[]?", in: FOLDERS },
        name: { type: "str?" },
        password: { type: "str?" },
      },
      "data['create_backup']",
    );
    const cb = top.create_backup as Record<string, unknown>;
    uniqueList(cb.agent_ids, "data['create_backup']['agent_ids']");
    uniqueList(cb.include_addons, "data['create_backup']['include_addons']");
    uniqueList(cb.include_folders, "data['create_backup']['include_folders']");
  }
  if (top.schedule) {
    const s = validate(
      top.schedule as Record<string, unknown>,
      { days: { type: "str[]", in: DAYS }, recurrence: { type: "str", in: ["never", "daily", "custom_days"] }, time: { type: "str?" } },
      "data['schedule']",
    );
    if (typeof s.time === "string" && !/^\d{2}:\d{2}(:\d{2})?$/.test(s.time)) {
      throw new WsError("invalid_format", "Invalid time specified: " + s.time + " for dictionary value @ data['schedule']['time']");
    }
  }
  if (top.retention) validateRetention(top.retention as Record<string, unknown>, "data['retention']");
  if (top.agents) {
    for (const [agentId, entry] of Object.entries(top.agents as Record<string, unknown>)) {
      const path = `data['agents']['${agentId}']`;
      if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw new WsError("invalid_format", `expected a dictionary for dictionary value @ ${path}`);
      const e = validate(entry as Record<string, unknown>, { protected: { type: "bool" }, ...(features.perLocationRetention ? { retention: { type: "any" } } : {}) }, path);
      // `vol.Any(vol.Schema({copies, days}), None)`: a dict of the same shape as the global one, or null.
      if (e.retention !== undefined && e.retention !== null) {
        if (typeof e.retention !== "object" || Array.isArray(e.retention)) throw new WsError("invalid_format", `expected a dictionary for dictionary value @ ${path}['retention']`);
        validateRetention(e.retention as Record<string, unknown>, `${path}['retention']`);
      }
    }
  }
  return top;
}

/**
 * Core `config.py` `BackupConfig.update`: `create_backup` is merged field by field
 * (`dataclasses.replace`); `retention` and `schedule` are replaced whole (`RetentionConfig(**r)`,
 * `BackupSchedule(**s)`: a missing field takes its default); a location's entry is created with
 * `protected: true` unless given, and an existing one changes only the keys sent, its retention
 * rebuilt from the dict sent (missing copies/days become null).
 */
export function applyConfigUpdate(config: BackupConfig, update: Record<string, unknown>): void {
  if (update.agents) {
    for (const [agentId, entry] of Object.entries(update.agents as Record<string, { protected?: boolean; retention?: Partial<Retention> | null }>)) {
      const retention = entry.retention ? { copies: entry.retention.copies ?? null, days: entry.retention.days ?? null } : null;
      const current = config.agents[agentId];
      if (!current) config.agents[agentId] = { protected: entry.protected ?? true, retention };
      else {
        config.agents[agentId] = {
          protected: "protected" in entry ? entry.protected! : current.protected,
          retention: "retention" in entry ? retention : current.retention,
        };
      }
    }
  }
  if (typeof update.automatic_backups_configured === "boolean") config.automatic_backups_configured = update.automatic_backups_configured;
  if (update.create_backup) Object.assign(config.create_backup, update.create_backup);
  if (update.retention) {
    const r = update.retention as Partial<Retention>;
    config.retention = { copies: r.copies ?? null, days: r.days ?? null };
  }
  if (update.schedule) {
    const sch = update.schedule as Partial<BackupConfig["schedule"]>;
    // `time` is parsed by cv.time and written back as HH:MM:SS (`time.isoformat()`).
    const time = typeof sch.time === "string" ? (sch.time.length === 5 ? `${sch.time}:00` : sch.time) : null;
    config.schedule = { days: sch.days ?? [], recurrence: sch.recurrence ?? "never", time };
  }
}

/** `backup/config/info` as that version's core answers it: fields it did not have yet are absent. */
function configForVersion(state: SimState): BackupConfig {
  const f = backupFeatures(state.haVersion);
  const config = structuredClone(state.config);
  const loose = config as unknown as Record<string, unknown>;
  if (!f.perLocationProtected) delete loose.agents;
  else if (!f.perLocationRetention) for (const entry of Object.values(config.agents)) delete (entry as { retention?: unknown }).retention;
  if (!f.automaticBackupsConfigured) delete loose.automatic_backups_configured;
  return config;
}

export const backupHandlers: Record<string, Handler> = {
  "backup/info": (host, msg) => {
    validate(msg, {});
    const { state } = host;
    return {
      agent_errors: state.agentErrors(),
      backups: state.listBackups(),
      last_attempted_automatic_backup: state.config.last_attempted_automatic_backup,
      last_completed_automatic_backup: state.config.last_completed_automatic_backup,
      last_completed_automatic_backup_id: state.config.last_completed_automatic_backup_id ?? null,
      // Renamed from last_non_idle_event in 2025.4.
      [backupFeatures(state.haVersion).lastActionEvent ? "last_action_event" : "last_non_idle_event"]: state.lastActionEvent,
      next_automatic_backup: state.config.next_automatic_backup,
      next_automatic_backup_additional: state.config.next_automatic_backup_additional,
      state: state.managerEvent.manager_state,
    };
  },

  "backup/details": (host, msg) => {
    const { backup_id } = validate(msg, { backup_id: { type: "str", required: true } });
    const b = host.state.backups.get(backup_id as string);
    return { agent_errors: host.state.agentErrors(), backup: b ? host.state.toContent(b) : null };
  },

  "backup/delete": (host, msg) => {
    const { backup_id } = validate(msg, { backup_id: { type: "str", required: true } });
    const b = host.state.backups.get(backup_id as string);
    const agentErrors: Record<string, string> = {};
    if (b) {
      for (const agentId of [...b.copies.keys()]) {
        const agent = host.state.agents.find((a) => a.agent_id === agentId);
        if (agent?.error) agentErrors[agentId] = agent.error;
        else b.copies.delete(agentId);
      }
      if (b.copies.size === 0) host.state.backups.delete(b.backup_id);
      host.persist();
    }
    return { agent_errors: agentErrors };
  },

  "backup/generate": (host, msg) => {
    const p = validate(msg, GENERATE_SCHEMA);
    return startBackup(host, {
      agentIds: p.agent_ids as string[],
      name: (p.name as string | null) ?? null,
      password: (p.password as string | null) ?? null,
      automatic: false,
      includeAddons: (p.include_addons as string[] | undefined) ?? null,
      includeAllAddons: p.include_all_addons as boolean,
    });
  },

  "backup/generate_with_automatic_settings": (host, msg) => {
    validate(msg, {});
    const cb = host.state.config.create_backup;
    return startBackup(host, {
      agentIds: cb.agent_ids,
      name: cb.name,
      password: cb.password,
      automatic: true,
      includeAddons: cb.include_addons,
      includeAllAddons: cb.include_all_addons,
    });
  },

  "backup/restore": async (host, msg) => {
    const p = validate(msg, {
      backup_id: { type: "str", required: true },
      agent_id: { type: "str", required: true },
      password: { type: "str" },
      restore_addons: { type: "str[]" },
      restore_database: { type: "bool", default: true },
      restore_folders: { type: "str[]", in: FOLDERS },
      restore_homeassistant: { type: "bool", default: true },
    });
    busy(host);
    requireAgent(host, p.agent_id as string);
    const { copy } = copyOf(host, p.backup_id as string, p.agent_id as string);
    const member = firstInnerArchive(copy.file);
    if (copy.protected && member && detectStoredFormat(member.data) !== "plain") {
      if (typeof p.password !== "string" || !(await passwordOpensMember(member.data, p.password))) {
        throw new WsError("password_incorrect", "Incorrect password");
      }
    }
    return null;
  },

  // Core `manager.py` `async_can_decrypt_on_download` → `util.py` `validate_password_stream`:
  // the copy's `protected` flag plays no part; the first inner archive decides.
  "backup/can_decrypt_on_download": async (host, msg) => {
    const p = validate(msg, {
      backup_id: { type: "str", required: true },
      agent_id: { type: "str", required: true },
      password: { type: "str", required: true },
    });
    requireAgent(host, p.agent_id as string);
    const { copy } = copyOf(host, p.backup_id as string, p.agent_id as string);
    const member = firstInnerArchive(copy.file);
    // BackupEmpty is a DecryptError: BackupManagerError(str(err)).
    if (!member) throw new WsError("home_assistant_error", "No tar files found in the backup.");
    // No SecureTar header (plaintext, or v1): no plaintext size, so it cannot be stream-decrypted.
    if (detectStoredFormat(member.data) === "plain") throw new WsError("decrypt_not_supported", "Decrypt on download not supported");
    if (!(await passwordOpensMember(member.data, p.password as string))) throw new WsError("password_incorrect", "Incorrect password");
    return null;
  },

  "backup/agents/info": (host, msg) => ({
    ...validate(msg, {}),
    agents: host.state.agents.map((a) => ({ agent_id: a.agent_id, name: a.name })),
  }),

  "backup/config/info": (host, msg) => ({ ...validate(msg, {}), config: configForVersion(host.state) }),

  "backup/config/update": (host, msg) => {
    const update = validateConfigUpdate(msg, backupFeatures(host.state.haVersion));
    applyConfigUpdate(host.state.config, update);
    host.persist();
    return null;
  },
};
