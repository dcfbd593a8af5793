// followBackup against the simulated HA restarting: nothing is loaded before the backup
// integration is back, and backup events keep arriving afterwards (home-assistant-js-websocket's
// own resubscription is dropped when HA answers unknown_command, as HA 2025.1 does while starting).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { fetchBackupInfo, type ManagerStateEvent } from "../../../src/data/backup.js";
import { followBackup } from "../../../src/data/backup-follow.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { connectHA } from "../../support/ha-client.js";

/** Resolves on the first call of the returned callback that satisfies `test`. */
function signal<T>(test: (v: T) => boolean = () => true): { fn: (v: T) => void; when: Promise<T> } {
  let resolve!: (v: T) => void;
  const when = new Promise<T>((r) => (resolve = r));
  return { fn: (v) => test(v) && resolve(v), when };
}

async function backupAfterRestart(sim: SimHandle, conn: Connection, other: Connection) {
  const listeners = new Set<(ev: ManagerStateEvent) => void>();
  const loads: string[] = [];
  let firstLoad = signal<void>();
  const follower = followBackup(
    conn,
    {
      onEvent: (ev) => listeners.forEach((l) => l(ev)),
      onAvailable: async () => {
        // What a panel would load first; it must never meet an unknown_command.
        const info = await fetchBackupInfo(conn);
        loads.push(info.state);
        firstLoad.fn();
        return true;
      },
      onUnavailable: () => loads.push("unavailable"),
    },
    { retryMs: 20 },
  );
  try {
    await firstLoad.when;
    firstLoad = signal<void>();
    await sim.control({ type: "restart", down_ms: 0, hold: true });
    // While starting, HAWS has reconnected and the follower waits on integration/wait.
    const log = () => sim.control({ type: "command_log" }) as Promise<{ type: string }[]>;
    while (!(await log()).some((l, i, all) => l.type === "integration/wait" && all.slice(0, i).some((x) => x.type === "backup/info"))) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(loads, ["idle", "unavailable"], "no load while the integration is not there");
    await sim.control({ type: "finish_start" });
    await firstLoad.when;
    const done = signal<ManagerStateEvent>((ev) => ev.state === "completed");
    listeners.add(done.fn);
    // Wait out "blocked", then make a backup from another connection: its events must reach us.
    while ((await fetchBackupInfo(other)).state !== "idle") await new Promise((r) => setTimeout(r, 10));
    await other.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local"], name: "After restart" });
    return await done.when;
  } finally {
    follower.close();
  }
}

describe("followBackup across an HA restart", () => {
  for (const haVersion of ["2025.1.4", "2026.11.0"]) {
    it(`HA ${haVersion}: waits for the backup integration, then hears the next backup`, async () => {
      const sim = await startSimulatedHA({ port: 0, backups: 2, stageDelayMs: 1, haVersion });
      const conn = await connectHA(sim.url, sim.adminToken);
      const other = await connectHA(sim.url, sim.adminToken);
      try {
        const completed = await backupAfterRestart(sim, conn, other);
        assert.equal(completed.manager_state, "create_backup");
      } finally {
        conn.close();
        other.close();
        await sim.close();
      }
    });
  }

  it("does not subscribe for a user who does not want events (non-admin)", async () => {
    const sim = await startSimulatedHA({ port: 0, backups: 1 });
    const conn = await connectHA(sim.url, sim.userToken);
    try {
      const available = signal<void>();
      const follower = followBackup(conn, { onEvent: () => undefined, onAvailable: async () => (available.fn(), false) });
      await available.when;
      follower.close();
      const log = (await sim.control({ type: "command_log" })) as { type: string }[];
      assert.deepEqual(log.map((l) => l.type).filter((t) => t.startsWith("backup/")), []);
    } finally {
      conn.close();
      await sim.close();
    }
  });
});
