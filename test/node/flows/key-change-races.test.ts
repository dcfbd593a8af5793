// The key change when other things happen at the worst moment (against the simulated HA, with its
// fault injection): another tab reconciling mid-commit, a key set elsewhere while the connection
// was down, and every registry write of the commit failing. After each: no frozen flow, the lock
// released, and HA's real key and the registry agree once reconciled.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, afterEach, before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { inProcessLocks, KEY_CHANGE_LOCK, type LockPort } from "../../../src/common/locks.js";
import { KeyChangeFlow } from "../../../src/flows/key-change/flow.js";
import type { KeyChangeRegistry } from "../../../src/flows/key-change/ports.js";
import { registryPort } from "../../../src/flows/key-change/registry-port.js";
import { RegistryError } from "../../../src/registry/model.js";
import { Registry } from "../../../src/registry/registry.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { fetchBackupConfig } from "../../../src/data/backup.js";
import type { HaConnection } from "../../../src/data/connection.js";
import { keyIn } from "../../../src/common/localize.js";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import { connectHA } from "../../support/ha-client.js";
import { reach } from "../../support/flow-wait.js";

let sim: SimHandle;
let conn: Connection;
let n = 0;
const open: Registry[] = [];
const locks: LockPort = inProcessLocks();
let demoKeys: string[];

before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 4, now: "2026-11-27T12:00:00Z", stageDelayMs: 5 });
  conn = await connectHA(sim.url, sim.adminToken);
  demoKeys = (await sim.control({ type: "demo_keys" })) as string[];
});
after(async () => {
  for (const r of open) r.close();
  conn.close();
  await sim.close();
});
afterEach(async () => {
  await sim.control({ type: "clear_faults" });
  await sim.control({ type: "set_password", password: demoKeys[2] });
});

const haKey = async () => ((await sim.control({ type: "get_state" })) as { config: { create_backup: { password: string | null } } }).config.create_backup.password;

async function openReg(name: string): Promise<Registry> {
  const r = await Registry.open(name, locks);
  open.push(r);
  return r;
}

/** A flow whose registry port can be wrapped (`wrap`) to inject another tab or a failing write. */
async function harness(wrap: (port: KeyChangeRegistry, reg: Registry, name: string) => KeyChangeRegistry = (p) => p) {
  const name = `races-${process.pid}-${++n}`;
  const reg = await openReg(name);
  const downloads: { name: string; text: string }[] = [];
  const flow = new KeyChangeFlow({
    conn,
    registry: wrap(registryPort(reg, sim.url), reg, name),
    locks,
    kit: { instanceName: "Home", url: sim.url, language: "en", timeZone: "UTC" },
    download: (file, text) => downloads.push({ name: file, text }),
    randomBytes: (k) => new Uint8Array(randomBytes(k)),
    now: () => new Date(),
  });
  return { flow, reg, name, downloads };
}

async function toCommit(flow: KeyChangeFlow, downloads: { text: string }[]): Promise<void> {
  await flow.start();
  assert.equal(flow.state.step, "old_key", JSON.stringify(flow.state.problem));
  flow.stopProving();
  flow.downloadOldKit();
  flow.acknowledgeOldKit(true);
  flow.next();
  await flow.downloadNewKit();
  assert.equal(flow.proveWithKit(downloads.at(-1)!.text), true);
}

async function lockIsFree(instanceId: string): Promise<boolean> {
  const release = await locks.tryLock(`${KEY_CHANGE_LOCK}:${instanceId}`);
  release?.();
  return release !== null;
}

const full = () => new RegistryError("storage_full");

/** What the dialog shows for the flow's problem, in English. */
const shown = (flow: KeyChangeFlow) => localizeEnglish(keyIn("errors.flow", flow.state.problem!.code), flow.state.problem!.params);

/**
 * A harness whose flow's reconciliation, while `during.on` (set for the commit), first does
 * `before` with the flow's connection: HA changes meanwhile, or the registry write fails.
 */
