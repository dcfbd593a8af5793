// How the registry stores copies (buckets, `copy-store.ts`): a reconciliation with nothing new
// writes nothing, a check writes one bucket and other tabs re-read only that one, a version-2
// database with data in every store opens at version 3 with nothing lost, the journal reads
// newest first by time, and skipping unchanged buckets never hides a change.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { openDB } from "idb";
import type { Connection } from "home-assistant-js-websocket";
import type { BackupInfo } from "../../../src/data/backup.js";
import { BUCKETS, bucketOf, copyIndexKey, decodeBucket, encodeBucket, newestOf, type CopyIndex } from "../../../src/registry/copy-store.js";
import { exportRegistry, exportReminder, importRegistry } from "../../../src/registry/exchange.js";
import { journalFact } from "../../../src/registry/merge.js";
import { mergeIntoRegistry } from "../../../src/registry/mirror.js";
import type { CopyRecord, GenerationRecord } from "../../../src/registry/model.js";
import { Registry } from "../../../src/registry/registry.js";
import { openRegistryDB } from "../../../src/registry/schema.js";
import { Vault } from "../../../src/registry/vault.js";
import { backupInfo, listedBackup, type Maker } from "../../support/listing.js";
import { useRegistryEnv } from "../../support/registry-env.js";

const env = useRegistryEnv("storage-test", { backups: 12 });
let conn: Connection;
let keys: string[];
before(async () => {
  await env.ready;
  ({ conn, keys } = env);
});

type Proto = { put: (...a: unknown[]) => unknown; get: (...a: unknown[]) => unknown; getAll: (...a: unknown[]) => unknown };
/** Counts the requests made on one object store while `fn` runs (fake-indexeddb's IDBObjectStore). */
async function countRequests<T>(store: string, fn: () => Promise<T>): Promise<{ result: T; put: number; read: number }> {
  const proto = (globalThis as unknown as { IDBObjectStore: { prototype: Proto } }).IDBObjectStore.prototype;
  const real = { put: proto.put, get: proto.get, getAll: proto.getAll };
  const n = { put: 0, read: 0 };
  proto.put = function (this: { name: string }, ...a: unknown[]) {
    if (this.name === store) n.put++;
    return real.put.apply(this, a);
  };
  proto.get = function (this: { name: string }, ...a: unknown[]) {
    if (this.name === store) n.read++;
    return real.get.apply(this, a);
  };
  proto.getAll = function (this: { name: string }, ...a: unknown[]) {
    if (this.name === store) n.read++;
    return real.getAll.apply(this, a);
  };
  try {
    return { result: await fn(), ...n };
  } finally {
    Object.assign(proto, real);
  }
}

const indexOf = async (reg: Registry, instanceId: string) => (await reg.getMeta<CopyIndex>(copyIndexKey(instanceId)))!;

