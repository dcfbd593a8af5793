// The simulated HA speaks HA's WebSocket protocol, checked with the real client library and a raw socket.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { ERR_INVALID_AUTH } from "home-assistant-js-websocket";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { closeAfterTest, closeOpened, connectHA, rawSocket, within } from "../../support/ha-client.js";

afterEach(closeOpened);

let sim: SimHandle;
before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 6, stageDelayMs: 5 });
});
after(() => sim.close());

describe("auth phase", () => {
  it("accepts the admin token and reports the HA version", async () => {
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    assert.equal(conn.haVersion, "2026.11.0");
    conn.close();
  });

  it("rejects an invalid token with auth_invalid and closes", async () => {
    await assert.rejects(connectHA(sim.url, "not-a-token"), (e) => e === ERR_INVALID_AUTH);
    const ws = new WebSocket(`${sim.url.replace("http", "ws")}/api/websocket`);
    closeAfterTest({ close: () => ws.terminate() });
    const frames: { type: string; message?: string }[] = [];
    ws.on("message", (m) => frames.push(JSON.parse(String(m))));
    const closed = new Promise((r) => ws.once("close", r));
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    ws.send(JSON.stringify({ type: "auth", access_token: "wrong" }));
    // HA closes right after auth_invalid; give up (and fail) if it never does.
    await within(closed, 10_000, "close after auth_invalid");
    assert.deepEqual(
      frames.map((f) => f.type),
      ["auth_required", "auth_invalid"],
    );
    assert.equal(frames[1]!.message, "Invalid access token or password");
  });
});

describe("commands", () => {
  it("answers ping with pong and unknown types with unknown_command", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.send({ id: 1, type: "ping" });
    assert.deepEqual(await raw.next(), { id: 1, type: "pong" });
    raw.send({ id: 2, type: "no/such_command" });
    assert.deepEqual(await raw.next(), { id: 2, type: "result", success: false, error: { code: "unknown_command", message: "Unknown command." } });
    raw.ws.close();
  });

  it("requires strictly increasing ids (id_reuse)", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.send({ id: 5, type: "ping" });
    await raw.next();
    raw.send({ id: 5, type: "ping" });
    assert.deepEqual(await raw.next(), { id: 5, type: "result", success: false, error: { code: "id_reuse", message: "Identifier values have to increase." } });
    raw.send({ id: 3, type: "ping" });
    assert.equal(((await raw.next()) as { error: { code: string } }).error.code, "id_reuse");
    raw.ws.close();
  });

  it("rejects a message without id or type as invalid_format", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.send({ type: "ping" });
    assert.equal(((await raw.next()) as { error: { code: string } }).error.code, "invalid_format");
    raw.ws.close();
  });

  it("coalesces frames into JSON arrays after supported_features, and the client copes", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    const arrays: unknown[] = [];
    raw.ws.on("message", (m) => {
      const parsed = JSON.parse(String(m));
      if (Array.isArray(parsed)) arrays.push(parsed);
    });
    raw.send({ id: 1, type: "supported_features", features: { coalesce_messages: 1 } });
    await raw.next();
    raw.send({ id: 2, type: "ping" });
    raw.send({ id: 3, type: "ping" });
    raw.send({ id: 4, type: "ping" });
    await raw.next();
    await raw.next();
    await raw.next();
    assert.ok(arrays.length > 0, "some frames were batched into an array");
    raw.ws.close();
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const results = await Promise.all([1, 2, 3].map(() => conn.sendMessagePromise({ type: "backup/agents/info" })));
    assert.equal(results.length, 3);
    conn.close();
  });

  it("answers get_config and auth/current_user for admin and non-admin users", async () => {
    const admin = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const user = closeAfterTest(await connectHA(sim.url, sim.userToken));
    const config = await admin.sendMessagePromise<{ location_name: string; version: string; components: string[] }>({ type: "get_config" });
    assert.equal(config.location_name, "Home");
    assert.ok(config.components.includes("backup"));
    const a = await admin.sendMessagePromise<{ is_admin: boolean; is_owner: boolean }>({ type: "auth/current_user" });
    const u = await user.sendMessagePromise<{ is_admin: boolean; name: string }>({ type: "auth/current_user" });
    assert.equal(a.is_admin, true);
    assert.equal(u.is_admin, false);
    admin.close();
    user.close();
  });

  it("creates and dismisses persistent notifications through call_service", async () => {
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const events: unknown[] = [];
    const unsub = await conn.subscribeEvents((e) => events.push(e), "persistent_notifications_updated");
    await conn.sendMessagePromise({
      type: "call_service",
      domain: "persistent_notification",
      service: "create",
      service_data: { message: "Check your kit", title: "Backup Keyring", notification_id: "backup_keyring_kit" },
    });
    let state = (await sim.control({ type: "get_state" })) as { notifications: { notification_id: string; title: string }[] };
    assert.deepEqual(
      state.notifications.map((n) => [n.notification_id, n.title]),
      [["backup_keyring_kit", "Backup Keyring"]],
    );
    await conn.sendMessagePromise({ type: "call_service", domain: "persistent_notification", service: "dismiss", service_data: { notification_id: "backup_keyring_kit" } });
    state = (await sim.control({ type: "get_state" })) as { notifications: { notification_id: string; title: string }[] };
    assert.equal(state.notifications.length, 0);
    assert.equal(events.length, 2);
    await unsub();
    conn.close();
  });
});

