// What a date may say, against the simulated HA: only this instance's own automatic backups are
// facts by date; another instance's backups stay unknown until a check proves them, manual ones
// (any password) are at most a guess; our own key's period starts at the commit, so nothing made
// after it is credited to the old key; checks that could not be made are not failures.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { afterEach, before, describe, it } from "node:test";
import { canDecryptOnDownload } from "../../../src/data/backup.js";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import { Registry } from "../../../src/registry/registry.js";
import { verifyOnline } from "../../../src/registry/verify.js";
import type { SimHandle } from "../../../src/sim/main.js";
import { startSimulatedHA } from "../../../src/sim/main.js";
import { journalLine } from "../../../src/ui/components/journal-text.js";
import { closeAfterTest, closeOpened, connectHA } from "../../support/ha-client.js";
import { useRegistryEnv } from "../../support/registry-env.js";

const env = useRegistryEnv("truth-origins", { backups: 4 });
let sim: SimHandle;
before(async () => {
  await env.ready;
  sim = env.sim;
});
afterEach(closeOpened);

const ago = (min: number) => new Date(Date.now() - min * 60_000);
const later = (min: number) => new Date(Date.now() + min * 60_000);
const FOREIGN = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0";
const made: string[] = [];
afterEach(async () => {
  for (const id of made.splice(0)) await sim.control({ type: "delete_backup", backup_id: id });
  await sim.control({ type: "set_password", password: env.keys[2] });
});

async function backup(opts: { name: string; date: Date; automatic?: boolean; password?: string | null; instance_id?: string }): Promise<string> {
  const { backup_id } = (await sim.control({ type: "create_backup", agent_ids: ["hassio.local"], ...opts, date: opts.date.toISOString() })) as { backup_id: string };
  made.push(backup_id);
  return backup_id;
}

const copyOf = async (reg: Registry, instanceId: string, backupId: string) => (await reg.copies(instanceId)).find((c) => c.backupId === backupId && c.agentId === "hassio.local")!;

describe("who made a backup decides what its date may say", () => {
  it("another instance's backup dated inside a watched period stays unknown; a manual one is a guess; the kit lists only the own automatic one as a fact", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(env.conn, env.sim.url, { now: ago(60) });
    const own = await backup({ name: "Own automatic", date: ago(30) });
    const manual = await backup({ name: "Own manual, configured key", date: ago(29), automatic: false });
    const otherPassword = "Another-password-typed-by-hand";
    const manualOther = await backup({ name: "Own manual, other password", date: ago(28), automatic: false, password: otherPassword });
    // Uploaded to a shared location by another instance that happens to use the same key.
    const foreign = await backup({ name: "Other instance", date: ago(27), instance_id: FOREIGN });
    await reg.reconcile(env.conn, env.sim.url);
    const g = r.active!.id;
    assert.deepEqual([(await copyOf(reg, r.instanceId, own)).generationId, (await copyOf(reg, r.instanceId, own)).confidence], [g, "observed"]);
    assert.deepEqual([(await copyOf(reg, r.instanceId, manual)).confidence, (await copyOf(reg, r.instanceId, manualOther)).confidence], ["inferred", "inferred"]);
    assert.deepEqual([(await copyOf(reg, r.instanceId, foreign)).generationId, (await copyOf(reg, r.instanceId, foreign)).confidence], [null, "unknown"]);
    const lists = await reg.backupsOpenedBy(r.instanceId, g);
    assert.deepEqual(
      lists.facts.map((b) => b.backup_id),
      [own],
      "only the own automatic backup is a fact",
    );
    assert.deepEqual(lists.guessed.map((b) => b.backup_id).sort(), [manual, manualOther].sort(), "manual ones only as guesses");
    // The guess for the manual backup with another password is withdrawn by the generation's own key.
    const sum = await verifyOnline(reg, env.conn, r.instanceId, [env.keys[2]!], { only: new Set([`${manualOther}|hassio.local`, `${foreign}|hassio.local`]), pauseMs: 0 });
    assert.deepEqual([sum.failed, sum.opened], [1, 1], JSON.stringify(sum));
    assert.deepEqual([(await copyOf(reg, r.instanceId, manualOther)).confidence, (await copyOf(reg, r.instanceId, manualOther)).generationId], ["unknown", null]);
    // A check proves the foreign one (same key): from then on it is a fact.
    assert.equal((await copyOf(reg, r.instanceId, foreign)).confidence, "verified");
    assert.ok((await reg.backupsOpenedBy(r.instanceId, g)).facts.some((b) => b.backup_id === foreign));
  });
});