async function harnessReconcilingAfter(before: (c: HaConnection) => Promise<unknown>) {
  const during = { on: false };
  const h = await harness((port) => ({
    ...port,
    async reconcile(c, o) {
      if (during.on) await before(c);
      return port.reconcile(c, o);
    },
  }));
  return { ...h, during };
}

/** HA answers (it is back), then the registry write of the outcome fails (a full disk). */
const writeFailsAfterHAAnswers = () =>
  harnessReconcilingAfter(async (c) => {
    await fetchBackupConfig(c);
    throw full();
  });

/** HA's key and the registry agree, and nothing is left pending. */
async function consistent(reg: Registry): Promise<void> {
  const r = await reg.reconcile(conn, sim.url);
  const key = await haKey();
  assert.equal(r.active?.fingerprint ?? null, key === null ? null : await reg.fingerprint(key), "the active generation is HA's key");
  assert.equal((await reg.generations(r.instanceId)).filter((g) => g.status === "pending").length, 0, "nothing left pending");
}

describe("another tab reconciles mid-commit", () => {
  it("between the pending write and backup/config/update: the pending generation survives, nothing 'changed elsewhere'", async () => {
    let other: Registry | null = null;
    const h = await harness((port, _reg, name) => ({
      ...port,
      async beginPending(...args) {
        const pending = await port.beginPending(...args);
        other ??= await openReg(name); // a second tab on the same registry
        await other.reconcile(conn, sim.url);
        return pending;
      },
    }));
    await toCommit(h.flow, h.downloads);
    await h.flow.commit();
    assert.equal(h.flow.state.step, "done", JSON.stringify(h.flow.state.problem));
    const id = h.flow.state.instanceId!;
    const gens = await h.reg.generations(id);
    assert.deepEqual(
      gens.map((g) => [g.number, g.status, g.origin]),
      [
        [1, "retired", "observed"],
        [2, "active", "flow"],
      ],
    );
    const types = (await h.reg.journal(id)).map((j) => j.type);
    assert.ok(!types.includes("key_changed_elsewhere") && !types.includes("change_abandoned"), types.join());
    assert.equal(types.filter((t) => t === "key_changed").length, 1);
  });

  it("a key set elsewhere between our check and our commit is recorded as its own generation, with its backups", async () => {
    let made: { backup_id: string } | null = null;
    const h = await harness((port, reg) => ({
      ...port,
      async beginPending(...args) {
        const pending = await port.beginPending(...args);
        // HA's settings page saves another key, a backup is made with it, and a tab reconciles.
        await sim.control({ type: "set_password", password: demoKeys[0] });
        await reg.reconcile(conn, sim.url);
        made = (await sim.control({ type: "create_backup", name: "Made with a key set elsewhere", agent_ids: ["hassio.local"] })) as { backup_id: string };
        await reg.reconcile(conn, sim.url);
        return pending;
      },
    }));
    try {
      await toCommit(h.flow, h.downloads);
      await h.flow.commit();
      assert.equal(h.flow.state.step, "done", JSON.stringify(h.flow.state.problem));
      const id = h.flow.state.instanceId!;
      const gens = await h.reg.generations(id);
      const elsewhere = gens.find((g) => g.origin === "elsewhere");
      assert.ok(elsewhere, "the key set elsewhere is a generation of its own");
      assert.equal(elsewhere.fingerprint, await h.reg.fingerprint(demoKeys[0]!));
      assert.equal(elsewhere.status, "retired");
      assert.equal(gens.find((g) => g.status === "active")?.origin, "flow");
      const copy = (await h.reg.copies(id)).find((c) => c.backupId === made!.backup_id)!;
      // Made seconds after the key was first seen and before our commit: its own generation (not
      // ours, not the old one), as a guess, since HA's clock may differ from ours by minutes.
      assert.deepEqual([copy.generationId, copy.confidence], [elsewhere.id, "inferred"], "its backup stays with it");
    } finally {
      if (made) await sim.control({ type: "delete_backup", backup_id: (made as { backup_id: string }).backup_id });
    }
  });

  it("between HA's confirmation and our activation: one generation, one History entry", async () => {
    const h = await harness((port, reg) => ({
      ...port,
      async activatePending(...args) {
        await reg.reconcile(conn, sim.url);
        return port.activatePending(...args);
      },
    }));
    await toCommit(h.flow, h.downloads);
    await h.flow.commit();
    assert.equal(h.flow.state.step, "done");
    const id = h.flow.state.instanceId!;
    assert.deepEqual(
      (await h.reg.generations(id)).map((g) => [g.number, g.status, g.origin]),
      [
        [1, "retired", "observed"],
        [2, "active", "flow"],
      ],
    );
    assert.equal((await h.reg.journal(id)).filter((j) => j.type === "key_changed").length, 1);
  });
});