describe("copy buckets", () => {
  it("a reconciliation with nothing new reads and writes no bucket and leaves every revision as it was", async () => {
    const reg = await env.openReg();
    const { instanceId } = await reg.reconcile(conn, env.sim.url);
    const revs = (await indexOf(reg, instanceId)).revs;
    // A fresh registry on the same database: nothing cached, as on a newly opened page.
    const page = await env.openReg(reg.db.name);
    const again = await countRequests("copyBuckets", () => page.reconcile(conn, env.sim.url));
    assert.equal(again.result.added, 0);
    assert.equal(again.put, 0, "no bucket written");
    assert.equal(again.read, 0, "no bucket read: HA's listing is the one they were settled at");
    assert.deepEqual((await indexOf(page, instanceId)).revs, revs);

    // One new backup: its bucket (and only it) is read and written.
    const made = (await env.sim.control({ type: "create_backup", name: "One more" })) as { backup_id: string };
    try {
      const next = await countRequests("copyBuckets", () => page.reconcile(conn, env.sim.url));
      assert.ok(next.result.added > 0);
      assert.equal(next.put, 1);
      const changed = (await indexOf(page, instanceId)).revs.map((r, k) => (r !== revs[k] ? k : -1)).filter((k) => k >= 0);
      assert.deepEqual(changed, [bucketOf(made.backup_id)]);
    } finally {
      await env.sim.control({ type: "delete_backup", backup_id: made.backup_id });
    }
  });

  it("a check writes one bucket; another tab then re-reads that bucket only, and a reconciliation looks at it again", async () => {
    const name = env.freshName();
    const tabA = await env.openReg(name);
    const tabB = await env.openReg(name);
    const { instanceId } = await tabA.reconcile(conn, env.sim.url);
    await tabB.copies(instanceId);
    const target = (await tabA.copies(instanceId)).find((c) => c.protected)!;
    const check = await countRequests("copyBuckets", async () => tabA.recordCheck(instanceId, target.backupId, target.agentId, { fingerprint: await tabA.fingerprint(keys[2]!) }));
    assert.equal(check.put, 1, "one bucket written");
    const read = await countRequests("copyBuckets", () => tabB.copies(instanceId));
    assert.equal(read.read, 1, "the other tab reads the one bucket that changed");
    assert.equal(read.result.find((c) => c.backupId === target.backupId && c.agentId === target.agentId)!.confidence, "verified");
    // The check changed what is stored: the next reconciliation folds that bucket again (and keeps the proof).
    const fold = await countRequests("copyBuckets", () => tabB.reconcile(conn, env.sim.url));
    assert.ok(fold.read <= 1);
    assert.equal((await tabA.copies(instanceId)).find((c) => c.backupId === target.backupId && c.agentId === target.agentId)!.confidence, "verified");
  });

  it("a bucket reads back every field exactly as written, absent optional fields included", () => {
    const base: CopyRecord = {
      instanceId: "i",
      backupId: "b|x y",
      agentId: "webdav.Müller's NAS",
      name: "Backup ✓",
      date: "2026-01-01T00:00:00.123456+00:00",
      size: 12,
      protected: true,
      generationId: "g1",
      confidence: "verified",
      lastCheck: { result: "ok", at: "2026-01-02T00:00:00.000Z" },
      deleted: false,
      deletedAt: "2026-01-03T00:00:00.000Z",
      mismatch: true,
    };
    const copies: CopyRecord[] = [
      base,
      { ...base, agentId: "hassio.local", listedAt: "2026-01-04T00:00:00.000Z", ruledOut: ["g2"], evidence: { g1: { ok: "2026-01-02T00:00:00.000Z" }, g2: { failed: "2026-01-01T00:00:00.000Z" } } },
      {
        ...base,
        agentId: "cloud.cloud",
        name: "Renamed",
        date: "2026-01-05T00:00:00Z",
        generationId: null,
        confidence: "unknown",
        lastCheck: null,
        deleted: true,
        deletedAt: null,
        mismatch: false,
        ruledOut: [],
      },
    ];
    assert.deepEqual(decodeBucket("i", encodeBucket(copies)), copies);
  });
});

