// A simulated HA restart, as a client meets it: every connection closes; the WebSocket answers
// again before the backup integration has loaded (its commands are unknown_command, core
// `websocket_api` only knows registered commands), `integration/wait` waits for it, the manager
// reports `blocked` until HA has started (core `manager.py` BackupManager: last_event = BlockedEvent
// until `async_at_started` sends IdleEvent), then everything is served from the same stored state.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BackupInfo } from "../../../src/data/backup.js";
import { parseSimArgs } from "../../../src/sim/main.js";
import { startSimulatedHA } from "../../../src/sim/main.js";
import { connectHA, rawSocket } from "../../support/ha-client.js";

describe("restart", () => {
  it("closes connections, answers backup/* with unknown_command while starting, is blocked, then serves the same state", async () => {
    const sim = await startSimulatedHA({ port: 0, backups: 4, stageDelayMs: 1 });
    try {
      const conn = await connectHA(sim.url, sim.adminToken);
      const before = await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" });
      const config = await conn.sendMessagePromise({ type: "backup/config/info" });
      const disconnected = new Promise<void>((r) => conn.addEventListener("disconnected", () => r()));
      const ready = new Promise<void>((r) => conn.addEventListener("ready", () => r()));
      await sim.control({ type: "restart", down_ms: 0, hold: true });
      await disconnected;

      const raw = await rawSocket(sim.url, sim.adminToken);
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
      raw.ws.close();

      await ready;
      const after = await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" });
      assert.deepEqual(after.backups, before.backups);
      assert.deepEqual(await conn.sendMessagePromise({ type: "backup/config/info" }), config);
      conn.close();
    } finally {
      await sim.close();
    }
  });

  it("HA 2025.1 has no backup command at all until the integration loads", async () => {
    const sim = await startSimulatedHA({ port: 0, backups: 1, haVersion: "2025.1.4" });
    try {
      await sim.control({ type: "restart", down_ms: 0, hold: true });
      const raw = await rawSocket(sim.url, sim.adminToken);
      raw.send({ id: 1, type: "backup/subscribe_events" });
      assert.equal(((await raw.next()) as { error: { code: string } }).error.code, "unknown_command");
      raw.ws.close();
    } finally {
      await sim.close();
    }
  });

  it("a fault can restart HA right after it applied a command (e.g. a key change)", async () => {
    const sim = await startSimulatedHA({ port: 0, backups: 1 });
    try {
      const conn = await connectHA(sim.url, sim.adminToken);
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
      conn.close();
    } finally {
      await sim.close();
    }
  });

  it("--restart-after is a documented option", () => {
    assert.deepEqual(parseSimArgs(["--restart-after", "20"]), { restartAfter: 20 });
  });
});
