// The key-change flow against the simulated HA: the whole walk, and every failure point. After
// each case the registry's active generation must match the key HA really holds.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, afterEach, before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { inProcessLocks, type LockPort } from "../../../src/common/locks.js";
import { KeyChangeFlow, oldKeyWords } from "../../../src/flows/key-change/flow.js";
import { canDecryptOnDownload } from "../../../src/data/backup.js";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import { registryPort } from "../../../src/flows/key-change/registry-port.js";
import { displayFingerprint } from "../../../src/keys/fingerprint.js";
import { parseEmergencyKit } from "../../../src/kit/parse.js";
import { Registry } from "../../../src/registry/registry.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { closeAfterTest, closeOpened, connectHA } from "../../support/ha-client.js";
import { reach, resetSim, simBaseline } from "../../support/flow-wait.js";

afterEach(closeOpened);

let sim: SimHandle;
let conn: Connection;
let baseline: Awaited<ReturnType<typeof simBaseline>>;
let n = 0;
const open: Registry[] = [];
const locks: LockPort = inProcessLocks();

before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 6, now: "2026-11-27T12:00:00Z", stageDelayMs: 5 });
  conn = await connectHA(sim.url, sim.adminToken);
  baseline = await simBaseline(sim);
});
after(async () => {
  for (const r of open) r.close();
  conn.close();
  await sim.close();
});
// Each test starts from the same HA: one failing test must not leave a key, a fault, a running
// backup or its backups behind for the next.
afterEach(async () => {
  await resetSim(sim, baseline);
});

interface Harness {
  flow: KeyChangeFlow;
  registry: Registry;
  downloads: { name: string; text: string }[];
}

async function harness(registry?: Registry, connection: Connection = conn, clock: { timeZone: string; now: () => Date } = { timeZone: "UTC", now: () => new Date() }): Promise<Harness> {
  const reg = registry ?? (await Registry.open(`flow-${process.pid}-${++n}`, locks));
  if (!registry) open.push(reg);
  const downloads: { name: string; text: string }[] = [];
  const flow = new KeyChangeFlow({
    conn: connection,
    registry: registryPort(reg, sim.url),
    locks,
    kit: { instanceName: "Home", url: sim.url, language: "en", timeZone: clock.timeZone, locationNames: { "hassio.local": "Local", "cloud.cloud": "Cloud", "hassio.nas": "NAS" } },
    download: (name, text) => downloads.push({ name, text }),
    randomBytes: (k) => new Uint8Array(randomBytes(k)),
    now: clock.now,
  });
  return { flow, registry: reg, downloads };
}

const haKey = async () => ((await sim.control({ type: "get_state" })) as { config: { create_backup: { password: string | null } } }).config.create_backup.password;

async function activeMatchesHA(reg: Registry): Promise<void> {
  const r = await reg.reconcile(conn, sim.url);
  const key = await haKey();
  assert.equal(r.active?.fingerprint ?? null, key === null ? null : await reg.fingerprint(key), "registry's active generation = HA's key");
  const gens = await reg.generations(r.instanceId);
  assert.equal(gens.filter((g) => g.status === "active").length, key === null ? 0 : 1);
  assert.equal(gens.filter((g) => g.status === "pending").length, 0, "nothing left pending");
}

/** Walks the flow to the point just before commit, proving the kit by loading it back. */
async function toCommit(h: Harness): Promise<string> {
  await h.flow.start();
  assert.equal(h.flow.state.step, "old_key", JSON.stringify(h.flow.state.problem));
  assert.equal(h.flow.canCommit, false);
  h.flow.downloadOldKit();
  h.flow.acknowledgeOldKit(true);
  h.flow.next();
  assert.equal(h.flow.state.step, "new_key");
  await h.flow.downloadNewKit();
  const kit = h.downloads.at(-1)!;
  assert.equal(h.flow.canCommit, false, "no proof, no commit");
  assert.equal(h.flow.proveWithKit(kit.text), true);
  assert.equal(h.flow.canCommit, true);
  return parseEmergencyKit(kit.text).key;
}

