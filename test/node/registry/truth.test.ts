// Registry truth against the simulated HA (three historical keys): nothing is guessed from before
// the first look, expected outcomes are not failures, History records changes not repeats, and a
// key HA is put back on is the same generation with a second active period.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { canDecryptOnDownload, fetchBackupConfig, fetchBackupInfo } from "../../../src/data/backup.js";
import { fetchCoreConfig } from "../../../src/data/auth.js";
import { Registry } from "../../../src/registry/registry.js";
import { verifyOnline } from "../../../src/registry/verify.js";
import type { SimHandle } from "../../../src/sim/main.js";
import { useRegistryEnv } from "../../support/registry-env.js";

const env = useRegistryEnv("truth-test", { backups: 9 });
let sim: SimHandle;
let conn: Connection;
let keys: string[];
before(async () => {
  await env.ready;
  ({ sim, conn, keys } = env);
});

const local = new Set(["hassio.local"]);
/** A moment `min` minutes ago on this browser's clock: looks far apart compared with the clock margin. */
const ago = (min: number) => new Date(Date.now() - min * 60_000);
const onlyLocal = async (reg: Registry, instanceId: string) => new Set((await reg.copies(instanceId)).filter((c) => local.has(c.agentId) && c.protected).map((c) => `${c.backupId}|${c.agentId}`));

describe("a fresh registry on an instance with three historical keys", () => {
  it("guesses nothing; checking the current key proves its backups, and its kit lists only those", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(conn, sim.url);
    let lists = await reg.backupsOpenedBy(r.instanceId, r.active!.id);
    assert.deepEqual(lists, { facts: [], guessed: [] }, "before any check the kit states nothing as fact");

    const sum = await verifyOnline(reg, conn, r.instanceId, [keys[2]!], { only: await onlyLocal(reg, r.instanceId), pauseMs: 0 });
    assert.ok(sum.opened > 0, `opened: ${JSON.stringify(sum)}`);
    assert.ok(sum.otherKey > 0, `other: ${JSON.stringify(sum)}`);
    assert.equal(sum.failed, 0);
    lists = await reg.backupsOpenedBy(r.instanceId, r.active!.id, { "hassio.local": "Local" });
    assert.equal(lists.facts.length, sum.opened);
    for (const b of lists.facts) {
      assert.deepEqual(b.locations, ["Local"]);
      await canDecryptOnDownload(conn, b.backup_id, "hassio.local", keys[2]!); // throws if it does not open
    }
    const copies = await reg.copies(r.instanceId);
    assert.ok(!copies.some((c) => c.lastCheck?.result === "failed"), "not opening with the current key is not a failure here");
    // The one History entry about a check is the mislabelled copy HA cannot check: a real finding.
    assert.deepEqual(
      (await reg.journal(r.instanceId)).filter((j) => j.type === "check_failed").map((j) => j.params.result),
      ["not_supported"],
    );
  });
});

describe("expected outcomes and History", () => {
  it("after a key change, the old generation's backups keep their belief when the new key does not open them; one History entry per change", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(conn, sim.url, { now: ago(30) });
    const made = (await sim.control({ type: "create_backup", name: "Under generation 1", agent_ids: ["hassio.local"], date: ago(15).toISOString() })) as { backup_id: string };
    await reg.reconcile(conn, sim.url);
    const only = new Set([`${made.backup_id}|hassio.local`]);
    const copy = async () => (await reg.copies(r.instanceId)).find((c) => c.backupId === made.backup_id)!;
    assert.deepEqual([(await copy()).confidence, (await copy()).generationId], ["observed", r.active!.id]);

    // Our own flow's change to a new key (pending, HA takes it, reconciliation activates it).
    const next = "NEXT-NEXT-NEXT-NEXT-NEXT-NEXT-NEXT";
    await reg.beginPending(r.instanceId, await reg.fingerprint(next), { kitDownloadedAt: null, kitProvenAt: null });
    await sim.control({ type: "set_password", password: next });
    try {
      const after = await reg.reconcile(conn, sim.url);
      assert.equal(after.active?.number, 2);
      const journalBefore = (await reg.journal(r.instanceId)).length;
      for (let i = 0; i < 3; i++) {
        const sum = await verifyOnline(reg, conn, r.instanceId, [next], { only, pauseMs: 0 });
        assert.deepEqual([sum.otherKey, sum.failed], [1, 0], "expected, not failed");
      }
      const c = await copy();
      assert.deepEqual([c.confidence, c.generationId, c.lastCheck?.result], ["observed", r.active!.id, "other_key"], "the belief stays");
      assert.equal((await reg.journal(r.instanceId)).length, journalBefore, "repeated expected outcomes write nothing into History");

      // The old key proves it: one entry; proving it again adds none.
      for (let i = 0; i < 3; i++) await verifyOnline(reg, conn, r.instanceId, [keys[2]!], { only, pauseMs: 0, force: true });
      const journal = await reg.journal(r.instanceId);
      assert.equal(journal.length, journalBefore + 1);
      assert.equal(journal[0]!.type, "check_passed");
      assert.deepEqual([(await copy()).confidence, (await copy()).generationId], ["verified", r.active!.id]);
    } finally {
      await sim.control({ type: "delete_backup", backup_id: made.backup_id });
      await sim.control({ type: "set_password", password: keys[2] });
    }
  });

  it("only a failure with the generation's own key withdraws the belief, and it is not assigned again by date", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(conn, sim.url);
    // Made while the key had gone away and come back: it looks like generation 1, it is not.
    await sim.control({ type: "set_password", password: keys[0] });
    const made = (await sim.control({ type: "create_backup", name: "Behind our back", agent_ids: ["hassio.local"] })) as { backup_id: string };
    await sim.control({ type: "set_password", password: keys[2] });
    try {
      await reg.reconcile(conn, sim.url);
      const only = new Set([`${made.backup_id}|hassio.local`]);
      const sum = await verifyOnline(reg, conn, r.instanceId, [keys[2]!], { only, pauseMs: 0 });
      assert.equal(sum.failed, 1);
      await reg.reconcile(conn, sim.url);
      const c = (await reg.copies(r.instanceId)).find((x) => x.backupId === made.backup_id)!;
      assert.deepEqual([c.confidence, c.generationId, c.lastCheck?.result], ["unknown", null, "failed"], "withdrawn, and not re-guessed by the next reconciliation");
      assert.equal((await reg.journal(r.instanceId)).filter((j) => j.type === "check_failed").length, 1);
      const again = await verifyOnline(reg, conn, r.instanceId, [keys[2]!], { only, pauseMs: 0 });
      assert.equal(again.failed, 0, "the withdrawn belief is not a failure a second time");
      assert.equal((await reg.journal(r.instanceId)).filter((j) => j.type === "check_failed").length, 1, "one History entry per real change");
    } finally {
      await sim.control({ type: "delete_backup", backup_id: made.backup_id });
    }
  });
});