describe("migration to version 3", () => {
  it("a version-2 database with data in every store (and its copy snapshot) opens at version 3 with nothing lost", async () => {
    const name = env.freshName();
    const v2 = await openRegistryDB(name, 2);
    const raw = v2 as unknown as { put(s: string, v: unknown): Promise<unknown>; add(s: string, v: unknown): Promise<unknown> };
    const salt = new Uint8Array(32).fill(5);
    await raw.put("meta", { key: "salt", value: salt });
    await raw.put("meta", { key: "lastExportAt", value: "2026-02-01T00:00:00.000Z" });
    await raw.put("meta", { key: "reminders", value: { drillMonths: 3 } });
    await raw.put("instances", {
      id: "i1",
      haInstanceId: "abc",
      urlKey: "u|Home",
      name: "Home",
      url: "u",
      firstSeenAt: "2026-01-01T00:00:00Z",
      lastReconciledAt: "2026-02-02T00:00:00Z",
      noKey: false,
    });
    const gens: GenerationRecord[] = [1, 2].map((n) => ({
      id: `g${n}`,
      instanceId: "i1",
      number: n,
      fingerprint: String(n).repeat(64),
      status: n === 2 ? "active" : "retired",
      origin: "flow",
      firstSeenAt: `2026-01-0${n}T00:00:00Z`,
      activatedAt: `2026-01-0${n}T00:00:00Z`,
      lastSeenActiveAt: `2026-01-0${n}T12:00:00Z`,
      retiredAt: n === 1 ? "2026-01-02T00:00:00Z" : null,
      kitDownloadedAt: null,
      kitProvenAt: null,
      label: null,
      ...(n === 1 ? { earlierPeriods: [{ from: "2025-12-01T00:00:00Z", to: "2025-12-02T00:00:00Z" }] } : {}),
    }));
    for (const g of gens) await raw.put("generations", g);
    const copies: CopyRecord[] = Array.from({ length: 40 }, (_, n) => ({
      instanceId: "i1",
      backupId: `backup-${n}`,
      agentId: n % 2 ? "cloud.cloud" : "hassio.local",
      name: `B${n}`,
      date: `2026-01-0${1 + (n % 8)}T00:00:00Z`,
      size: n,
      protected: n % 5 !== 0,
      generationId: n % 5 === 0 ? null : n % 3 ? "g1" : "g2",
      confidence: n % 5 === 0 ? "unencrypted" : n % 3 ? "verified" : "inferred",
      lastCheck: n % 3 ? { result: "ok", at: "2026-01-09T00:00:00Z" } : null,
      deleted: n === 7,
      deletedAt: n === 7 ? "2026-01-10T00:00:00Z" : null,
      mismatch: n === 4,
      ...(n === 9 ? { ruledOut: ["g2"] } : {}),
    }));
    for (const c of copies) await raw.put("copies", c);
    // Version 2's snapshot of them (superseded by the buckets).
    await raw.put("meta", { key: "copies:i1", value: JSON.stringify(copies) });
    await raw.put("meta", { key: "copies:i1#id", value: "snap" });
    const journal = [
      { instanceId: "i1", at: "2026-01-02T00:00:00Z", type: "key_changed", params: { generation: 2 } },
      { instanceId: "i1", at: "2026-01-01T00:00:00Z", type: "generation_observed", params: { generation: 1 } },
      { instanceId: null, at: "2026-02-01T00:00:00.000Z", type: "exported", params: {} },
    ];
    for (const j of journal) await raw.add("journal", j);
    await raw.put("vault", { id: "vault", salt: new Uint8Array(16).fill(1), iterations: 600_000, check: { iv: new Uint8Array(12), ciphertext: new Uint8Array(32) }, entries: [] });
    v2.close();

    const reg = await env.openReg(name);
    const d = await reg.dump();
    assert.deepEqual(
      d.instances.map((i) => i.id),
      ["i1"],
    );
    assert.deepEqual(d.generations, gens);
    assert.deepEqual(
      d.copies,
      [...copies].sort((a, b) => (a.backupId < b.backupId ? -1 : a.backupId > b.backupId ? 1 : 0)),
    );
    assert.deepEqual(
      d.journal.map(({ id: _id, ...j }) => j),
      journal,
    );
    assert.deepEqual([...reg.salt], [...salt]);
    assert.equal(await reg.getMeta("lastExportAt"), "2026-02-01T00:00:00.000Z");
    assert.deepEqual(await reg.getMeta("reminders"), { drillMonths: 3 });
    assert.equal(await reg.getMeta("copies:i1"), null, "the old snapshot is gone");
    assert.deepEqual(await reg.newestCopies("i1"), { copies: newestOf(copies), total: 40 }, "the first screen's record is there from the start");
    assert.equal(await reg.getMeta("copies:i1#id"), null);
    assert.equal(await new Vault(reg).exists(), true, "the vault stays");
    // Reads work on the new stores: copies from their buckets, the journal newest first by time.
    assert.equal((await reg.copies("i1")).length, 40);
    assert.deepEqual(
      (await reg.journal("i1")).map((j) => j.type),
      ["key_changed", "generation_observed"],
    );
    assert.deepEqual(await exportReminder(reg), { lastExportAt: "2026-02-01T00:00:00.000Z", changesSince: 0, due: false });
    const check = await openDB(name);
    assert.equal(check.version, 3);
    assert.ok(!check.objectStoreNames.contains("copies"));
    check.close();
    // And the export round-trips through the strict validator.
    const other = await env.openReg();
    await importRegistry(other, await exportRegistry(reg));
    assert.equal((await other.dump()).copies.length, 40);
  });
});

describe("journal", () => {
  it("reads newest first by time, with entries merged in from another device in their place", async () => {
    const reg = await env.openReg();
    const { instanceId } = await reg.reconcile(conn, env.sim.url);
    const [observed] = await reg.journal(instanceId);
    // Another device's older entry and a newer one, merged in after ours (so recorded here later).
    const older = { instanceId, at: new Date(Date.parse(observed!.at) - 3_600_000).toISOString(), type: "kit_downloaded" as const, params: { generation: 1 } };
    const newer = { instanceId, at: new Date(Date.parse(observed!.at) + 3_600_000).toISOString(), type: "kit_proven" as const, params: { generation: 1 } };
    await mergeIntoRegistry(reg, { journal: [journalFact(older), journalFact(newer)] });
    assert.deepEqual(
      (await reg.journal(instanceId)).map((j) => j.type),
      ["kit_proven", "generation_observed", "kit_downloaded"],
    );
    assert.deepEqual(
      (await reg.journal(instanceId, 1)).map((j) => j.type),
      ["kit_proven"],
    );
  });
});

/** A small seeded PRNG (xorshift32). */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