describe("the connection drops during the commit", () => {
  it("HA got a key set elsewhere meanwhile: the flow says so, from HA's answer, not 'not applied'", async () => {
    const h = await harnessReconcilingAfter(() => sim.control({ type: "set_password", password: demoKeys[0] }));
    await toCommit(h.flow, h.downloads);
    h.during.on = true;
    await sim.control({ type: "fault", drop: { command: "backup/config/update", when: "before" } });
    await h.flow.commit();
    assert.equal(h.flow.state.step, "aborted");
    assert.equal(h.flow.state.problem?.code, "not_applied_other");
    assert.equal(await haKey(), demoKeys[0]);
    const id = h.flow.state.instanceId!;
    assert.ok(await lockIsFree(id), "the lock is released");
    const r = await h.reg.reconcile(conn, sim.url);
    assert.equal(r.active?.number, h.flow.state.problem?.params?.generation, "the generation named is the one HA holds");
    assert.equal((await h.reg.generations(id)).filter((g) => g.status === "pending").length, 0);
  });

  it("HA applies the update only after the flow's reconnect read: the flow says what HA held, never 'nothing was changed'; the late key is the user's own", async () => {
    const h = await harness();
    await toCommit(h.flow, h.downloads);
    const newKit = h.downloads.at(-1)!.text;
    await sim.control({ type: "fault", config_update: "apply_after_reconnect" });
    await h.flow.commit();
    assert.deepEqual([h.flow.state.step, h.flow.state.problem?.code, h.flow.state.problem?.params?.generation], ["aborted", "not_applied", 1]);
    const text = shown(h.flow);
    assert.ok(!/Nothing was changed/.test(text), text);
    assert.match(text, /Home Assistant held the old key \(generation 1\)/);
    const id = h.flow.state.instanceId!;
    assert.ok(await lockIsFree(id), "the lock is released");
    // The flow's own look settled its pending generation: the registry is consistent right away.
    assert.deepEqual((await h.reg.generations(id)).map((g) => g.status).sort(), ["abandoned", "active"]);
    // HA applied the update after that read.
    assert.ok(newKit.includes((await haKey())!), "HA now holds the new key");
    const r = await h.reg.reconcile(conn, sim.url);
    assert.equal(r.changedElsewhere, false, "the user's own change, not one made elsewhere");
    assert.deepEqual(
      (await h.reg.generations(id)).map((g) => [g.number, g.status, g.origin]),
      [
        [1, "retired", "observed"],
        [2, "active", "flow"],
      ],
    );
    await consistent(h.reg);
  });

  it("HA has no key when the connection comes back: the flow says so (not_applied_no_key), and the registry agrees", async () => {
    const h = await harnessReconcilingAfter(() => sim.control({ type: "set_password", password: null }));
    await toCommit(h.flow, h.downloads);
    h.during.on = true;
    await sim.control({ type: "fault", drop: { command: "backup/config/update", when: "before" } });
    await h.flow.commit();
    assert.deepEqual([h.flow.state.step, h.flow.state.problem?.code], ["aborted", "not_applied_no_key"]);
    assert.match(shown(h.flow), /Home Assistant had no encryption key set/);
    assert.equal(await haKey(), null);
    assert.ok(await lockIsFree(h.flow.state.instanceId!));
    h.during.on = false;
    await consistent(h.reg);
  });

  it("HA applies our key after the flow gave up on it: recorded as the user's own change, not 'elsewhere'", async () => {
    const reg = await openReg(`races-late-${process.pid}`);
    const r = await reg.reconcile(conn, sim.url);
    const late = "LATE-LATE-LATE-LATE-LATE-LATE-LATE";
    const pending = await reg.beginPending(r.instanceId, await reg.fingerprint(late), { kitDownloadedAt: null, kitProvenAt: new Date().toISOString() });
    await reg.reconcile(conn, sim.url); // no flow holds the lock: abandoned
    assert.equal((await reg.generations(r.instanceId)).find((g) => g.id === pending.id)?.status, "abandoned");
    await sim.control({ type: "set_password", password: late });
    const again = await reg.reconcile(conn, sim.url);
    assert.equal(again.changedElsewhere, false);
    assert.equal(again.active?.id, pending.id, "the same generation, with its proven kit");
    assert.equal((await reg.journal(r.instanceId))[0]!.type, "key_changed");
  });
});