describe("a key HA is put back on", () => {
  it("re-activates the same generation with a second active period; nothing about the first is lost", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(conn, sim.url, { now: ago(60) });
    const a = (await sim.control({ type: "create_backup", name: "Under A", agent_ids: ["hassio.local"], date: ago(50).toISOString() })) as { backup_id: string };
    await reg.reconcile(conn, sim.url, { now: ago(40) });
    const other = "BBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB";
    await sim.control({ type: "set_password", password: other });
    let b: { backup_id: string } | null = null;
    try {
      await reg.reconcile(conn, sim.url, { now: ago(30) });
      b = (await sim.control({ type: "create_backup", name: "Under B", agent_ids: ["hassio.local"], date: ago(20).toISOString() })) as { backup_id: string };
      await reg.reconcile(conn, sim.url, { now: ago(10) });
      const before = (await reg.generations(r.instanceId)).find((g) => g.id === r.active!.id)!;
      // A restore of .storage (or HA's settings page saved again with the old key in its form).
      await sim.control({ type: "set_password", password: keys[2] });
      const back = await reg.reconcile(conn, sim.url);
      assert.equal(back.active?.id, r.active!.id, "the same generation");
      assert.equal(back.newGeneration, null);
      const gens = await reg.generations(r.instanceId);
      assert.deepEqual(
        gens.map((g) => [g.number, g.status]),
        [
          [1, "active"],
          [2, "retired"],
        ],
      );
      const g1 = gens[0]!;
      assert.deepEqual(g1.earlierPeriods, [{ from: before.activatedAt, to: before.lastSeenActiveAt }]);
      const copies = await reg.copies(r.instanceId);
      const copyOf = (id: string) => copies.find((c) => c.backupId === id && c.agentId === "hassio.local")!;
      assert.deepEqual([copyOf(a.backup_id).generationId, copyOf(a.backup_id).confidence], [g1.id, "observed"], "backups of the first period stay with it");
      assert.deepEqual([copyOf(b.backup_id).generationId, copyOf(b.backup_id).confidence], [gens[1]!.id, "observed"]);
      assert.equal((await reg.journal(r.instanceId))[0]!.type, "generation_reactivated");
      const lists = await reg.backupsOpenedBy(r.instanceId, g1.id);
      assert.ok(lists.facts.some((x) => x.backup_id === a.backup_id));
    } finally {
      await sim.control({ type: "set_password", password: keys[2] });
      await sim.control({ type: "delete_backup", backup_id: a.backup_id });
      if (b) await sim.control({ type: "delete_backup", backup_id: b.backup_id });
    }
  });
});

describe("instance identity", () => {
  it("a foreign backup listed first creates no second instance and moves no history", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(conn, sim.url);
    const [info, config, core] = await Promise.all([fetchBackupInfo(conn), fetchBackupConfig(conn), fetchCoreConfig(conn)]);
    const ownId = (await reg.instances())[0]!.haInstanceId;
    assert.ok(ownId);
    // Uploaded from another instance to a shared location: its extra_metadata says "automatic",
    // but HA reports the top-level flag only for this instance's own backups (null for others,
    // core `manager.py` `is_our_automatic_backup`).
    const foreign = { ...info.backups[0]!, backup_id: "f0reign1", extra_metadata: { instance_id: "f".repeat(32), with_automatic_settings: true }, with_automatic_settings: null };
    const password = config.config.create_backup.password;
    const res = await reg.fold({ url: sim.url, locationName: core.location_name, password, info: { ...info, backups: [foreign, ...info.backups] } });
    assert.equal(res.instanceId, r.instanceId);
    let instances = await reg.instances();
    assert.deepEqual(
      instances.map((i) => i.haInstanceId),
      [ownId],
    );
    // Only foreign backups listed (ours deleted): still this instance, found by URL and name.
    const alone = await reg.fold({ url: sim.url, locationName: core.location_name, password, info: { ...info, backups: [foreign] } });
    assert.equal(alone.instanceId, r.instanceId);
    // Reached through another URL: recognised by its own backups.
    const elsewhere = await reg.fold({ url: "http://homeassistant.local:8123", locationName: core.location_name, password, info });
    assert.equal(elsewhere.instanceId, r.instanceId);
    instances = await reg.instances();
    assert.equal(instances.length, 1);
    assert.equal((await reg.generations(r.instanceId)).length, 1, "no history moved to a new instance");
  });
});