describe("skipping unchanged buckets", () => {
  it("never hides a change: after any history, folding every bucket again changes nothing", async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rand = rng(seed);
      const reg = await env.openReg();
      let t = Date.UTC(2026, 0, 1);
      const key = ["AAAA-1111", "BBBB-2222", "CCCC-3333"];
      let current: string | null = key[0]!;
      // Who made each backup (#9: another instance's are unknown, manual ones at most a guess).
      const backups: { id: string; date: string; who: Maker; agents: Record<string, { protected: boolean; size: number }> }[] = [];
      const errors: Record<string, string> = {};
      const info = (): BackupInfo =>
        backupInfo(
          backups.map((b) => listedBackup({ ...b, ownId: "skip-instance", foreignId: "other-instance" })),
          errors,
        );
      const fold = () => reg.fold({ url: "http://skip", locationName: "Home", password: current, info: info(), now: new Date(t) });
      let instanceId = "";
      for (let step = 0; step < 25; step++) {
        t += (1 + rand(30)) * 3_600_000;
        const what = rand(11);
        // Dated up to ten minutes before this look: some within the clock margin of a period's start.
        const date = new Date(t - rand(11) * 60_000).toISOString();
        const who: Maker = (["automatic", "automatic", "manual", "foreign"] as const)[rand(4)]!;
        if (what <= 2)
          backups.push({
            id: `s${seed}-${step}`,
            date,
            who,
            agents: { "hassio.local": { protected: current !== null, size: step }, ...(rand(2) ? { "cloud.cloud": { protected: current !== null, size: step } } : {}) },
          });
        else if (what === 3 && backups.length) backups.splice(rand(backups.length), 1);
        else if (what === 4) current = rand(4) === 0 ? null : key[rand(3)]!;
        else if (what === 5) {
          if (errors["cloud.cloud"]) delete errors["cloud.cloud"];
          else errors["cloud.cloud"] = "unreachable";
        } else if (what === 6 && instanceId) {
          const c = (await reg.copies(instanceId)).filter((x) => x.protected && !x.deleted);
          const pick = c[rand(Math.max(1, c.length))];
          if (pick)
            await reg.recordCheck(
              instanceId,
              pick.backupId,
              pick.agentId,
              rand(2) ? { fingerprint: await reg.fingerprint(key[rand(3)]!) } : { result: "failed", tried: [await reg.fingerprint(key[rand(3)]!)] },
            );
        } else if (what === 7 && backups.length) {
          // A copy that comes back (its location listed it again).
          const b = backups[rand(backups.length)]!;
          b.agents = { ...b.agents, "hassio.nas": { protected: false, size: 1 } };
        } else if (what === 8 && backups.length) {
          // HA reports another size for a copy.
          const b = backups[rand(backups.length)]!;
          b.agents = Object.fromEntries(Object.entries(b.agents).map(([id, a]) => [id, { ...a, size: a.size + 1 }]));
        } else if (what === 9 && backups.length) {
          // HA reports another maker for a backup (its marks changed).
          const b = backups[rand(backups.length)]!;
          b.who = (["automatic", "manual", "foreign"] as const).filter((w) => w !== b.who)[rand(2)]!;
        } else if (what === 10 && instanceId) {
          // The instance recorded under another instance's id (the earlier rule, or a merged record): the next fold corrects it or keeps it apart.
          const record = (await reg.instances()).find((i) => i.id === instanceId)!;
          await reg.db.put("instances", { ...record, haInstanceId: rand(2) ? "other-instance" : null });
        }
        instanceId = (await fold()).instanceId;
        const skipped = JSON.stringify(await reg.dump());
        // The first screen's record is the newest copies of all, however many writes made it.
        const all = await reg.copies(instanceId);
        const newest = await reg.newestCopies(instanceId);
        if (all.length > 0 || newest) assert.deepEqual(newest, { copies: newestOf(all), total: all.length }, `seed ${seed}, step ${step}: newest copies`);
        // Forget what every bucket was settled at: the next fold looks at all of them.
        const index = (await reg.getMeta<CopyIndex>(copyIndexKey(instanceId)))!;
        await reg.setMeta(copyIndexKey(instanceId), { ...index, inputs: new Array(BUCKETS).fill(null) });
        await fold();
        const full = JSON.stringify(await reg.dump());
        assert.equal(
          full.replace(/"lastReconciledAt":"[^"]*"|"lastSeenActiveAt":"[^"]*"/g, ""),
          skipped.replace(/"lastReconciledAt":"[^"]*"|"lastSeenActiveAt":"[^"]*"/g, ""),
          `seed ${seed}, step ${step}`,
        );
      }
    }
  });
});