describe("a registry write fails before the commit", () => {
  it("the preflight's reconciliation: the dialog says so and is not left waiting", async () => {
    const h = await harness((port) => ({ ...port, reconcile: async () => Promise.reject(full()) }));
    await h.flow.start();
    assert.deepEqual([h.flow.state.step, h.flow.state.problem?.code], ["blocked", "storage_failed_preflight"]);
    assert.match(shown(h.flow), /could not read or write its registry/);
  });

  it("the preflight's checkpoint: blocked, the key-change lock released", async () => {
    const h = await harness((port) => ({ ...port, saveCheckpoint: async (id, cp) => (cp?.step === "started" ? Promise.reject(full()) : port.saveCheckpoint(id, cp)) }));
    await h.flow.start();
    assert.deepEqual([h.flow.state.step, h.flow.state.problem?.code], ["blocked", "storage_failed_preflight"]);
    assert.ok(await lockIsFree(h.flow.state.instanceId!), "the lock taken during the preflight is released");
    // (Read from the flow's own field: nothing outside the flow reads the old key.)
    assert.equal((h.flow as unknown as { oldKey: string | null }).oldKey, null, "the key is not kept");
  });

  it("noting the old kit's download: the file is saved, the flow says the note failed, nothing is left unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const h = await harness((port) => ({ ...port, markKitDownloaded: async () => Promise.reject(full()) }));
      await h.flow.start();
      const noted = reach(h.flow, (s) => s.notice !== null);
      h.flow.downloadOldKit();
      assert.equal(h.downloads.length, 1, "the kit file is saved");
      const s = await noted;
      assert.equal(s.notice?.code, "kit_mark_failed");
      // Not a delay: Node reports unhandled rejections when the microtask queue drains, which it
      // has done once a macrotask (setImmediate) runs.
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
      h.flow.acknowledgeOldKit(true);
      h.flow.next();
      assert.equal(h.flow.state.step, "new_key", "a failed note stops nothing");
      await h.flow.cancel();
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("a registry write fails during the commit", () => {
  it("beginPending: nothing is sent, HA keeps the old key, the dialog is not frozen", async () => {
    const before = await haKey();
    const h = await harness((port) => ({ ...port, beginPending: async () => Promise.reject(full()) }));
    await toCommit(h.flow, h.downloads);
    await h.flow.commit();
    assert.deepEqual([h.flow.state.step, h.flow.state.problem?.code], ["aborted", "storage_failed_before_update"]);
    assert.equal(await haKey(), before);
    assert.ok(await lockIsFree(h.flow.state.instanceId!));
  });

  it("saveCheckpoint: nothing is sent and the pending generation is dropped", async () => {
    const before = await haKey();
    const h = await harness((port) => ({
      ...port,
      saveCheckpoint: async (id, cp) => (cp?.step === "committing" ? Promise.reject(full()) : port.saveCheckpoint(id, cp)),
    }));
    await toCommit(h.flow, h.downloads);
    await h.flow.commit();
    assert.deepEqual([h.flow.state.step, h.flow.state.problem?.code], ["aborted", "storage_failed_before_update"]);
    assert.equal(await haKey(), before);
    const id = h.flow.state.instanceId!;
    assert.ok(await lockIsFree(id));
    assert.equal((await h.reg.generations(id)).filter((g) => g.status === "pending").length, 0);
  });

  it("activatePending: says HA has the new key, releases the lock, and the next reconciliation records it as ours", async () => {
    const h = await harness((port) => ({ ...port, activatePending: async () => Promise.reject(full()) }));
    await toCommit(h.flow, h.downloads);
    await h.flow.commit();
    assert.deepEqual([h.flow.state.step, h.flow.state.commitPhase, h.flow.state.problem?.code], ["unresolved", null, "storage_failed_after_update"]);
    const id = h.flow.state.instanceId!;
    assert.ok(await lockIsFree(id));
    assert.notEqual(await h.reg.getMeta(`checkpoint:${id}`), null, "the checkpoint stays for the next connection");
    const r = await h.reg.reconcile(conn, sim.url);
    assert.equal(r.changedElsewhere, false);
    assert.deepEqual(
      (await h.reg.generations(id)).map((g) => [g.number, g.status, g.origin]),
      [
        [1, "retired", "observed"],
        [2, "active", "flow"],
      ],
    );
  });

  it("the reconciliation after a dropped connection, HA holding the new key: says so in words, releases the lock, the next connection records it as ours", async () => {
    const h = await writeFailsAfterHAAnswers();
    await toCommit(h.flow, h.downloads);
    h.during.on = true;
    await sim.control({ type: "fault", drop: { command: "backup/config/update", when: "after_handle" } });
    await h.flow.commit();
    assert.deepEqual([h.flow.state.step, h.flow.state.commitPhase, h.flow.state.problem?.code], ["unresolved", null, "storage_failed_after_update"]);
    assert.ok(!/registry: /.test(shown(h.flow)), shown(h.flow));
    assert.match(shown(h.flow), /Home Assistant now has the new key/);
    const id = h.flow.state.instanceId!;
    assert.ok(await lockIsFree(id));
    assert.notEqual(await h.reg.getMeta(`checkpoint:${id}`), null, "the checkpoint stays for the next connection");
    h.during.on = false;
    const r = await h.reg.reconcile(conn, sim.url);
    assert.equal(r.changedElsewhere, false);
    assert.deepEqual(
      (await h.reg.generations(id)).map((g) => [g.number, g.status, g.origin]),
      [
        [1, "retired", "observed"],
        [2, "active", "flow"],
      ],
    );
  });

  it("the reconciliation after a dropped connection, HA keeping the old key: says what HA holds, releases the lock", async () => {
    const h = await writeFailsAfterHAAnswers();
    await toCommit(h.flow, h.downloads);
    h.during.on = true;
    await sim.control({ type: "fault", drop: { command: "backup/config/update", when: "before" } });
    await h.flow.commit();
    assert.deepEqual([h.flow.state.step, h.flow.state.problem?.code], ["aborted", "storage_failed_not_applied"]);
    assert.match(shown(h.flow), /Home Assistant held the old key/);
    assert.ok(await lockIsFree(h.flow.state.instanceId!));
    h.during.on = false;
    await consistent(h.reg);
  });

  it("dropPending after HA refused the key: the refusal is shown, and the next reconciliation abandons the pending generation", async () => {
    const before = await haKey();
    const h = await harness((port) => ({ ...port, dropPending: async () => Promise.reject(full()) }));
    await toCommit(h.flow, h.downloads);
    await sim.control({ type: "fault", config_update: "fail_before_apply" });
    await h.flow.commit();
    assert.deepEqual([h.flow.state.step, h.flow.state.problem?.code], ["aborted", "update_failed"]);
    assert.equal(await haKey(), before);
    const id = h.flow.state.instanceId!;
    assert.ok(await lockIsFree(id));
    await h.reg.reconcile(conn, sim.url);
    const gens = await h.reg.generations(id);
    assert.equal(gens.filter((g) => g.status === "pending").length, 0);
    assert.equal(gens.find((g) => g.status === "active")?.number, 1);
  });
});
