// HA core's backup WebSocket commands (components/backup/websocket.py), with its parameters,
// validation, result shapes and error codes.
import type { BackupConfig, ManagerStateEvent } from "../data/backup.js";
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

function versionAtLeast(version: string, min: string): boolean {
  const a = version.split(/[.b]/).map((n) => parseInt(n, 10) || 0);
  const b = min.split(".").map((n) => parseInt(n, 10));
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i]!;
  return true;
}

/** Which backup commands an HA version has: none before 2025.1; decrypt-on-download from 2025.2. */
export function backupCommandAvailable(haVersion: string, type: string): boolean {
  if (!versionAtLeast(haVersion, "2025.1.0")) return false;
  if (type === "backup/can_decrypt_on_download") return versionAtLeast(haVersion, "2025.2.0");
  return true;
}

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

/** Runs a backup in the background, emitting the stage events core emits. */
function startBackup(
  host: BackupHost,
  opts: { agentIds: string[]; name: string | null; password: string | null; automatic: boolean },
): { backup_job_id: string } {
  busy(host);
  const { state } = host;
  const jobId = host.rng.hex(8);
  const now = new Date().toISOString().replace("Z", "+00:00");
  if (opts.automatic) state.config.last_attempted_automatic_backup = now;
  const set = (ev: ManagerStateEvent) => {
    state.managerEvent = ev;
    if (ev.manager_state !== "idle") state.lastActionEvent = ev;
    host.publish(ev);
  };
  set({ manager_state: "create_backup", reason: null, stage: null, state: "in_progress" });
  void (async () => {
    await sleep(host.stageDelayMs);
    set({ manager_state: "create_backup", reason: null, stage: "home_assistant", state: "in_progress" });
    const name = opts.name || `${opts.automatic ? "Automatic" : "Custom"} backup ${state.haVersion}`;
    const reachable = opts.agentIds.filter((id) => !state.agents.find((a) => a.agent_id === id)?.error);
    const backup = await state.createBackup(
      { name, date: now, agentIds: reachable, password: opts.password, withAutomaticSettings: opts.automatic },
      host.rng,
    );
    await sleep(host.stageDelayMs);
    set({ manager_state: "create_backup", reason: null, stage: "upload_to_agents", state: "in_progress" });
    await sleep(host.stageDelayMs);
    const failed = opts.agentIds.filter((id) => !reachable.includes(id));
    if (failed.length > 0) {
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

function validateConfigUpdate(msg: Record<string, unknown>): Record<string, unknown> {
  const top = validate(msg, {
    agents: { type: "object" },
    automatic_backups_configured: { type: "bool" },
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
  if (top.retention) {
    const r = validate(top.retention as Record<string, unknown>, { copies: { type: "any" }, days: { type: "any" } }, "data['retention']");
    for (const k of ["copies", "days"] as const) {
      const v = r[k];
      if (v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) >= 1)) {
        throw new WsError("invalid_format", `value must be at least 1 for dictionary value @ data['retention']['${k}']`);
      }
    }
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
  if (top.agents) {
    for (const [agentId, entry] of Object.entries(top.agents as Record<string, unknown>)) {
      if (!entry || typeof entry !== "object") throw new WsError("invalid_format", `expected dict for dictionary value @ data['agents']['${agentId}']`);
      validate(entry as Record<string, unknown>, { protected: { type: "bool" }, retention: { type: "any" } }, `data['agents']['${agentId}']`);
    }
  }
  return top;
}

export function applyConfigUpdate(config: BackupConfig, update: Record<string, unknown>): void {
  if (update.create_backup) Object.assign(config.create_backup, update.create_backup);
  if (update.retention) Object.assign(config.retention, update.retention);
  if (update.schedule) Object.assign(config.schedule, update.schedule);
  if (typeof update.automatic_backups_configured === "boolean") config.automatic_backups_configured = update.automatic_backups_configured;
  if (update.agents) {
    for (const [agentId, entry] of Object.entries(update.agents as Record<string, { protected?: boolean; retention?: BackupConfig["retention"] | null }>)) {
      const current = config.agents[agentId] ?? { protected: true, retention: null };
      config.agents[agentId] = {
        protected: entry.protected ?? current.protected,
        retention: "retention" in entry ? (entry.retention ?? null) : current.retention,
      };
    }
  }
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
      last_action_event: state.lastActionEvent,
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
    const agentIds = p.agent_ids as string[];
    const known = host.state.agentIds();
    if (agentIds.length === 0 || !agentIds.every((a) => known.includes(a))) {
      throw new WsError("home_assistant_error", `At least one available backup agent must be selected, got ${JSON.stringify(agentIds).replace(/"/g, "'")}`);
    }
    if (p.include_all_addons && Array.isArray(p.include_addons) && p.include_addons.length > 0) {
      throw new WsError("home_assistant_error", "Cannot include all addons and specify specific addons");
    }
    return startBackup(host, { agentIds, name: (p.name as string | null) ?? null, password: (p.password as string | null) ?? null, automatic: false });
  },

  "backup/generate_with_automatic_settings": (host, msg) => {
    validate(msg, {});
    const cb = host.state.config.create_backup;
    return startBackup(host, { agentIds: cb.agent_ids, name: cb.name, password: cb.password, automatic: true });
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

  "backup/can_decrypt_on_download": async (host, msg) => {
    const p = validate(msg, {
      backup_id: { type: "str", required: true },
      agent_id: { type: "str", required: true },
      password: { type: "str", required: true },
    });
    requireAgent(host, p.agent_id as string);
    const { copy } = copyOf(host, p.backup_id as string, p.agent_id as string);
    if (!copy.protected) return null;
    const member = firstInnerArchive(copy.file);
    if (!member) throw new WsError("home_assistant_error", "Backup is empty");
    // Core reads the SecureTar header; a member without one (v1, or the plaintext of a
    // mislabelled copy) has no plaintext size and cannot be stream-decrypted.
    if (detectStoredFormat(member.data) === "plain") throw new WsError("decrypt_not_supported", "Decrypt on download not supported");
    if (!(await passwordOpensMember(member.data, p.password as string))) throw new WsError("password_incorrect", "Incorrect password");
    return null;
  },

  "backup/agents/info": (host, msg) => ({
    ...validate(msg, {}),
    agents: host.state.agents.map((a) => ({ agent_id: a.agent_id, name: a.name })),
  }),

  "backup/config/info": (host, msg) => ({ ...validate(msg, {}), config: structuredClone(host.state.config) }),

  "backup/config/update": (host, msg) => {
    const update = validateConfigUpdate(msg);
    applyConfigUpdate(host.state.config, update);
    host.persist();
    return null;
  },
};
