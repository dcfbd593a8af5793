// The simulated instance's data: backup config (with the key in plain text, as HA stores it),
// backups with one real file per location, the backup manager's state, notifications.
import { readFileSync, writeFileSync, mkdirSync, existsSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AddonInfo, BackupConfig, BackupContent, ManagerStateEvent } from "../data/backup.js";
import { backupFeatures } from "../data/ha-version.js";
import { backupIdFor, buildBackup } from "./backup-archive.js";
import type { Rng } from "./random.js";

export interface SimCopy {
  protected: boolean;
  file: Uint8Array;
}

export interface SimBackup {
  backup_id: string;
  name: string;
  date: string;
  homeassistant_version: string;
  with_automatic_settings: boolean;
  folders: string[];
  copies: Map<string, SimCopy>;
  /** The add-ons in the backup (none in the demo). */
  addons?: AddonInfo[];
  /** Locations the upload failed on or that were unavailable (core `KnownBackups.add`). */
  failed_agent_ids?: string[];
  /** Another instance's id: a backup it uploaded to a location this instance shares. */
  instance_id?: string;
  /** Add-ons and folders Supervisor could not back up (core `WrittenBackup.addon_errors` / `folder_errors`). */
  failed_addons?: AddonInfo[];
  failed_folders?: string[];
}

export interface SimAgent {
  agent_id: string;
  name: string;
  /** An agent that fails to list its backups (reported in `agent_errors`). */
  error: string | null;
}

export interface Notification {
  notification_id: string;
  title: string | null;
  message: string;
  created_at: string;
}

export class SimState {
  locationName = "Home";
  instanceId: string;
  haVersion: string;
  config: BackupConfig;
  agents: SimAgent[];
  backups = new Map<string, SimBackup>();
  managerEvent: ManagerStateEvent = { manager_state: "idle" };
  lastActionEvent: ManagerStateEvent | null = null;
  notifications = new Map<string, Notification>();
  /** Keys by generation, for tests and the demo only; never sent over the WebSocket API. */
  demoKeys: string[] = [];

  constructor(init: { instanceId: string; haVersion: string; config: BackupConfig; agents: SimAgent[] }) {
    this.instanceId = init.instanceId;
    this.haVersion = init.haVersion;
    this.config = init.config;
    this.agents = init.agents;
  }

  agentIds(): string[] {
    return this.agents.map((a) => a.agent_id);
  }

  agentErrors(): Record<string, string> {
    return Object.fromEntries(this.agents.filter((a) => a.error).map((a) => [a.agent_id, a.error!]));
  }

  /**
   * Whether a location encrypts: its config entry, else "a key is set" (core `_async_upload_backup`).
   * Before 2025.2 there was no per-location setting: every copy is the one file written.
   */
  agentProtected(agentId: string): boolean {
    if (!backupFeatures(this.haVersion).perLocationProtected) return this.config.create_backup.password !== null;
    const entry = this.config.agents[agentId];
    return entry ? entry.protected : this.config.create_backup.password !== null;
  }

  /**
   * A backup as `backup/info` lists it at this core version: from 2025.2 with an `agents` map of
   * per-copy `protected`/`size` (core `manager.py` `ManagerBackup`, PR #136622); in 2025.1 with
   * `agent_ids` plus the `protected`/`size` of the first location that lists it, and no
   * `extra_metadata` (2025.1 `AgentBackup.as_frontend_json` leaves it out).
   */
  toContent(b: SimBackup, onlyAgents?: Set<string>, shapeOf = this.haVersion): BackupContent | null {
    const features = backupFeatures(shapeOf);
    const erroring = new Set(this.agents.filter((a) => a.error).map((a) => a.agent_id));
    const agents: BackupContent["agents"] = {};
    // Core asks its agents in their order; the first one that lists the backup shapes it in 2025.1.
    for (const agentId of [...this.agentIds(), ...b.copies.keys()]) {
      const copy = b.copies.get(agentId);
      if (!copy || agentId in agents || erroring.has(agentId) || (onlyAgents && !onlyAgents.has(agentId))) continue;
      agents[agentId] = { protected: copy.protected, size: copy.file.length };
    }
    const ids = Object.keys(agents);
    if (ids.length === 0) return null;
    // Core reports the automatic-settings flag only for its own backups (`is_our_automatic_backup`).
    const own = b.instance_id === undefined || b.instance_id === this.instanceId;
    const base = {
      addons: [...(b.addons ?? [])],
      backup_id: b.backup_id,
      database_included: true,
      date: b.date,
      failed_agent_ids: [...(b.failed_agent_ids ?? [])],
      folders: b.folders,
      homeassistant_included: true,
      homeassistant_version: b.homeassistant_version,
      name: b.name,
      with_automatic_settings: own ? b.with_automatic_settings : null,
    };
    if (!features.backupLocationsMap) {
      const first = agents[ids[0]!]!;
      return { ...base, agent_ids: ids, protected: first.protected, size: first.size } as unknown as BackupContent;
    }
    return {
      ...base,
      agents,
      extra_metadata: { instance_id: b.instance_id ?? this.instanceId, with_automatic_settings: b.with_automatic_settings },
      ...(features.failedAddonsFolders ? { failed_addons: structuredClone(b.failed_addons ?? []), failed_folders: [...(b.failed_folders ?? [])] } : {}),
    };
  }

