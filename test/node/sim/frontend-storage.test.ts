// frontend/*_user_data in the simulated HA, as core's homeassistant/components/frontend/storage.py
// behaves: per user, key optional for get/subscribe, subscribers get the value first (an event
// before the result frame) and then every change, invalid_format for a set without key or value,
// and aiohttp's 4 MiB message limit closes the socket (1009).
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { MIRROR_KEY, RegistryMirror, type MirrorStatus } from "../../../src/registry/mirror.js";
import { Registry } from "../../../src/registry/registry.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { closeAfterTest, closeOpened, connectHA, rawSocket, within } from "../../support/ha-client.js";

afterEach(closeOpened);

let sim: SimHandle;
before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 2, stageDelayMs: 5 });
});
after(() => sim.close());

type Frame = { id: number; type: string; success?: boolean; result?: unknown; error?: { code: string; message: string }; event?: { value: unknown } };

describe("frontend user data", () => {
  it("stores any JSON value per key and per user; get without key returns every key", async () => {
    const admin = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const guest = closeAfterTest(await connectHA(sim.url, sim.userToken));
    {
      assert.equal(await admin.sendMessagePromise({ type: "frontend/set_user_data", key: "bk_test_a", value: { n: 1, list: [1, "x", null] } }), null);
      await admin.sendMessagePromise({ type: "frontend/set_user_data", key: "bk_test_b", value: false });
      assert.deepEqual(await admin.sendMessagePromise({ type: "frontend/get_user_data", key: "bk_test_a" }), { value: { n: 1, list: [1, "x", null] } });
      assert.deepEqual(await admin.sendMessagePromise({ type: "frontend/get_user_data", key: "missing" }), { value: null });
      const all = (await admin.sendMessagePromise<{ value: Record<string, unknown> }>({ type: "frontend/get_user_data" })).value;
      assert.deepEqual([all.bk_test_a, all.bk_test_b], [{ n: 1, list: [1, "x", null] }, false]);
      // Another user (here a non-admin, who may use the store too) never sees it.
      assert.deepEqual(await guest.sendMessagePromise({ type: "frontend/get_user_data", key: "bk_test_a" }), { value: null });
      await guest.sendMessagePromise({ type: "frontend/set_user_data", key: "bk_test_a", value: "guest's" });
      assert.deepEqual(await admin.sendMessagePromise({ type: "frontend/get_user_data", key: "bk_test_a" }), { value: { n: 1, list: [1, "x", null] } });
      assert.deepEqual(await guest.sendMessagePromise({ type: "frontend/get_user_data", key: "bk_test_a" }), { value: "guest's" });
    }
  });

  it("answers invalid_format for a set without key or value, and for a key that is not a string", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    {
      // websocket_api/connection.py: schema errors are voluptuous humanize_error text ("… . Got None").
      raw.send({ id: 1, type: "frontend/set_user_data", value: 1 });
      assert.deepEqual(await raw.next(), { id: 1, type: "result", success: false, error: { code: "invalid_format", message: "required key not provided @ data['key']. Got None" } });
      raw.send({ id: 2, type: "frontend/set_user_data", key: "k" });
      assert.deepEqual(await raw.next(), { id: 2, type: "result", success: false, error: { code: "invalid_format", message: "required key not provided @ data['value']. Got None" } });
      raw.send({ id: 3, type: "frontend/get_user_data", key: 5 });
      assert.equal(((await raw.next()) as Frame).error?.code, "invalid_format");
      raw.send({ id: 4, type: "frontend/set_user_data", key: "k", value: null });
      assert.deepEqual(await raw.next(), { id: 4, type: "result", success: true, result: null });
    }
  });

  it("sends the current value before the result frame, then every change to every connection of that user", async () => {
    const first = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    const second = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    const guest = closeAfterTest(await rawSocket(sim.url, sim.userToken));
    {
      first.send({ id: 1, type: "frontend/set_user_data", key: "bk_sub", value: [1] });
      await first.next();
      second.send({ id: 1, type: "frontend/subscribe_user_data", key: "bk_sub" });
      assert.deepEqual(await second.next(), { id: 1, type: "event", event: { value: [1] } });
      assert.deepEqual(await second.next(), { id: 1, type: "result", success: true, result: null });
      second.send({ id: 2, type: "frontend/subscribe_user_data" });
      const whole = (await second.next()) as Frame;
      assert.equal(whole.type, "event");
      assert.deepEqual((whole.event!.value as Record<string, unknown>).bk_sub, [1]);
      await second.next(); // result
      // A subscription to a key nobody set yet starts with null.
      guest.send({ id: 1, type: "frontend/subscribe_user_data", key: "bk_sub" });
      assert.deepEqual(await guest.next(), { id: 1, type: "event", event: { value: null } });
      await guest.next();

      first.send({ id: 2, type: "frontend/set_user_data", key: "bk_sub", value: [1, 2] });
      assert.deepEqual(await first.next(), { id: 2, type: "result", success: true, result: null });
      // Core calls the whole-store subscribers first, then the key's.
      const a = (await second.next()) as Frame;
      const b = (await second.next()) as Frame;
      assert.equal(a.id, 2);
      assert.deepEqual((a.event!.value as Record<string, unknown>).bk_sub, [1, 2]);
      assert.deepEqual(b, { id: 1, type: "event", event: { value: [1, 2] } });
      // Another key: only the whole-store subscription hears it.
      first.send({ id: 3, type: "frontend/set_user_data", key: "bk_other", value: 7 });
      await first.next();
      assert.equal(((await second.next()) as Frame).id, 2);
      // After unsubscribing, no more events; the guest (another user) heard nothing at all.
      second.send({ id: 3, type: "unsubscribe_events", subscription: 1 });
      second.send({ id: 4, type: "unsubscribe_events", subscription: 2 });
      assert.equal(((await second.next()) as Frame).success, true);
      assert.equal(((await second.next()) as Frame).success, true);
      first.send({ id: 4, type: "frontend/set_user_data", key: "bk_sub", value: [3] });
      await first.next();
      second.send({ id: 5, type: "ping" });
      assert.deepEqual(await second.next(), { id: 5, type: "pong" });
      guest.send({ id: 2, type: "ping" });
      assert.deepEqual(await guest.next(), { id: 2, type: "pong" });
    }
  });

  it("works through home-assistant-js-websocket's subscribeMessage", async () => {
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    {
      const seen: unknown[] = [];
      let wake: () => void = () => undefined;
      const unsub = await conn.subscribeMessage<{ value: unknown }>(
        (e) => {
          seen.push(e.value);
          wake();
        },
        { type: "frontend/subscribe_user_data", key: "bk_haws" },
      );
      assert.deepEqual(seen, [null]);
      const changed = new Promise<void>((r) => (wake = r));
      await conn.sendMessagePromise({ type: "frontend/set_user_data", key: "bk_haws", value: { v: 2 } });
      await changed;
      assert.deepEqual(seen, [null, { v: 2 }]);
      await unsub();
    }
  });

  it("closes the connection (1009) for a message over aiohttp's 4 MiB limit", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    const closed = new Promise<number>((r) => raw.ws.once("close", (code) => r(code)));
    raw.send({ id: 1, type: "frontend/set_user_data", key: "big", value: "x".repeat(4 * 1024 * 1024) });
    const code = await within(closed, 20_000, "close");
    assert.equal(code, 1009);
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    assert.deepEqual(await conn.sendMessagePromise({ type: "frontend/get_user_data", key: "big" }), { value: null }, "nothing stored");
  });
});

