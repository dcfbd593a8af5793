// A believable instance, the same for the same seed: ~30 backups over 18 months made under three
// successive keys, on this system (encrypted) and a NAS (unencrypted); HA Cloud holds only the
// newest, as real Cloud does; one mislabelled copy and one location whose agent errors.
import type { BackupConfig } from "../data/backup.js";
import { haVersionAtLeast } from "../data/ha-version.js";
import { seededRng, simEncryptionKey } from "./random.js";
import { SimState } from "./state.js";

export const DEMO_AGENTS = [
  { agent_id: "hassio.local", name: "local", error: null },
  { agent_id: "cloud.cloud", name: "cloud", error: null },
  { agent_id: "hassio.nas", name: "nas", error: null },
  { agent_id: "hassio.offsite", name: "offsite", error: "The backup agent is unreachable." },
];

const DAY = 86_400_000;

export interface DemoOptions {
  seed: number;
  now: Date;
  haVersion: string;
  backups?: number;
  /** Further encrypted network-storage locations `hassio.<name>` (comma-separated names) holding every backup. */
  encryptedMount?: string;
}

function isoDate(t: number): string {
  // HA writes backup dates with microseconds and the instance's offset; UTC keeps it simple.
  return new Date(t).toISOString().replace("Z", "+00:00");
}

export async function createDemoState(opts: DemoOptions): Promise<SimState> {
  const rng = seededRng(opts.seed);
  const keys = [simEncryptionKey(rng), simEncryptionKey(rng), simEncryptionKey(rng)];
  const instanceId = rng.hex(32);
  const count = opts.backups ?? 30;
  const end = opts.now.getTime() - DAY;
  const start = end - 548 * DAY; // 18 months
  const step = count > 1 ? (end - start) / (count - 1) : 0;
  // Keys change a third and two thirds of the way through.
  const changeAt = [start + (end - start) / 3, start + (2 * (end - start)) / 3];

  // Several names, comma-separated, make several such locations.
  const mountNames = (opts.encryptedMount ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const mounts = mountNames.map((n) => `hassio.${n}`);
  const config: BackupConfig = {
    agents: {
      "hassio.local": { protected: true, retention: null },
      "cloud.cloud": { protected: true, retention: null },
      "hassio.nas": { protected: false, retention: { copies: 30, days: null } },
      ...Object.fromEntries(mounts.map((m) => [m, { protected: true, retention: null }])),
    },
    automatic_backups_configured: true,
    create_backup: {
      agent_ids: ["hassio.local", "cloud.cloud", "hassio.nas", ...mounts],
      include_addons: null,
      include_all_addons: true,
      include_database: true,
      include_folders: ["share"],
      name: null,
      password: keys[0]!,
    },
    last_attempted_automatic_backup: null,
    last_completed_automatic_backup: null,
    last_completed_automatic_backup_id: null,
    next_automatic_backup: isoDate(opts.now.getTime() + DAY / 2),
    next_automatic_backup_additional: false,
    retention: { copies: 30, days: null },
    schedule: { days: [], recurrence: "daily", time: null },
  };
  const agents = DEMO_AGENTS.map((a) => ({ ...a }));
  mountNames.forEach((name, i) => agents.push({ agent_id: mounts[i]!, name, error: null }));
  const state = new SimState({ instanceId, haVersion: opts.haVersion, config, agents });
  state.demoKeys = keys;

  const mislabelIndex = Math.floor(count * 0.8);
  for (let i = 0; i < count; i++) {
    const t = Math.round(start + i * step + rng.int(0, 6) * 3_600_000);
    const generation = t < changeAt[0]! ? 0 : t < changeAt[1]! ? 1 : 2;
    state.config.create_backup.password = keys[generation]!;
    const automatic = i % 5 !== 4;
    const date = isoDate(t);
    // Older backups were made by 2026.2 (SecureTar v2); newer ones by the running version.
    const version = t < Date.UTC(2026, 3, 1) && haVersionAtLeast(opts.haVersion, "2026.3") ? "2026.2.3" : opts.haVersion;
    const name = automatic ? `Automatic backup ${version}` : `Before upgrading to ${version}`;
    // HA Cloud keeps one backup per instance (the newest; `cloud/backup.py` uploads
    // `<instance_id>.tar`); the offsite mount (erroring now) held a few.
    const agentIds = ["hassio.local", "hassio.nas"];
    if (i === count - 1) agentIds.push("cloud.cloud");
    if (i % 7 === 0) agentIds.push("hassio.offsite");
    agentIds.push(...mounts);
    const backup = await state.createBackup(
      { name, date, agentIds, password: keys[generation]!, withAutomaticSettings: automatic, mislabelAgent: i === mislabelIndex ? "hassio.local" : undefined, haVersion: version },
      rng,
    );
    if (automatic) {
      state.config.last_attempted_automatic_backup = date;
      state.config.last_completed_automatic_backup = date;
      state.config.last_completed_automatic_backup_id = backup.backup_id;
    }
  }
  state.config.create_backup.password = keys[2]!;
  return state;
}