describe("our own key's period starts at the commit", () => {
  it("a pending change activated by a later look: backups made after the commit belong to the new key, not guessed as the old one", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(env.conn, env.sim.url, { now: ago(60) });
    await reg.reconcile(env.conn, env.sim.url, { now: ago(30) });
    const next = "NEXT-NEXT-NEXT-NEXT-NEXT-NEXT-NEXT";
    const pending = await reg.beginPending(r.instanceId, await reg.fingerprint(next), { kitDownloadedAt: null, kitProvenAt: null });
    await sim.control({ type: "set_password", password: next });
    // HA makes backups with the new key; the panel that made the change was closed, the next look comes 40 minutes later.
    const soon = await backup({ name: "A minute after the commit", date: later(1) });
    const afterCommit = await backup({ name: "Twenty minutes after the commit", date: later(20) });
    await reg.reconcile(env.conn, env.sim.url, { now: later(40) });
    const gens = await reg.generations(r.instanceId);
    const activated = gens.find((g) => g.id === pending.id)!;
    assert.equal(activated.status, "active");
    assert.equal(activated.activatedAt, pending.startedAt, "the period begins with the commit");
    assert.deepEqual([(await copyOf(reg, r.instanceId, afterCommit)).generationId, (await copyOf(reg, r.instanceId, afterCommit)).confidence], [pending.id, "observed"]);
    // Within the clock margin of the commit: the new key as a guess, never the old key.
    assert.deepEqual([(await copyOf(reg, r.instanceId, soon)).generationId, (await copyOf(reg, r.instanceId, soon)).confidence], [pending.id, "inferred"]);
    for (const id of [soon, afterCommit]) await canDecryptOnDownload(env.conn, id, "hassio.local", next);
  });

  it("the flow's own activation starts the period at the commit too", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(env.conn, env.sim.url);
    const pending = await reg.beginPending(r.instanceId, await reg.fingerprint("ANOT-HERK-EY00-0000-0000-0000-0000"), { kitDownloadedAt: null, kitProvenAt: null });
    // Time passes between the commit and the activation (HA makes a backup meanwhile).
    await backup({ name: "Between commit and activation", date: new Date() });
    const active = await reg.activatePending(r.instanceId, pending.id);
    const firstSeenAt = (await reg.generations(r.instanceId)).find((g) => g.id === pending.id)!.firstSeenAt;
    assert.equal(active.startedAt, firstSeenAt, "the period begins with the commit, not with the activation");
  });

  it("a key HA applied after our flow gave it up: backups from the time we do not know are unknown, not the old key's", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(env.conn, env.sim.url, { now: ago(60) });
    const late = "LATE-LATE-LATE-LATE-LATE-LATE-LATE";
    const pending = await reg.beginPending(r.instanceId, await reg.fingerprint(late), { kitDownloadedAt: null, kitProvenAt: null });
    await reg.reconcile(env.conn, env.sim.url); // HA still has the old key: abandoned
    await sim.control({ type: "set_password", password: late });
    const between = await backup({ name: "Some time after", date: later(20) });
    const back = await reg.reconcile(env.conn, env.sim.url, { now: later(40) });
    assert.equal(back.active?.id, pending.id, "the user's own change, recorded when HA took it");
    const c = await copyOf(reg, r.instanceId, between);
    assert.notEqual(c.generationId, r.active!.id, "never credited to the old key");
    assert.deepEqual([c.generationId, c.confidence], [null, "unknown"]);
  });

  it("a key known only from a loaded kit, now set in HA: its first period, worded as a change, not as 'uses again'", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(env.conn, env.sim.url);
    // A demo kit's key proves an old backup: the registry learns it as a retired generation.
    const old = (await reg.copies(r.instanceId)).filter((c) => c.protected && c.agentId === "hassio.local");
    const sum = await verifyOnline(reg, env.conn, r.instanceId, [env.keys[0]!], { only: new Set(old.map((c) => `${c.backupId}|${c.agentId}`)), pauseMs: 0 });
    assert.ok(sum.opened > 0);
    await sim.control({ type: "set_password", password: env.keys[0] });
    const res = await reg.reconcile(env.conn, env.sim.url);
    assert.equal(res.changedElsewhere, true);
    const entry = (await reg.journal(r.instanceId))[0]!;
    assert.equal(entry.type, "key_changed_elsewhere");
    const line = journalLine(entry);
    assert.equal(
      localizeEnglish(line.key, line.params),
      `The key was changed outside Backup Keyring to generation ${res.active!.number}, a key known from a loaded kit: it is in use for the first time`,
    );
  });
});