describe("the whole flow", () => {
  it("both kits are named after the day in the kit's zone (HA's setting), not UTC's", async () => {
    // 23:30 UTC on the 26th is already the 27th in Kiritimati (UTC+14).
    const h = await harness(undefined, conn, { timeZone: "Pacific/Kiritimati", now: () => new Date("2026-11-26T23:30:00Z") });
    await h.flow.start();
    assert.equal(h.flow.state.step, "old_key", JSON.stringify(h.flow.state.problem));
    h.flow.downloadOldKit();
    h.flow.acknowledgeOldKit(true);
    h.flow.next();
    await h.flow.downloadNewKit();
    assert.equal(h.downloads.length, 2);
    for (const d of h.downloads) assert.match(d.name, /_2026-11-27_gen\d+\.txt$/, d.name);
    h.flow.close();
  });

  it("old kit, new key, proof, commit, confirmation, then a fresh backup verified with the new key", async () => {
    const h = await harness();
    const oldKey = await haKey();
    await h.flow.start();
    // A fresh registry has proven nothing: the local copies are checked with the old key on their own.
    assert.equal(h.flow.state.prove.scope, "local");
    await h.flow.proveOldKey("local");
    assert.equal(h.flow.state.prove.phase, "done");
    assert.equal(h.flow.state.prove.localLeft, 0, "every local copy was checked (proven, or known to need another key)");
    assert.ok(h.flow.state.oldBackups.length > 0, "shows which backups the old key is proven to open");
    assert.ok(h.flow.state.prove.remoteLeft.count > 0 && h.flow.state.prove.remoteLeft.bytes > 0, "remote copies wait for the user's choice, with their size");
    h.flow.downloadOldKit();
    const oldKit = parseEmergencyKit(h.downloads[0]!.text);
    assert.equal(oldKit.key, oldKey);
    assert.equal(oldKit.generation, 1);
    assert.equal(oldKit.backups?.length, h.flow.state.oldBackups.length, "the old kit lists the backups it opens");
    for (const b of oldKit.backups!) {
      assert.deepEqual(b.locations, ["Local"], "locations named as HA shows them");
      await conn.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id: b.backup_id, agent_id: "hassio.local", password: oldKey });
    }
    // Checking the remote copies too keeps the list proven, and may only grow it.
    await h.flow.proveOldKey("remote");
    assert.equal(h.flow.state.prove.remoteLeft.count, 0);
    assert.ok(h.flow.state.oldBackups.length >= oldKit.backups!.length);
    h.flow.next();
    assert.equal(h.flow.state.step, "old_key", "cannot go on without acknowledging the old kit is stored");
    h.flow.acknowledgeOldKit(true);
    h.flow.next();
    await h.flow.downloadNewKit();
    const newKit = h.downloads[1]!;
    assert.match(newKit.name, /^home_assistant_backup_emergency_kit_home_\d{4}-\d{2}-\d{2}_gen2\.txt$/);
    const newKey = parseEmergencyKit(newKit.text).key;
    assert.notEqual(newKey, oldKey);
    assert.equal(h.flow.proveWithGroup("WRONG"), false);
    assert.equal(h.flow.state.proofError, "wrong_group");
    const group = newKey.split("-")[h.flow.state.challengeGroup - 1]!;
    assert.equal(h.flow.proveWithGroup(group.toLowerCase()), true);
    await h.flow.commit();
    assert.equal(h.flow.state.step, "done", JSON.stringify(h.flow.state.problem));
    assert.equal(await haKey(), newKey);
    const gens = await h.registry.generations(h.flow.state.instanceId!);
    assert.deepEqual(
      gens.map((g) => [g.number, g.status, g.origin]),
      [
        [1, "retired", "observed"],
        [2, "active", "flow"],
      ],
    );
    assert.ok(gens[1]!.kitProvenAt, "the new generation records the proof");
    assert.equal(parseEmergencyKit(newKit.text).fingerprint, displayFingerprint(gens[1]!.fingerprint), "the new kit names the fingerprint the registry records");

    await h.flow.createAndVerifyBackup();
    assert.equal(h.flow.state.after?.phase, "verified", JSON.stringify(h.flow.state.after));
    const fresh = (await h.registry.copies(h.flow.state.instanceId!)).find((c) => c.backupId === h.flow.state.after!.backupId && c.protected)!;
    assert.equal(fresh.confidence, "verified");
    assert.equal(fresh.generationId, gens[1]!.id);
    await activeMatchesHA(h.registry);
  });
});