describe("frontend user data with --state", () => {
  it("keeps each user's data across a restart, as core keeps .storage/frontend.user_data_<user>", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "sim-frontend-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const stateFile = join(dir, "ha.json");
    const first = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1, state: stateFile }));
    const c1 = closeAfterTest(await connectHA(first.url, first.adminToken));
    await c1.sendMessagePromise({ type: "frontend/set_user_data", key: "kept", value: { n: 1 } });
    c1.close();
    await first.close();
    const s = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1, state: stateFile }));
    const conn = closeAfterTest(await connectHA(s.url, s.adminToken));
    const guest = closeAfterTest(await connectHA(s.url, s.userToken));
    assert.deepEqual(await conn.sendMessagePromise({ type: "frontend/get_user_data", key: "kept" }), { value: { n: 1 } });
    assert.deepEqual(await guest.sendMessagePromise({ type: "frontend/get_user_data", key: "kept" }), { value: null });
  });
});

describe("the client's registry mirror on an HA without frontend/subscribe_user_data (before 2025.6)", () => {
  it("still reaches a second browser, by reading again (as on each reconnect)", async () => {
    // Core PR #144724 added subscribe_user_data in 2025.6; at 2025.4 only get/set exist, and
    // src/registry/mirror.ts falls back to reading the manifest on every connect (`refresh`).
    const s = closeAfterTest(await startSimulatedHA({ port: 0, backups: 3, haVersion: "2025.4.0", stageDelayMs: 1, now: "2026-11-27T12:00:00Z" }));
    const connA = closeAfterTest(await connectHA(s.url, s.adminToken));
    const connB = closeAfterTest(await connectHA(s.url, s.adminToken));
    const a = await Registry.open(`fs-mirror-a-${process.pid}`);
    const b = await Registry.open(`fs-mirror-b-${process.pid}`);
    closeAfterTest(a);
    closeAfterTest(b);
    const { instanceId } = await a.reconcile(connA, s.url);
    const statusB: MirrorStatus[] = [];
    const mirrorA = closeAfterTest({
      m: new RegistryMirror(a, connA, { debounceMs: 3_600_000 }),
      close() {
        this.m.stop();
      },
    }).m;
    const mirrorB = closeAfterTest({
      m: new RegistryMirror(b, connB, { debounceMs: 3_600_000, onStatus: (x) => statusB.push(x) }),
      close() {
        this.m.stop();
      },
    }).m;
    await mirrorB.start();
    assert.equal(mirrorB.status.state, "synced", "an HA without subscribe is no reason to keep the registry local");
    await mirrorA.start();
    await mirrorA.flush();
    assert.ok((await connA.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: MIRROR_KEY })).value, "A wrote the mirror");
    // No subscription means no event for B; its next read (a reconnect) brings A's facts.
    const log = (await s.control({ type: "command_log" })) as { type: string }[];
    assert.ok(
      log.some((l) => l.type === "frontend/subscribe_user_data"),
      "the mirror tried to subscribe",
    );
    await mirrorB.refresh();
    const instancesB = await b.instances();
    assert.ok(instancesB.length > 0, "B knows the instance A folded in");
    assert.equal((await b.copies(instancesB[0]!.id)).length, (await a.copies(instanceId)).length);
    assert.equal(mirrorB.status.state, "synced");
  });
});