describe("checks that could not be made", () => {
  it("an error answer is 'could not be checked': counted apart, no History entry, no belief changed", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(env.conn, env.sim.url, { now: ago(30) });
    const gone = await backup({ name: "Deleted in HA before the check", date: ago(10) });
    await reg.reconcile(env.conn, env.sim.url);
    const before = await copyOf(reg, r.instanceId, gone);
    await sim.control({ type: "delete_backup", backup_id: gone });
    const journalBefore = (await reg.journal(r.instanceId)).length;
    const sum = await verifyOnline(reg, env.conn, r.instanceId, [env.keys[2]!], { only: new Set([`${gone}|hassio.local`]), pauseMs: 0 });
    assert.deepEqual([sum.errors, sum.failed, sum.otherKey], [1, 0, 0], JSON.stringify(sum));
    const after = await copyOf(reg, r.instanceId, gone);
    assert.deepEqual([after.confidence, after.generationId, after.lastCheck?.result], [before.confidence, before.generationId, "error"]);
    assert.equal((await reg.journal(r.instanceId)).length, journalBefore, "nothing in History says it did not open");
  });

  it("History names locations as HA does and says a copy HA cannot check cannot be checked, not that it did not open", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(env.conn, env.sim.url);
    await verifyOnline(reg, env.conn, r.instanceId, [env.keys[2]!], { pauseMs: 0 });
    const names: Record<string, string> = { "hassio.local": "Local", "cloud.cloud": "Cloud", "hassio.nas": "NAS" };
    const lines = (await reg.journal(r.instanceId))
      .filter((j) => j.type === "check_failed" || j.type === "check_passed")
      .map((j) => {
        const l = journalLine(j, (id) => names[id] ?? id);
        return localizeEnglish(l.key, l.params);
      });
    assert.ok(lines.length > 0);
    for (const l of lines) {
      assert.ok(!/hassio\.|cloud\.cloud|\((failed|error|not_supported|other_key)\)|could not be opened/.test(l), l);
      assert.match(l, / on (Local|Cloud|NAS) /, l);
    }
    assert.ok(
      lines.some((l) => /cannot be checked online/.test(l)),
      lines.join("\n"),
    );
  });
});

describe("Home Assistant before 2025.2", () => {
  it("has no backup/can_decrypt_on_download: nothing is sent and nothing recorded", async () => {
    const old = closeAfterTest(await startSimulatedHA({ port: 0, backups: 3, haVersion: "2025.1.4", now: "2026-11-27T12:00:00Z" }));
    const conn = closeAfterTest(await connectHA(old.url, old.adminToken));
    const reg = await Registry.open(`truth-origins-old-${process.pid}`);
    try {
      const r = await reg.reconcile(conn, old.url);
      const keys = (await old.control({ type: "demo_keys" })) as string[];
      const sum = await verifyOnline(reg, conn, r.instanceId, keys, { pauseMs: 0 });
      assert.equal(sum.unavailable, true);
      const log = (await old.control({ type: "command_log" })) as { type: string }[];
      assert.ok(!log.some((m) => m.type === "backup/can_decrypt_on_download"), "no check was sent");
      assert.ok(
        (await reg.copies(r.instanceId)).every((c) => c.lastCheck === null),
        "no copy records a check",
      );
      assert.ok(!(await reg.journal(r.instanceId)).some((j) => j.type === "check_failed"), "History says nothing about checks");
    } finally {
      reg.close();
    }
  });
});

describe("two checks of the same copies at once", () => {
  it("share one request per copy and key (the panel's background check and the key-change dialog)", async () => {
    const reg = await env.openReg();
    const r = await reg.reconcile(env.conn, env.sim.url);
    const only = new Set((await reg.copies(r.instanceId)).filter((c) => c.protected && c.agentId === "hassio.local").map((c) => `${c.backupId}|${c.agentId}`));
    const count = async () => ((await sim.control({ type: "command_log" })) as { type: string }[]).filter((m) => m.type === "backup/can_decrypt_on_download").length;
    const before = await count();
    const [a, b] = await Promise.all([
      verifyOnline(reg, env.conn, r.instanceId, [env.keys[2]!], { only, pauseMs: 0 }),
      verifyOnline(reg, env.conn, r.instanceId, [env.keys[2]!], { only, pauseMs: 0 }),
    ]);
    assert.equal((await count()) - before, only.size, "one request per copy");
    assert.deepEqual([a.checked, a.opened], [b.checked, b.opened], "both report the same outcome");
  });
});