  /** `backup/info`'s list; `shapeOf` another version's shape (the test control uses the newest's). */
  listBackups(shapeOf = this.haVersion): BackupContent[] {
    return [...this.backups.values()]
      .map((b) => this.toContent(b, undefined, shapeOf))
      .filter((c): c is BackupContent => c !== null)
      .sort((a, b) => a.date.localeCompare(b.date));
  }

  /** Makes a real backup file with the current key and stores a copy per location. */
  async createBackup(
    opts: {
      name: string;
      date: string;
      agentIds: string[];
      password: string | null;
      withAutomaticSettings: boolean;
      mislabelAgent?: string;
      /** The core version that made it (default: the instance's); it picks the SecureTar version. */
      haVersion?: string;
      empty?: boolean;
      /** Made by another instance (default: this one). */
      instanceId?: string;
      /** Write these locations' inner archives as SecureTar v1 (no header), as very old Supervisors did. */
      v1Agents?: string[];
      addons?: AddonInfo[];
      folders?: string[];
      failedAddons?: AddonInfo[];
      failedFolders?: string[];
    },
    rng: Rng,
  ): Promise<SimBackup> {
    const backupId = backupIdFor(opts.date, opts.name);
    const built = await buildBackup(
      {
        backupId,
        name: opts.name,
        date: opts.date,
        instanceId: opts.instanceId ?? this.instanceId,
        haVersion: opts.haVersion ?? this.haVersion,
        withAutomaticSettings: opts.withAutomaticSettings,
        folders: opts.folders ?? ["share"],
        addons: opts.addons ?? [],
        empty: opts.empty,
      },
      opts.password,
      rng,
      { v1: (opts.v1Agents?.length ?? 0) > 0 },
    );
    const copies = new Map<string, SimCopy>();
    for (const agentId of opts.agentIds) {
      if (agentId === opts.mislabelAgent) copies.set(agentId, { protected: true, file: built.mislabelled });
      else if (opts.v1Agents?.includes(agentId) && built.v1) copies.set(agentId, { protected: true, file: built.v1 });
      else if (opts.password !== null && this.agentProtected(agentId)) copies.set(agentId, { protected: true, file: built.encrypted! });
      else copies.set(agentId, { protected: false, file: built.plain });
    }
    const backup: SimBackup = {
      backup_id: backupId,
      name: opts.name,
      date: opts.date,
      homeassistant_version: opts.haVersion ?? this.haVersion,
      with_automatic_settings: opts.withAutomaticSettings,
      folders: opts.folders ?? ["share"],
      copies,
      ...(opts.instanceId !== undefined && opts.instanceId !== this.instanceId ? { instance_id: opts.instanceId } : {}),
      ...(opts.addons?.length ? { addons: opts.addons } : {}),
      ...(opts.failedAddons?.length ? { failed_addons: opts.failedAddons } : {}),
      ...(opts.failedFolders?.length ? { failed_folders: opts.failedFolders } : {}),
    };
    this.backups.set(backupId, backup);
    return backup;
  }

  // --- persistence (--state FILE): JSON for metadata, one file per copy next to it ---

  save(stateFile: string): void {
    const dir = `${stateFile}.files`;
    mkdirSync(dir, { recursive: true });
    const backups = [...this.backups.values()].map((b) => ({
      ...b,
      copies: [...b.copies].map(([agentId, c]) => {
        const fileName = `${b.backup_id}__${agentId}.tar`;
        const path = join(dir, fileName);
        if (!existsSync(path)) writeFileSync(path, c.file);
        return { agentId, protected: c.protected, fileName };
      }),
    }));
    const data = {
      version: 1,
      locationName: this.locationName,
      instanceId: this.instanceId,
      haVersion: this.haVersion,
      config: this.config,
      agents: this.agents,
      backups,
      notifications: [...this.notifications.values()],
      demoKeys: this.demoKeys,
    };
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(data));
    renameSync(`${stateFile}.tmp`, stateFile);
  }

  static load(stateFile: string): SimState {
    const data = JSON.parse(readFileSync(stateFile, "utf8"));
    const s = new SimState({ instanceId: data.instanceId, haVersion: data.haVersion, config: data.config, agents: data.agents });
    s.locationName = data.locationName;
    s.demoKeys = data.demoKeys ?? [];
    for (const n of data.notifications ?? []) s.notifications.set(n.notification_id, n);
    for (const b of data.backups) {
      const copies = new Map<string, SimCopy>();
      for (const c of b.copies) copies.set(c.agentId, { protected: c.protected, file: new Uint8Array(readFileSync(join(`${stateFile}.files`, c.fileName))) });
      s.backups.set(b.backup_id, { ...b, copies });
    }
    return s;
  }
}