describe("subscriptions", () => {
  it("sends the current manager state before the result frame, then one event per change", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.send({ id: 1, type: "backup/subscribe_events" });
    assert.deepEqual(await raw.next(), { id: 1, type: "event", event: { manager_state: "idle" } });
    assert.deepEqual(await raw.next(), { id: 1, type: "result", success: true, result: null });
    raw.send({ id: 2, type: "backup/generate_with_automatic_settings" });
    const frames: unknown[] = [];
    for (;;) {
      const f = (await raw.next()) as { type: string; event?: { manager_state: string } };
      frames.push(f);
      if (f.type === "event" && f.event?.manager_state === "idle") break;
    }
    const seq = frames
      .filter((f) => !(f as { event?: object }).event || !("agent_id" in (f as { event: object }).event)) // upload progress (2026.4+)
      .map((f) => {
        const fr = f as { type: string; id: number; event?: { stage?: string | null; state?: string }; result?: unknown };
        return fr.type === "result" ? "result" : `${fr.event?.stage ?? "-"}/${fr.event?.state ?? "idle"}`;
      });
    // Core snapshot test_generate: in_progress (no stage) → result → stages → upload_to_agents → completed → idle;
    // on Supervisor the stages are Supervisor's (supervisor backups/manager.py _create_backup, _do_backup:
    // no add-ons here, so no addons or await_addon_restarts stage), and 2026.4 adds cleaning_up.
    const supervisor = ["addon_repositories", "home_assistant", "folders", "finishing_file"];
    assert.deepEqual(seq, ["-/in_progress", "result", ...supervisor.map((s) => `${s}/in_progress`), "upload_to_agents/in_progress", "cleaning_up/in_progress", "-/completed", "-/idle"]);
    raw.ws.close();
  });

  it("unsubscribe_events stops events and unknown subscriptions are not_found", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.send({ id: 1, type: "backup/subscribe_events" });
    await raw.next();
    await raw.next();
    raw.send({ id: 2, type: "unsubscribe_events", subscription: 1 });
    assert.deepEqual(await raw.next(), { id: 2, type: "result", success: true, result: null });
    raw.send({ id: 3, type: "unsubscribe_events", subscription: 1 });
    assert.deepEqual(await raw.next(), { id: 3, type: "result", success: false, error: { code: "not_found", message: "Subscription not found." } });
    // A backup now produces no event on the dropped subscription: the next frame is the ping's pong.
    await sim.control({ type: "set_manager_state", state: { manager_state: "create_backup", stage: null, state: "in_progress", reason: null } });
    await sim.control({ type: "set_manager_state", state: { manager_state: "idle" } });
    raw.send({ id: 4, type: "ping" });
    assert.deepEqual(await raw.next(), { id: 4, type: "pong" });
    raw.ws.close();
  });
});