describe("prove before forgetting, until the commit", () => {
  it("the old kit is offered again whenever more was proven after its download, also on the new-key step; its acknowledgement belongs to the latest download", async () => {
    const h = await harness();
    const oldKey = await haKey();
    await h.flow.start();
    // Downloaded and acknowledged at once, while the local check has only begun.
    h.flow.downloadOldKit();
    const first = parseEmergencyKit(h.downloads[0]!.text);
    h.flow.acknowledgeOldKit(true);
    h.flow.next();
    assert.equal(h.flow.state.step, "new_key");
    // The check keeps running after "Next" and proves more.
    await h.flow.proveOldKey("local");
    assert.ok(h.flow.state.oldBackups.filter((b) => b.checked).length > (first.backups?.length ?? 0), "the check proved more than the first download listed");
    assert.equal(h.flow.state.oldKitOutdated, true, "the flow says the old kit is outdated, on the new-key step too");
    await h.flow.downloadNewKit();
    assert.equal(h.flow.proveWithKit(h.downloads.at(-1)!.text), true);
    h.flow.downloadOldKit();
    const again = parseEmergencyKit(h.downloads.at(-1)!.text);
    assert.equal(again.key, oldKey);
    assert.ok((again.backups?.length ?? 0) > (first.backups?.length ?? 0), "the new download lists what was proven since");
    for (const b of again.backups!) {
      for (const location of b.locations) {
        const agent = { Local: "hassio.local", Cloud: "cloud.cloud", NAS: "hassio.nas" }[location]!;
        await canDecryptOnDownload(conn, b.backup_id, agent, oldKey!);
      }
    }
    assert.equal(h.flow.state.oldKitOutdated, false);
    assert.equal(h.flow.state.oldKitAcknowledged, false, "the new file has not been confirmed stored yet");
    assert.equal(h.flow.canCommit, false);
    h.flow.acknowledgeOldKit(true);
    assert.equal(h.flow.canCommit, true);
    await h.flow.cancel();
  });

  it("the old-key step in the three words: proven, probably (not checked), unknown", async () => {
    const h = await harness();
    await h.flow.start();
    await h.flow.proveOldKey("local");
    const words = oldKeyWords(h.flow.state);
    assert.equal(words.proven, h.flow.state.oldBackups.filter((b) => b.checked).length);
    assert.ok(words.proven > 0 && words.unknown > 0, JSON.stringify(words));
    const said = localizeEnglish("flow.old.backups", { count: words.proven, generation: 1 });
    assert.match(said, new RegExp(`^${words.proven} backups? (is|are) proven to open with key generation 1, the current key\\.$`));
    assert.match(localizeEnglish("flow.old.unknown", { count: words.unknown }), /unknown: which key (it needs|they need) is not known yet/);
    await h.flow.cancel();
  });

  it("Home Assistant before 2025.2: the old key's check sends nothing and says it cannot be made", async () => {
    const old = closeAfterTest(await startSimulatedHA({ port: 0, backups: 4, haVersion: "2025.1.4", now: "2026-11-27T12:00:00Z" }));
    const oldConn = closeAfterTest(await connectHA(old.url, old.adminToken));
    const h = await harness(undefined, oldConn);
    await h.flow.start();
    await h.flow.proveOldKey("local");
    assert.equal(h.flow.state.prove.phase, "unavailable");
    await h.flow.proveOldKey("remote");
    const log = (await old.control({ type: "command_log" })) as { type: string }[];
    assert.ok(!log.some((m) => m.type === "backup/can_decrypt_on_download"), "no check was sent");
    assert.match(localizeEnglish("flow.prove.unavailable"), /needs 2025\.2 or newer/);
    await h.flow.cancel();
  });
});

describe("no key set yet", () => {
  it("the flow becomes 'set the first key': no old-key step, same proof and confirmation", async () => {
    const before = await haKey();
    await sim.control({ type: "set_password", password: null });
    try {
      const h = await harness();
      await h.flow.start();
      assert.equal(h.flow.state.mode, "set_first");
      assert.equal(h.flow.state.step, "new_key");
      await h.flow.downloadNewKit();
      const key = parseEmergencyKit(h.downloads[0]!.text).key;
      assert.equal(h.flow.canCommit, false);
      h.flow.proveWithKit(h.downloads[0]!.text);
      await h.flow.commit();
      assert.equal(h.flow.state.step, "done");
      assert.equal(await haKey(), key);
      await activeMatchesHA(h.registry);
    } finally {
      await sim.control({ type: "set_password", password: before });
    }
  });
});

