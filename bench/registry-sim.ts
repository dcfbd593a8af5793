// The simulated HA the registry benchmark runs against: `backups` backups over two years, each on
// three encrypted locations (Local, NAS, Cloud), made under `generations` successive keys (one per
// equal slice of time, the last one HA's current key). Real backup files, as the demo's are; the
// sim is dated March 2026 so they are SecureTar v2 (10 000 v3 backups, one Argon2id each, would
// take the simulator some twenty minutes to build).
import type { BackupConfig } from "../src/data/backup.js";
import { seededRng, simEncryptionKey } from "../src/sim/random.js";
import { SimState } from "../src/sim/state.js";

export const BENCH_NOW = "2026-03-01T12:00:00Z";
const DAY = 86_400_000;
const AGENTS = ["hassio.local", "hassio.nas", "cloud.cloud"];

/** The sim's state, its keys (oldest first) and the span each key was HA's key (epoch ms). */
export async function scaleState(backups: number, generations: number): Promise<{ state: SimState; keys: string[]; slices: { from: number; to: number }[] }> {
  const rng = seededRng(10);
  const keys = Array.from({ length: generations }, () => simEncryptionKey(rng));
  const end = Date.parse(BENCH_NOW) - DAY;
  const start = end - 730 * DAY;
  const config: BackupConfig = {
    agents: Object.fromEntries(AGENTS.map((id) => [id, { protected: true, retention: null }])),
    automatic_backups_configured: true,
    create_backup: { agent_ids: AGENTS, include_addons: null, include_all_addons: true, include_database: true, include_folders: ["share"], name: null, password: keys[generations - 1]! },
    last_attempted_automatic_backup: null,
    last_completed_automatic_backup: null,
    last_completed_automatic_backup_id: null,
    next_automatic_backup: null,
    next_automatic_backup_additional: false,
    retention: { copies: null, days: null },
    schedule: { days: [], recurrence: "daily", time: null },
  };
  const state = new SimState({
    instanceId: rng.hex(32),
    haVersion: "2026.2.3",
    config,
    agents: [
      { agent_id: "hassio.local", name: "local", error: null },
      { agent_id: "hassio.nas", name: "nas", error: null },
      { agent_id: "cloud.cloud", name: "cloud", error: null },
    ],
  });
  state.demoKeys = keys;
  const step = (end - start) / Math.max(1, backups - 1);
  for (let i = 0; i < backups; i++) {
    const t = Math.round(start + i * step);
    const generation = Math.min(generations - 1, Math.floor(((t - start) / (end - start + 1)) * generations));
    const date = new Date(t).toISOString().replace("Z", "+00:00");
    await state.createBackup(
      {
        name: i % 5 === 4 ? "Before upgrading to 2026.2.3" : "Automatic backup 2026.2.3",
        date,
        agentIds: AGENTS,
        password: keys[generation]!,
        withAutomaticSettings: i % 5 !== 4,
        haVersion: "2026.2.3",
      },
      rng,
    );
  }
  const slices = keys.map((_, k) => ({ from: start + ((end - start + 1) * k) / generations, to: start + ((end - start + 1) * (k + 1)) / generations }));
  return { state, keys, slices };
}
