// A simulated HA restart, as a client meets it: every connection closes and HTTP is not served
// while HA is down; the WebSocket answers again before the backup integration has loaded (its
// commands are unknown_command, core `websocket_api` only knows registered commands, and its
// HTTP views are not registered yet), `integration/wait` waits for it, from 2025.3 the manager
// reports `blocked` until HA has started (core `manager.py` BackupManager: last_event =
// BlockedEvent until `async_at_started` sends IdleEvent, PR #139499), then everything is served
// from the same stored state. What lived only in the old process is gone: a running backup job,
// the last action, the signing secret.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { BackupInfo, ManagerStateEvent } from "../../../src/data/backup.js";
import { parseSimArgs, startSimulatedHA } from "../../../src/sim/main.js";
import { closeAfterTest, closeOpened, connectHA, rawSocket } from "../../support/ha-client.js";

afterEach(closeOpened);

/**
 * fetch, once more when it picked a kept-alive connection the restart had closed (as a browser
 * retries such a request); any other failure stands.
 */
async function fetchAgain(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== "UND_ERR_SOCKET") throw err;
    return fetch(url, init);
  }
}

const phaseOf = async (sim: { control(a: { type: "get_state" }): Promise<unknown> }) => ((await sim.control({ type: "get_state" })) as { phase: string }).phase;