describe("what can go wrong", () => {
  it("connection lost before the update is sent: rolled back, HA unchanged", async () => {
    const h = await harness();
    const before = await haKey();
    await toCommit(h);
    await sim.control({ type: "fault", drop: { command: "backup/config/update", when: "before" } });
    await h.flow.commit();
    assert.equal(h.flow.state.step, "aborted");
    assert.equal(h.flow.state.problem?.code, "not_applied");
    assert.equal(await haKey(), before);
    await activeMatchesHA(h.registry);
  });

  it("connection lost after HA applied the update, before the answer: finished on reconnect", async () => {
    const h = await harness();
    const newKey = await toCommit(h);
    await sim.control({ type: "fault", drop: { command: "backup/config/update", when: "after_handle" } });
    await h.flow.commit();
    assert.equal(h.flow.state.step, "done", JSON.stringify(h.flow.state.problem));
    assert.equal(await haKey(), newKey);
    await activeMatchesHA(h.registry);
  });

  it("connection lost after the answer, before the confirmation read: finished on reconnect", async () => {
    const h = await harness();
    const newKey = await toCommit(h);
    // The commit reads the config twice: once to check the key did not change, once to confirm.
    await sim.control({ type: "fault", drop: { command: "backup/config/info", when: "before", skip: 1 } });
    await h.flow.commit();
    assert.equal(h.flow.state.step, "done", JSON.stringify(h.flow.state.problem));
    assert.equal(await haKey(), newKey);
    await activeMatchesHA(h.registry);
  });

  it("backup/config/update answers an error: nothing changes, the pending generation is dropped", async () => {
    const h = await harness();
    const before = await haKey();
    await toCommit(h);
    await sim.control({ type: "fault", config_update: "fail_before_apply" });
    await h.flow.commit();
    assert.equal(h.flow.state.step, "aborted");
    assert.equal(h.flow.state.problem?.code, "update_failed");
    assert.equal(h.flow.state.problem?.params?.message, "Error saving backup config");
    assert.equal(await haKey(), before);
    const gens = await h.registry.generations(h.flow.state.instanceId!);
    assert.deepEqual(gens.map((g) => g.status).sort(), ["abandoned", "active"]);
    await activeMatchesHA(h.registry);
  });

  it("HA applies the key but answers an error: the confirmation read sees the truth", async () => {
    const h = await harness();
    const newKey = await toCommit(h);
    await sim.control({ type: "fault", config_update: "fail_after_apply" });
    await h.flow.commit();
    assert.equal(h.flow.state.step, "done");
    assert.equal(await haKey(), newKey);
    await activeMatchesHA(h.registry);
  });

  it("the key was changed elsewhere while the dialog was open: abort before commit", async () => {
    const h = await harness();
    await toCommit(h);
    await sim.control({ type: "set_password", password: "ELSE-WHER-E000-0000-0000-0000-0000".replace("WHER", "WHER") });
    await h.flow.commit();
    assert.equal(h.flow.state.problem?.code, "changed_elsewhere");
    assert.equal(await haKey(), "ELSE-WHER-E000-0000-0000-0000-0000");
    assert.equal((await h.registry.generations(h.flow.state.instanceId!)).filter((g) => g.status === "pending" || g.status === "abandoned").length, 0, "no pending generation was even written");
    await activeMatchesHA(h.registry);
  });

  it("two tabs start the flow: only one proceeds, the other is told", async () => {
    const a = await harness();
    const b = await harness(a.registry);
    await a.flow.start();
    await b.flow.start();
    assert.equal(a.flow.state.step, "old_key");
    assert.equal(b.flow.state.step, "blocked");
    assert.equal(b.flow.state.problem?.code, "another_tab");
    await a.flow.cancel();
    const c = await harness(a.registry);
    await c.flow.start();
    assert.equal(c.flow.state.step, "old_key", "free again once the first tab cancelled");
    await c.flow.cancel();
  });

  it("a backup starts during the flow: the commit waits for it, never changes the key under it", async () => {
    const h = await harness();
    const newKey = await toCommit(h);
    await sim.control({ type: "set_manager_state", state: { manager_state: "create_backup", stage: "home_assistant", state: "in_progress", reason: null } });
    const waiting = reach(h.flow, "waiting_for_idle");
    const committing = h.flow.commit();
    await waiting;
    assert.equal(h.flow.state.step, "waiting_for_idle");
    assert.notEqual(await haKey(), newKey, "not changed while the backup runs");
    await sim.control({ type: "set_manager_state", state: { manager_state: "idle" } });
    await committing;
    assert.equal(h.flow.state.step, "done");
    assert.equal(await haKey(), newKey);
    await activeMatchesHA(h.registry);
  });

  it("waiting for a running backup can be cancelled: nothing changes", async () => {
    const h = await harness();
    const before = await haKey();
    await toCommit(h);
    await sim.control({ type: "set_manager_state", state: { manager_state: "create_backup", stage: null, state: "in_progress", reason: null } });
    const waiting = reach(h.flow, "waiting_for_idle");
    const committing = h.flow.commit();
    await waiting;
    assert.equal(h.flow.state.step, "waiting_for_idle", "the commit waits for the running backup");
    await h.flow.stopWaiting();
    await committing;
    await sim.control({ type: "set_manager_state", state: { manager_state: "idle" } });
    assert.equal(h.flow.state.problem?.code, "manager_busy_cancelled");
    assert.equal(await haKey(), before);
    await activeMatchesHA(h.registry);
  });

  it("cancel at any step before commit: HA and the registry's generations are untouched", async () => {
    for (const stopAt of ["old_key", "new_key", "proven"] as const) {
      const h = await harness();
      await h.registry.reconcile(conn, sim.url);
      const before = { key: await haKey(), gens: JSON.stringify(await h.registry.generations((await h.registry.instances())[0]!.id)) };
      await h.flow.start();
      if (stopAt !== "old_key") {
        h.flow.downloadOldKit();
        h.flow.acknowledgeOldKit(true);
        h.flow.next();
      }
      if (stopAt === "proven") {
        await h.flow.downloadNewKit();
        h.flow.proveWithKit(h.downloads.at(-1)!.text);
      }
      await h.flow.cancel();
      assert.equal(h.flow.state.step, "cancelled");
      assert.equal(await haKey(), before.key, stopAt);
      const gens = JSON.parse(JSON.stringify(await h.registry.generations(h.flow.state.instanceId!))) as { kitDownloadedAt: string | null }[];
      // The only fact kept is that the old kit was downloaded, which is true whatever happens next.
      assert.deepEqual(
        gens.map((g) => ({ ...g, kitDownloadedAt: null, lastSeenActiveAt: null })),
        JSON.parse(before.gens).map((g: object) => ({ ...g, kitDownloadedAt: null, lastSeenActiveAt: null })),
        stopAt,
      );
      assert.equal(await h.registry.getMeta(`checkpoint:${h.flow.state.instanceId}`), null, "no checkpoint left behind");
      assert.equal(h.flow.revealNewKey(), null, "the new key is forgotten");
    }
  });

  it("the panel is destroyed mid-commit: a new panel's reconciliation finishes the change from IndexedDB", async () => {
    const h = await harness();
    const newKey = await toCommit(h);
    // Hold the answer back, then drop: the old panel's flow never learns the outcome.
    await sim.control({ type: "fault", config_update: "apply_then_drop" });
    const second = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    // The flow notices the drop only after HA applied the key (the fault applies, then drops).
    const dropped = reach(h.flow, (s) => s.step === "unresolved" || s.step === "done" || s.step === "aborted");
    const abandoned = h.flow.commit();
    await dropped;
    assert.equal(await haKey(), newKey, "HA applied the key before the connection dropped");
    // A fresh panel (new element, same IndexedDB) loads: the checkpoint says a commit was under way.
    const fresh = await harness(h.registry, second);
    const instanceId = (await h.registry.instances())[0]!.id;
    const checkpoint = await registryPort(h.registry, sim.url).loadCheckpoint(instanceId);
    assert.ok(checkpoint === null || checkpoint.step === "committing");
    const r = await fresh.registry.reconcile(second, sim.url);
    assert.equal(r.active?.fingerprint, await h.registry.fingerprint(newKey));
    assert.equal(r.changedElsewhere, false, "recognised as our own change, not one made elsewhere");
    await activeMatchesHA(h.registry);
    await abandoned; // the old element's flow settles too, and agrees
    assert.equal(h.flow.state.step, "done");
    second.close();
  });

  it("the panel is destroyed before commit: the checkpoint tells the next panel nothing was changed", async () => {
    const h = await harness();
    await h.flow.start();
    const instanceId = h.flow.state.instanceId!;
    const checkpoint = await registryPort(h.registry, sim.url).loadCheckpoint(instanceId);
    assert.equal(checkpoint?.step, "started");
    assert.equal(checkpoint?.pendingId, null, "no pending generation: nothing to finish or roll back");
    await activeMatchesHA(h.registry);
    await h.flow.cancel();
  });
});
