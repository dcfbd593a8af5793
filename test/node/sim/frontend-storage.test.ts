// frontend/*_user_data in the simulated HA, as core's homeassistant/components/frontend/storage.py
// behaves: per user, key optional for get/subscribe, subscribers get the value first (an event
// before the result frame) and then every change, invalid_format for a set without key or value,
// and aiohttp's 4 MiB message limit closes the socket (1009).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { connectHA, rawSocket } from "../../support/ha-client.js";

let sim: SimHandle;
before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 2, stageDelayMs: 5 });
});
after(() => sim.close());

type Frame = { id: number; type: string; success?: boolean; result?: unknown; error?: { code: string; message: string }; event?: { value: unknown } };

describe("frontend user data", () => {
  it("stores any JSON value per key and per user; get without key returns every key", async () => {
    const admin = await connectHA(sim.url, sim.adminToken);
    const guest = await connectHA(sim.url, sim.userToken);
    try {
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
    } finally {
      admin.close();
      guest.close();
    }
  });

  it("answers invalid_format for a set without key or value, and for a key that is not a string", async () => {
    const raw = await rawSocket(sim.url, sim.adminToken);
    try {
      raw.send({ id: 1, type: "frontend/set_user_data", value: 1 });
      assert.deepEqual(await raw.next(), { id: 1, type: "result", success: false, error: { code: "invalid_format", message: "required key not provided @ data['key']" } });
      raw.send({ id: 2, type: "frontend/set_user_data", key: "k" });
      assert.deepEqual(await raw.next(), { id: 2, type: "result", success: false, error: { code: "invalid_format", message: "required key not provided @ data['value']" } });
      raw.send({ id: 3, type: "frontend/get_user_data", key: 5 });
      assert.equal(((await raw.next()) as Frame).error?.code, "invalid_format");
      raw.send({ id: 4, type: "frontend/set_user_data", key: "k", value: null });
      assert.deepEqual(await raw.next(), { id: 4, type: "result", success: true, result: null });
    } finally {
      raw.ws.close();
    }
  });

  it("sends the current value before the result frame, then every change to every connection of that user", async () => {
    const first = await rawSocket(sim.url, sim.adminToken);
    const second = await rawSocket(sim.url, sim.adminToken);
    const guest = await rawSocket(sim.url, sim.userToken);
    try {
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
    } finally {
      first.ws.close();
      second.ws.close();
      guest.ws.close();
    }
  });

  it("works through home-assistant-js-websocket's subscribeMessage", async () => {
    const conn = await connectHA(sim.url, sim.adminToken);
    try {
      const seen: unknown[] = [];
      let wake: () => void = () => undefined;
      const unsub = await conn.subscribeMessage<{ value: unknown }>((e) => {
        seen.push(e.value);
        wake();
      }, { type: "frontend/subscribe_user_data", key: "bk_haws" });
      assert.deepEqual(seen, [null]);
      const changed = new Promise<void>((r) => (wake = r));
      await conn.sendMessagePromise({ type: "frontend/set_user_data", key: "bk_haws", value: { v: 2 } });
      await changed;
      assert.deepEqual(seen, [null, { v: 2 }]);
      await unsub();
    } finally {
      conn.close();
    }
  });

  it("closes the connection (1009) for a message over aiohttp's 4 MiB limit", async () => {
    const raw = await rawSocket(sim.url, sim.adminToken);
    const closed = new Promise<number>((r) => raw.ws.once("close", (code) => r(code)));
    raw.send({ id: 1, type: "frontend/set_user_data", key: "big", value: "x".repeat(4 * 1024 * 1024) });
    assert.equal(await closed, 1009);
    const conn = await connectHA(sim.url, sim.adminToken);
    try {
      assert.deepEqual(await conn.sendMessagePromise({ type: "frontend/get_user_data", key: "big" }), { value: null }, "nothing stored");
    } finally {
      conn.close();
    }
  });
});

describe("frontend user data with --state", () => {
  it("keeps each user's data across a restart, as core keeps .storage/frontend.user_data_<user>", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "sim-frontend-"));
    try {
      const stateFile = join(dir, "ha.json");
      let s = await startSimulatedHA({ port: 0, backups: 1, state: stateFile });
      let conn = await connectHA(s.url, s.adminToken);
      await conn.sendMessagePromise({ type: "frontend/set_user_data", key: "kept", value: { n: 1 } });
      conn.close();
      await s.close();
      s = await startSimulatedHA({ port: 0, backups: 1, state: stateFile });
      conn = await connectHA(s.url, s.adminToken);
      const guest = await connectHA(s.url, s.userToken);
      try {
        assert.deepEqual(await conn.sendMessagePromise({ type: "frontend/get_user_data", key: "kept" }), { value: { n: 1 } });
        assert.deepEqual(await guest.sendMessagePromise({ type: "frontend/get_user_data", key: "kept" }), { value: null });
      } finally {
        conn.close();
        guest.close();
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