describe("restart", () => {
  it("closes connections, answers backup/* with unknown_command while starting, is blocked, then serves the same state", async () => {
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 4, stageDelayMs: 1 }));
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const before = await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    const config = await conn.sendMessagePromise({ type: "backup/config/info" });
    const disconnected = new Promise<void>((r) => conn.addEventListener("disconnected", () => r()));
    const ready = new Promise<void>((r) => conn.addEventListener("ready", () => r()));
    await sim.control({ type: "restart", down_ms: 0, hold: true });
    await disconnected;

    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.send({ id: 1, type: "backup/info" });
    assert.deepEqual(await raw.next(), { id: 1, type: "result", success: false, error: { code: "unknown_command", message: "Unknown command." } });
    raw.send({ id: 2, type: "get_config" });
    const core = (await raw.next()) as { result: { components: string[]; state: string } };
    assert.ok(!core.result.components.includes("backup"));
    // basic_websocket.py: the subscription works before the integration, without a first event.
    raw.send({ id: 3, type: "backup/subscribe_events" });
    assert.deepEqual(await raw.next(), { id: 3, type: "result", success: true, result: null });
    raw.send({ id: 4, type: "integration/wait", domain: "backup" });
    await sim.control({ type: "finish_start" });
    assert.deepEqual(await raw.next(), { id: 4, type: "result", success: true, result: { integration_loaded: true } });

    raw.send({ id: 5, type: "backup/info" });
    const info = (await raw.next()) as { result: BackupInfo };
    assert.equal(info.result.state, "blocked");
    assert.equal(info.result.last_action_event, null, "the last action is not kept across a restart");
    raw.send({ id: 6, type: "backup/generate_with_automatic_settings" });
    assert.deepEqual(await raw.next(), { id: 6, type: "result", success: false, error: { code: "home_assistant_error", message: "Backup manager busy: blocked" } });
    assert.deepEqual(await raw.next(), { id: 3, type: "event", event: { manager_state: "idle" } }, "subscribers hear idle once HA has started");

    await ready;
    const after = await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    assert.deepEqual(after.backups, before.backups);
    assert.deepEqual(await conn.sendMessagePromise({ type: "backup/config/info" }), config);
  });

  it("HA 2025.1 has no backup command at all until the integration loads", async () => {
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1, haVersion: "2025.1.4" }));
    await sim.control({ type: "restart", down_ms: 0, hold: true });
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.send({ id: 1, type: "backup/subscribe_events" });
    assert.equal(((await raw.next()) as { error: { code: string } }).error.code, "unknown_command");
  });

  it("before 2025.3 the manager is idle as soon as the integration has loaded (no blocked state)", async () => {
    // `blocked` came with core PR #139499 (HA 2025.3); 2025.2's manager started with IdleEvent.
    for (const [haVersion, state] of [
      ["2025.2.0", "idle"],
      ["2025.3.0", "blocked"],
    ] as const) {
      const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1, haVersion }));
      await sim.control({ type: "restart", down_ms: 0, hold: true });
      await sim.control({ type: "finish_start" });
      const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
      raw.send({ id: 1, type: "backup/info" });
      assert.equal(((await raw.next()) as { result: BackupInfo }).result.state, state, haVersion);
    }
  });

  it("a fault can restart HA right after it applied a command (e.g. a key change)", async () => {
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1 }));
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    await sim.control({ type: "fault", drop: { command: "backup/config/update", when: "after_handle", restart: { down_ms: 0, hold: true } } });
    const ready = new Promise<void>((r) => conn.addEventListener("ready", () => r()));
    await assert.rejects(conn.sendMessagePromise({ type: "backup/config/update", create_backup: { name: "Nightly" } }));
    const state = (await sim.control({ type: "get_state" })) as { phase: string; config: { create_backup: { name: string } } };
    assert.equal(state.config.create_backup.name, "Nightly", "applied before the restart");
    assert.notEqual(state.phase, "running", "restarting");
    await ready;
    assert.equal(((await conn.sendMessagePromise({ type: "backup/info" }).catch((e: unknown) => e)) as { code: string }).code, "unknown_command");
    await sim.control({ type: "finish_start" });
    assert.equal((await conn.sendMessagePromise<{ integration_loaded: boolean }>({ type: "integration/wait", domain: "backup" })).integration_loaded, true);
  });

  it("finish_start while HA is still down starts it, even with hold", async () => {
    // A fault's restart is not awaited, so finish_start can come before the down time is over;
    // the down timer must not put HA back to "starting" (where `hold` would keep it).
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1, haVersion: "2026.11.0" }));
    const restarted = sim.control({ type: "restart", down_ms: 60_000, hold: true });
    assert.equal(await phaseOf(sim), "down");
    await sim.control({ type: "finish_start" });
    await restarted;
    assert.equal(await phaseOf(sim), "blocked");
    // The pending end of "down" is gone: it would put HA back to "starting" a minute from now.
    assert.equal(((await sim.control({ type: "get_state" })) as { restart_pending: boolean }).restart_pending, false);
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.send({ id: 1, type: "backup/subscribe_events" });
    assert.deepEqual(await raw.next(), { id: 1, type: "event", event: { manager_state: "blocked" } });
    assert.deepEqual((await raw.next()) as unknown, { id: 1, type: "result", success: true, result: null });
    assert.deepEqual(await raw.next(), { id: 1, type: "event", event: { manager_state: "idle" } }, "and it finishes starting");
  });

  it("--restart-after restarts HA once, that many seconds after it started", async () => {
    assert.deepEqual(parseSimArgs(["--restart-after", "20"]), { restartAfter: 20 });
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1, restartAfter: 1 }));
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const disconnected = new Promise<void>((r) => conn.addEventListener("disconnected", () => r()));
    const ready = new Promise<void>((r) => conn.addEventListener("ready", () => r()));
    await disconnected;
    await ready;
    assert.equal((await conn.sendMessagePromise<{ integration_loaded: boolean }>({ type: "integration/wait", domain: "backup" })).integration_loaded, true);
    // After starting again it is idle and stays up: once, not every second.
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.send({ id: 1, type: "backup/subscribe_events" });
    const first = (await raw.next()) as { event: ManagerStateEvent };
    if (first.event.manager_state === "blocked") {
      await raw.next(); // result
      assert.deepEqual(await raw.next(), { id: 1, type: "event", event: { manager_state: "idle" } });
    }
    assert.equal(await phaseOf(sim), "running");
    const log = (await sim.control({ type: "command_log" })) as { type: string }[];
    assert.ok(log.some((l) => l.type === "integration/wait"));
  });

  it("a backup running when HA restarts is gone: no further event, no backup", async () => {
    // Core's backup job is a task of its process (manager.py `_backup_task`, `_async_finish_backup`):
    // it ends with it, and the backup is only recorded (KnownBackups.add) after its upload.
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 2, stageDelayMs: 40 }));
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    const before = ((await sim.control({ type: "get_state" })) as { backups: unknown[] }).backups.length;
    raw.send({ id: 1, type: "backup/subscribe_events" });
    await raw.next();
    await raw.next();
    raw.send({ id: 2, type: "backup/generate", agent_ids: ["hassio.local"], name: "Interrupted" });
    // Wait until the job is under way (its first Supervisor stage), then restart.
    for (;;) {
      const f = (await raw.next()) as { type: string; event?: ManagerStateEvent };
      if (f.event?.stage === "addon_repositories") break;
    }
    await sim.control({ type: "restart", down_ms: 0, hold: true });
    // The job's own pauses would have run out long before this: nothing of it may appear.
    const watcher = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    watcher.send({ id: 1, type: "backup/subscribe_events" });
    assert.deepEqual(await watcher.next(), { id: 1, type: "result", success: true, result: null });
    await sim.control({ type: "finish_start" });
    // blocked → idle is all a subscriber hears; no create_backup stage or completion.
    assert.deepEqual(await watcher.next(), { id: 1, type: "event", event: { manager_state: "idle" } });
    const state = (await sim.control({ type: "get_state" })) as { backups: { name: string }[]; manager_state: ManagerStateEvent };
    assert.equal(state.backups.length, before, "the interrupted backup was not recorded");
    assert.ok(!state.backups.some((b) => b.name === "Interrupted"));
    assert.deepEqual(state.manager_state, { manager_state: "idle" });
    // And a new backup can be made.
    watcher.send({ id: 2, type: "backup/generate", agent_ids: ["hassio.local"], name: "After" });
    assert.equal(((await watcher.next()) as { type: string; event?: ManagerStateEvent }).event?.state, "in_progress");
  });

  it("signed URLs stop working after a restart; HTTP is not served while down, downloads are 404 while starting", async () => {
    // http/auth.py async_sign_path: the secret lives in hass.data (DATA_SIGN_SECRET), new per process.
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 2 }));
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const b = (await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" })).backups[0]!;
    const path = `/api/backup/download/${b.backup_id}?agent_id=hassio.local`;
    const signed = (await conn.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path, expires: 600 })).path;
    const ok = await fetch(sim.url + signed);
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();

    const reconnected = new Promise<void>((r) => conn.addEventListener("ready", () => r()));
    const restarted = sim.control({ type: "restart", down_ms: 60_000, hold: true });
    assert.equal(await phaseOf(sim), "down");
    await assert.rejects(fetchAgain(sim.url + signed), "nothing answers while HA is down");
    await sim.control({ type: "finish_start" });
    await restarted;
    await reconnected;
    // Now up again: the old signature is refused, a new one works.
    assert.equal((await fetchAgain(sim.url + signed)).status, 401, "signed by the previous process");
    const resigned = (await conn.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path })).path;
    const again = await fetchAgain(sim.url + resigned);
    assert.equal(again.status, 200);
    await again.arrayBuffer();

    // While starting, before the backup integration registered its views: aiohttp's 404.
    await sim.control({ type: "restart", down_ms: 0, hold: true });
    const bearer = { headers: { authorization: `Bearer ${sim.adminToken}` } };
    const starting = await fetchAgain(sim.url + path, bearer);
    assert.equal(starting.status, 404);
    await starting.arrayBuffer();
    await sim.control({ type: "finish_start" });
    const served = await fetchAgain(sim.url + path, bearer);
    assert.equal(served.status, 200, "served again once the integration has loaded (blocked or idle)");
    await served.arrayBuffer();
  });
});
