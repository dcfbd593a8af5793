// HA core's backup WebSocket commands (components/backup/websocket.py), with its parameters,
// validation, result shapes and error codes.
import type { AddonInfo, BackupConfig, ManagerStateEvent, Retention } from "../data/backup.js";
import { backupFeatures, type BackupFeatures } from "../data/ha-version.js";
import type { Rng } from "./random.js";
import { detectStoredFormat, passwordOpensMember } from "./securetar-writer.js";
import type { SimState } from "./state.js";
import { firstInnerArchive } from "./tar-members.js";
import { isPythonInt, pyRepr } from "./py-json.js";
import { SchemaErrors, WsError, checkUnique, validate, validateInto, type PathKey, type Schema } from "./validate.js";

const FOLDERS = ["share", "addons/local", "ssl", "media"] as const;
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
/** Python's repr of core's enum members, as `Unique()` prints duplicates (`<Day.MONDAY: 'mon'>`). */
const DAY_NAMES: Record<string, string> = { mon: "MONDAY", tue: "TUESDAY", wed: "WEDNESDAY", thu: "THURSDAY", fri: "FRIDAY", sat: "SATURDAY", sun: "SUNDAY" };
const FOLDER_NAMES: Record<string, string> = { share: "SHARE", "addons/local": "ADDONS", ssl: "SSL", media: "MEDIA" };
const enumRepr = (cls: string, names: Record<string, string>) => (v: string) => `<${cls}.${names[v]}: ${pyRepr(v)}>`;
/** 2025.1's `ScheduleState` (one value: never, daily or a weekday). */
const SCHEDULE_STATES = ["never", "daily", ...DAYS] as const;

export interface BackupHost {
  state: SimState;
  rng: Rng;
  /** Publishes a manager event to every `backup/subscribe_events` subscriber. */
  publish(event: ManagerStateEvent): void;
  persist(): void;
  stageDelayMs: number;
  /** Aborted when HA restarts: what runs in core's process (a backup job) ends with it. */
  processSignal(): AbortSignal;
  /** What the next backup's Supervisor job cannot back up (a test fault), taken once. */
  takeBackupFailures?(): { addons: AddonInfo[]; folders: string[] } | null;
}

export type Handler = (host: BackupHost, msg: Record<string, unknown>) => Promise<unknown> | unknown;

/** Which backup commands an HA version has: none before 2025.1; decrypt-on-download from 2025.2. */
export function backupCommandAvailable(haVersion: string, type: string): boolean {
  const f = backupFeatures(haVersion);
  if (!f.backupApi) return false;
  if (type === "backup/can_decrypt_on_download") return f.canDecryptOnDownload;
  return true;
}

/**
 * The stages of a Supervisor backup job, in the order Supervisor runs them (supervisor
 * `backups/manager.py` `_create_backup`, `_do_backup`), as core's hassio reader/writer forwards
 * them (`hassio/backup.py` `_async_wait_for_backup`: stages core's `CreateBackupStage` does not
 * know are dropped). `addons` only when there are add-ons to back up, `folders` only with
 * folders. Supervisor ends with `await_addon_restarts` when it stopped add-ons for the backup; the
 * simulated one stops none, so it never does. The simulated Supervisor is one of 2025-02 to
 * 2026-07: `docker_config` was dropped in supervisor #5605, the 2026-07 rename to "apps" (#7059)
 * is not simulated.
 */
function supervisorCreateStages(job: { addons: number; folders: number }): string[] {
  return ["addon_repositories", "home_assistant", ...(job.addons > 0 ? ["addons"] : []), ...(job.folders > 0 ? ["folders"] : []), "finishing_file"];
}

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

/** Waits `ms`, or less when HA restarts meanwhile; says whether the process is still the same. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve(!signal.aborted);
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** A create-backup event as that core version sends it (`reason` arrived in 2025.2, core PR #136697). */
function createEvent(features: BackupFeatures, state: "in_progress" | "completed" | "failed", stage: string | null, reason: string | null = null): ManagerStateEvent {
  return features.eventReason ? { manager_state: "create_backup", reason, stage, state } : { manager_state: "create_backup", stage, state };
}

/**
 * Starts a backup as core's `BackupManager.async_initiate_backup` does: busy check, the
 * `in_progress` event, then `_async_create_backup`'s checks (a failure there emits `failed` and
 * `idle` before the command fails); then the backup runs in the background. A restart ends it
 * (the job is a task of core's process): no further event, no backup recorded.
 */
