// followBackup against the simulated HA restarting: nothing is loaded before the backup
// integration is back, and backup events keep arriving afterwards (home-assistant-js-websocket's
// own resubscription is dropped when HA answers unknown_command, as HA 2025.1 does while starting).
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { fetchBackupInfo, type ManagerStateEvent } from "../../../src/data/backup.js";
import { followBackup } from "../../../src/data/backup-follow.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { closeAfterTest, closeOpened, connectHA, within } from "../../support/ha-client.js";

afterEach(closeOpened);

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
      const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 2, stageDelayMs: 1, haVersion }));
      const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
      const other = closeAfterTest(await connectHA(sim.url, sim.adminToken));
      const completed = await backupAfterRestart(sim, conn, other);
      assert.equal(completed.manager_state, "create_backup");
    });
  }

  it("does not subscribe for a user who does not want events (non-admin)", async () => {
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1 }));
    const conn = closeAfterTest(await connectHA(sim.url, sim.userToken));
    const available = signal<void>();
    const follower = closeAfterTest(followBackup(conn, { onEvent: () => undefined, onAvailable: async () => (available.fn(), false) }));
    await available.when;
    follower.close();
    const log = (await sim.control({ type: "command_log" })) as { type: string }[];
    assert.deepEqual(
      log.map((l) => l.type).filter((t) => t.startsWith("backup/")),
      [],
    );
  });

  it("a load that fails after a restart is shown and tried again until it works, then events follow", async () => {
    // After a restart the first backup/info fails (a fault): followBackup must not give up until the
    // next reconnect (it did: the error was swallowed and no subscription was made).
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 2, stageDelayMs: 1 }));
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const other = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const errors: { message: string; retryInMs: number }[] = [];
    let loaded = signal<void>();
    const completed = signal<ManagerStateEvent>((ev) => ev.state === "completed");
    const follower = closeAfterTest(
      followBackup(
        conn,
        {
          onEvent: (ev) => completed.fn(ev),
          onAvailable: async () => {
            await fetchBackupInfo(conn); // throws when HA answers an error
            loaded.fn();
            return true;
          },
          onError: (err, retryInMs) => errors.push({ message: (err as { message: string }).message, retryInMs }),
        },
        { loadRetryMs: 10 },
      ),
    );
    await loaded.when;
    loaded = signal<void>();
    await sim.control({ type: "restart", down_ms: 0, hold: true });
    await sim.control({ type: "fault", fail: { command: "backup/info", times: 2, code: "home_assistant_error", message: "Agent listing failed" } });
    await sim.control({ type: "finish_start" });
    await within(loaded.when, 10_000, "successful load after the failed ones");
    assert.deepEqual(
      errors,
      [
        { message: "Agent listing failed", retryInMs: 10 },
        { message: "Agent listing failed", retryInMs: 20 },
      ],
      "each failure shown, the pause growing",
    );
    // Subscribed once the load worked: a backup made elsewhere reaches onEvent.
    while ((await fetchBackupInfo(other)).state !== "idle") await new Promise((r) => setTimeout(r, 10));
    await other.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local"], name: "Heard" });
    assert.equal((await within(completed.when, 10_000, "backup event")).state, "completed");
    follower.close();
  });

  it("following() settles once events are followed, so a backup asked for then is heard to its end", async () => {
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1, stageDelayMs: 1 }));
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    // HA is slow to take the subscription.
    await sim.control({ type: "fault", hold: "backup/subscribe_events" });
    const completed = signal<ManagerStateEvent>((ev) => ev.state === "completed");
    const follower = closeAfterTest(followBackup(conn, { onEvent: (ev) => completed.fn(ev), onAvailable: async () => true }));
    let settled = false;
    const following = follower.following().then(() => (settled = true));
    const log = () => sim.control({ type: "command_log" }) as Promise<{ type: string }[]>;
    await within(
      (async () => {
        while (!(await log()).some((l) => l.type === "backup/subscribe_events")) await new Promise((r) => setTimeout(r, 5));
      })(),
      5_000,
      "the subscription asked for",
    );
    await fetchBackupInfo(conn); // a round trip after the held subscription: it would have settled by now
    assert.equal(settled, false, "not while HA has not taken the subscription");
    await sim.control({ type: "fault", release: "backup/subscribe_events" });
    await within(following, 5_000, "following() after the subscription");
    await conn.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local"], name: "Asked for at once" });
    assert.equal((await within(completed.when, 10_000, "the backup's end")).state, "completed");
  });

  it("following() settles without events for a user who does not get them (non-admin)", async () => {
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1 }));
    const conn = closeAfterTest(await connectHA(sim.url, sim.userToken));
    const follower = closeAfterTest(followBackup(conn, { onEvent: () => undefined, onAvailable: async () => false }));
    await within(follower.following(), 5_000, "following() for a non-admin");
  });

  it("following() does not hang when the connection drops while HA has not yet taken the subscription", async () => {
    const sim = await startSimulatedHA({ port: 0, backups: 1 });
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    await sim.control({ type: "fault", hold: "backup/subscribe_events" });
    const follower = closeAfterTest(followBackup(conn, { onEvent: () => undefined, followsEvents: async () => true, onAvailable: async () => true }));
    const log = () => sim.control({ type: "command_log" }) as Promise<{ type: string }[]>;
    await within(
      (async () => {
        while (!(await log()).some((l) => l.type === "backup/subscribe_events")) await new Promise((r) => setTimeout(r, 5));
      })(),
      5_000,
      "the subscription asked for",
    );
    // HA goes away for good: the held subscription is never answered (HAWS drops it with the socket).
    await sim.close();
    await within(follower.following(), 5_000, "following() after the drop");
  });
});
