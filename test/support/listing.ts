// HA's `backup/info` answer built by hand, for registry tests that write their own histories:
// one place for how core marks who made a backup.
import type { BackupContent, BackupInfo } from "../../src/data/backup.js";

/** Who made a backup: this instance automatically or by hand, or another instance (a shared NAS, Cloud). */
export type Maker = "automatic" | "manual" | "foreign";

/**
 * One listed backup with HA's marks: `extra_metadata` carries the maker's instance id; core reports
 * the top-level `with_automatic_settings` as true or false only for its own backups, null for
 * another instance's (`manager.py` `is_our_automatic_backup`).
 */
export function listedBackup(b: { id: string; date: string; who: Maker; agents: BackupContent["agents"]; ownId: string; foreignId: string }): BackupContent {
  return {
    addons: [],
    agents: b.agents,
    backup_id: b.id,
    database_included: true,
    date: b.date,
    extra_metadata: { instance_id: b.who === "foreign" ? b.foreignId : b.ownId, with_automatic_settings: b.who !== "manual" },
    failed_agent_ids: [],
    folders: [],
    homeassistant_included: true,
    homeassistant_version: "2026.11.0",
    name: `Backup ${b.id}`,
    with_automatic_settings: b.who === "foreign" ? null : b.who === "automatic",
  };
}

/** HA's listing of these backups, no location in error unless given, the manager idle. */
export function backupInfo(backups: BackupContent[], agentErrors: Record<string, string> = {}): BackupInfo {
  return {
    agent_errors: agentErrors,
    backups,
    last_attempted_automatic_backup: null,
    last_completed_automatic_backup: null,
    last_action_event: null,
    next_automatic_backup: null,
    next_automatic_backup_additional: false,
    state: "idle",
  };
}