function startBackup(
  host: BackupHost,
  opts: { agentIds: string[]; name: string | null; password: string | null; automatic: boolean; includeAddons?: string[] | null; includeAllAddons?: boolean },
): { backup_job_id: string } {
  busy(host);
  const { state } = host;
  const features = backupFeatures(state.haVersion);
  const signal = host.processSignal();
  const now = new Date().toISOString().replace("Z", "+00:00");
  if (opts.automatic) state.config.last_attempted_automatic_backup = now;
  const set = (ev: ManagerStateEvent) => {
    if (signal.aborted) return;
    state.managerEvent = ev;
    if (ev.manager_state !== "idle" && ev.manager_state !== "blocked") state.lastActionEvent = ev;
    host.publish(ev);
  };
  const stage = (name: string | null) => set(createEvent(features, "in_progress", name));
  stage(null);
  const known = state.agentIds();
  const available = opts.agentIds.filter((id) => known.includes(id));
  const unavailable = opts.agentIds.filter((id) => !known.includes(id));
  const refuse = (message: string): never => {
    set(createEvent(features, "failed", null, "backup_manager_error"));
    set({ manager_state: "idle" });
    host.persist();
    throw new WsError("home_assistant_error", message);
  };
  if (features.partialAgents) {
    // Core PR #137409: unavailable locations count as failed; at least one must be there.
    if (available.length === 0) refuse(`At least one available backup agent must be selected, got ${pyRepr(opts.agentIds)}`);
  } else {
    // 2025.1 `_async_create_backup`: every location must exist.
    if (opts.agentIds.length === 0) refuse("At least one agent must be selected");
    if (unavailable.length > 0) refuse(`Invalid agents selected: ${pyRepr(unavailable)}`);
  }
  if (opts.includeAllAddons && opts.includeAddons && opts.includeAddons.length > 0) refuse("Cannot include all addons and specify specific addons");

  // Supervisor's job id: `backup.job_id.hex` (a UUID's 32 hex digits, core `hassio/backup.py`).
  const jobId = host.rng.hex(32);
  const failures = host.takeBackupFailures?.() ?? null;
  void (async () => {
    const folders = ["share"].filter((f) => !failures?.folders.includes(f));
    const requestedFolders = [...new Set([...folders, ...(failures?.folders ?? [])])];
    for (const s of supervisorCreateStages({ addons: failures?.addons.length ?? 0, folders: requestedFolders.length })) {
      if (!(await pause(host.stageDelayMs, signal))) return;
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
    const backup = await state.createBackup(
      { name, date: now, agentIds: uploaded, password: opts.password, withAutomaticSettings: opts.automatic, folders, failedAddons: failures?.addons, failedFolders: failures?.folders },
      host.rng,
    );
    // Written but not yet uploaded when HA went down: core never records it.
    if (signal.aborted) return void state.backups.delete(backup.backup_id);
    backup.failed_agent_ids = [...agentErrors, ...unavailable];
    if (!(await pause(host.stageDelayMs, signal))) return void state.backups.delete(backup.backup_id);
    stage("upload_to_agents");
    if (features.uploadProgress) {
      // Upload-progress events carry the agent and bytes instead of a stage and state (2026.4+).
      for (const agentId of uploaded) {
        const total = backup.copies.get(agentId)!.file.length;
        for (const done of [Math.floor(total / 2), total]) {
          if (!(await pause(host.stageDelayMs, signal))) return void state.backups.delete(backup.backup_id);
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
    if (!(await pause(host.stageDelayMs, signal))) return;
    if (features.uploadProgress) {
      // Cleaning up (deleting backups beyond the retention) takes its time, as in core.
      stage("cleaning_up");
      if (!(await pause(host.stageDelayMs, signal))) return;
    }
    deleteBackupsExceedingCopies(state);
    if (agentErrors.length > 0) {
      set(createEvent(features, "failed", null, "upload_failed"));
    } else {
      if (opts.automatic) {
        state.config.last_completed_automatic_backup = now;
        state.config.last_completed_automatic_backup_id = backup.backup_id;
      }
      set(createEvent(features, "completed", null));
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
    // A Python bool is an int: `copies: true` was accepted and counts as 1.
    const keep = Number(copies.copies);
    const automatic = [...state.backups.values()].filter((b) => b.with_automatic_settings && b.copies.has(agentId)).sort((a, b) => a.date.localeCompare(b.date));
    for (const b of automatic.slice(0, Math.max(0, automatic.length - keep))) {
      b.copies.delete(agentId);
      if (b.copies.size === 0) state.backups.delete(b.backup_id);
    }
  }
}

/** `backup/generate`'s schema; `name` and `password` could not be None in 2025.1 (plain `str`). */
function generateSchema(features: BackupFeatures): Schema {
  return {
    agent_ids: { type: "str[]", required: true },
    include_addons: { type: "str[]" },
    include_all_addons: { type: "bool", default: false },
    include_database: { type: "bool", default: true },
    include_folders: { type: "str[]", in: FOLDERS, enumName: "Folder" },
    include_homeassistant: { type: "bool", default: true },
    name: { type: features.infoState ? "str?" : "str" },
    password: { type: features.infoState ? "str?" : "str" },
  };
}

/**
 * `{copies, days}` (core `websocket.py` `handle_config_update`): from 2025.2 each is
 * `vol.Any(vol.All(int, vol.Range(min=1)), None)`, in 2025.1 `vol.Any(int, None)`. `int` is
 * Python's isinstance check: `true` passes (and is ≥ 1), `3.0` does not.
 */
function validateRetention(errors: SchemaErrors, retention: Record<string, unknown>, path: PathKey[], min: boolean): void {
  const r = validateInto(errors, retention, { copies: { type: "any" }, days: { type: "any" } }, path);
  for (const k of ["copies", "days"] as const) {
    const v = r[k];
    if (v === undefined || v === null) continue;
    if (!isPythonInt(retention, k)) errors.add([...path, k], "expected int for dictionary value");
    else if (min && Number(v) < 1) errors.add([...path, k], "value must be at least 1 for dictionary value");
  }
}

/** `cv.time` → `dt_util.parse_time`: "H:M[:S…]" split on ':', each part Python's int(), in range. */
function parseCvTime(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const parts = value.split(":");
  if (parts.length < 2) return null;
  // Python's int() of a string: surrounding whitespace, a sign, digits with single underscores.
  const int = (t: string) => (/^\s*[+-]?\d+(_\d+)*\s*$/.test(t) ? Number(t.replace(/_/g, "")) : NaN);
  const [h, m, sec] = [int(parts[0]!), int(parts[1]!), parts.length > 2 ? int(parts[2]!) : 0];
  if (![h, m, sec].every(Number.isInteger) || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return null;
  const two = (n: number) => String(n).padStart(2, "0");
  // Stored as `time.isoformat()`.
  return `${two(h)}:${two(m)}:${two(sec)}`;
}

/** `backup/config/update`'s schema (core runs it on arrival, before the command's handler). */
export function validateConfigUpdate(msg: Record<string, unknown>, features: BackupFeatures): Record<string, unknown> {
  const errors = new SchemaErrors();
  const top = validateInto(errors, msg, {
    ...(features.perLocationProtected ? { agents: { type: "object" } } : {}),
    ...(features.automaticBackupsConfigured ? { automatic_backups_configured: { type: "bool" } } : {}),
    create_backup: { type: "object" },
    retention: { type: "object" },
    // 2025.1: `vol.All(str, vol.Coerce(ScheduleState))`, a single value.
    schedule: features.infoState ? { type: "object" } : { type: "str", in: SCHEDULE_STATES, enumName: "ScheduleState" },
  });
  if (top.create_backup) {
    const path = ["create_backup"];
    const cb = top.create_backup as Record<string, unknown>;
    validateInto(
      errors,
      cb,
      {
        agent_ids: { type: "str[]" },
        include_addons: { type: "str[]?" },
        include_all_addons: { type: "bool" },
        include_database: { type: "bool" },
        include_folders: { type: "str[]?", in: FOLDERS, enumName: "Folder" },
        name: { type: "str?" },
        password: { type: "str?" },
      },
      path,
    );
    checkUnique(errors, cb.agent_ids, [...path, "agent_ids"]);
    checkUnique(errors, cb.include_addons, [...path, "include_addons"]);
    checkUnique(errors, cb.include_folders, [...path, "include_folders"], enumRepr("Folder", FOLDER_NAMES));
  }
  if (top.schedule && features.infoState) {
    const path = ["schedule"];
    const raw = top.schedule as Record<string, unknown>;
    const s = validateInto(
      errors,
      raw,
      { days: { type: "str[]", in: DAYS, enumName: "Day" }, recurrence: { type: "str", in: ["never", "daily", "custom_days"], enumName: "ScheduleRecurrence" }, time: { type: "any" } },
      path,
    );
    // `vol.All([vol.Coerce(Day)], vol.Unique())`.
    if (s.days) checkUnique(errors, s.days, [...path, "days"], enumRepr("Day", DAY_NAMES));
    if (s.time !== undefined && s.time !== null && parseCvTime(s.time) === null) {
      errors.add([...path, "time"], `${typeof s.time === "string" ? `Invalid time specified: ${s.time}` : "Invalid time specified: " + pyRepr(s.time)} for dictionary value`);
    }
  }
  if (top.retention) validateRetention(errors, top.retention as Record<string, unknown>, ["retention"], features.infoState);
  if (top.agents) {
    for (const [agentId, entry] of Object.entries(top.agents as Record<string, unknown>)) {
      const path = ["agents", agentId];
      if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
        errors.add(path, "expected a dictionary for dictionary value");
        continue;
      }
      const e = validateInto(errors, entry as Record<string, unknown>, { protected: { type: "bool" }, ...(features.perLocationRetention ? { retention: { type: "any" } } : {}) }, path);
      // `vol.Any(vol.Schema({copies, days}), None)`: a dict of the same shape as the global one, or null.
      if (e.retention !== undefined && e.retention !== null) {
        if (typeof e.retention !== "object" || Array.isArray(e.retention)) errors.add([...path, "retention"], "expected a dictionary for dictionary value");
        else validateRetention(errors, e.retention as Record<string, unknown>, [...path, "retention"], true);
      }
    }
  }
  errors.throwIfAny(msg);
  return top;
}

/**
 * Core `config.py` `BackupConfig.update`: `create_backup` is merged field by field
 * (`dataclasses.replace`); `retention` and `schedule` are replaced whole (`RetentionConfig(**r)`,
 * `BackupSchedule(**s)`: a missing field takes its default); a location's entry is created with
 * `protected: true` unless given, and an existing one changes only the keys sent, its retention
 * rebuilt from the dict sent (missing copies/days become null). In 2025.1 `schedule` was one
 * `ScheduleState` value (`BackupSchedule(state=schedule)`).
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
  if (typeof update.schedule === "string") {
    const st = update.schedule;
    config.schedule = st === "never" || st === "daily" ? { days: [], recurrence: st, time: null } : { days: [st], recurrence: "custom_days", time: null };
  } else if (update.schedule) {
    const sch = update.schedule as Partial<BackupConfig["schedule"]>;
    config.schedule = { days: sch.days ?? [], recurrence: sch.recurrence ?? "never", time: parseCvTime(sch.time) };
  }
}

/** 2025.1's `schedule.state` for the stored schedule (one weekday at most, as 2025.1 could say). */
function scheduleState(schedule: BackupConfig["schedule"]): string {
  if (schedule.recurrence === "custom_days") return schedule.days.length === 1 ? schedule.days[0]! : schedule.days.length === 7 ? "daily" : "never";
  return schedule.recurrence;
}

/** `backup/config/info` as that version's core answers it: fields it did not have yet are absent. */
function configForVersion(state: SimState): Record<string, unknown> {
  const f = backupFeatures(state.haVersion);
  const config = structuredClone(state.config);
  if (!f.infoState) {
    // 2025.1 `BackupConfigData.to_dict()` (core `config.py`).
    return {
      create_backup: config.create_backup,
      last_attempted_automatic_backup: config.last_attempted_automatic_backup,
      last_completed_automatic_backup: config.last_completed_automatic_backup,
      retention: config.retention,
      schedule: { state: scheduleState(config.schedule) },
    };
  }
  const loose = config as unknown as Record<string, unknown>;
  if (!f.perLocationProtected) delete loose.agents;
  else if (!f.perLocationRetention) for (const entry of Object.values(config.agents)) delete (entry as { retention?: unknown }).retention;
  if (!f.automaticBackupsConfigured) delete loose.automatic_backups_configured;
  return loose;
}

export const backupHandlers: Record<string, Handler> = {
  "backup/info": (host, msg) => {
    validate(msg, {});
    const { state } = host;
    const f = backupFeatures(state.haVersion);
    // 2025.1 `handle_info`: the list and the two automatic-backup dates, nothing else.
    if (!f.infoState) {
      return {
        agent_errors: state.agentErrors(),
        backups: state.listBackups(),
        last_attempted_automatic_backup: state.config.last_attempted_automatic_backup,
        last_completed_automatic_backup: state.config.last_completed_automatic_backup,
      };
    }
    return {
      agent_errors: state.agentErrors(),
      backups: state.listBackups(),
      last_attempted_automatic_backup: state.config.last_attempted_automatic_backup,
      last_completed_automatic_backup: state.config.last_completed_automatic_backup,
      last_completed_automatic_backup_id: state.config.last_completed_automatic_backup_id ?? null,
      // Renamed from last_non_idle_event in 2025.4.
      [f.lastActionEvent ? "last_action_event" : "last_non_idle_event"]: state.lastActionEvent,
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
    const p = validate(msg, generateSchema(backupFeatures(host.state.haVersion)));
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
      restore_folders: { type: "str[]", in: FOLDERS, enumName: "Folder" },
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

  // The agents' `name` arrived with 2025.2 (2025.1 listed `{agent_id}` only).
  "backup/agents/info": (host, msg) => ({
    ...validate(msg, {}),
    agents: host.state.agents.map((a) => (backupFeatures(host.state.haVersion).backupLocationsMap ? { agent_id: a.agent_id, name: a.name } : { agent_id: a.agent_id })),
  }),

  "backup/config/info": (host, msg) => ({ ...validate(msg, {}), config: configForVersion(host.state) }),

  "backup/config/update": (host, msg) => {
    const update = validateConfigUpdate(msg, backupFeatures(host.state.haVersion));
    applyConfigUpdate(host.state.config, update);
    host.persist();
    return null;
  },
};
