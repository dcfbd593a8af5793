// The registry's remaining promises: "no key set", several instances, the event watcher, a full
// disk, the export reminder, conflicting imports, and a v1 database with data in every store.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { afterEach, before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { exportRegistry, exportReminder, importRegistry } from "../../../src/registry/exchange.js";
import { RegistryError } from "../../../src/registry/model.js";
import { openRegistryDB } from "../../../src/registry/schema.js";
import { Vault } from "../../../src/registry/vault.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { closeAfterTest, closeOpened, connectHA } from "../../support/ha-client.js";
import { useRegistryEnv } from "../../support/registry-env.js";

afterEach(closeOpened);

const env = useRegistryEnv("registry-more", { backups: 6 });
const { openReg, freshName } = env;
let sim: SimHandle;
let conn: Connection;
let keys: string[];
before(async () => {
  await env.ready;
  ({ sim, conn, keys } = env);
});

describe("key states and instances", () => {
  it("'no key set' in HA is recorded; setting the old key again reactivates its generation", async () => {
    const reg = await openReg();
    const first = await reg.reconcile(conn, sim.url);
    await sim.control({ type: "set_password", password: null });
    try {
      const none = await reg.reconcile(conn, sim.url);
      assert.equal(none.active, null);
      assert.equal((await reg.instances())[0]!.noKey, true);
      assert.equal((await reg.journal(none.instanceId))[0]!.type, "key_removed");
      assert.deepEqual(
        (await reg.generations(none.instanceId)).map((g) => g.status),
        ["retired"],
      );
    } finally {
      await sim.control({ type: "set_password", password: keys[2] });
    }
    const back = await reg.reconcile(conn, sim.url);
    assert.equal(back.active?.id, first.active?.id, "same key, same generation");
    assert.equal(back.newGeneration, null);
    assert.equal((await reg.instances())[0]!.noKey, false);
  });

  it("two HA instances in one registry keep separate generations and copies", async () => {
    const other = closeAfterTest(await startSimulatedHA({ port: 0, backups: 3, now: "2026-11-27T12:00:00Z", stageDelayMs: 5, seed: 99 }));
    const otherConn = closeAfterTest(await connectHA(other.url, other.adminToken));
    try {
      const reg = await openReg();
      const a = await reg.reconcile(conn, sim.url);
      const b = await reg.reconcile(otherConn, other.url);
      assert.notEqual(a.instanceId, b.instanceId);
      const instances = await reg.instances();
      assert.equal(instances.length, 2);
      assert.equal(new Set(instances.map((i) => i.haInstanceId)).size, 2);
      assert.equal((await reg.generations(a.instanceId)).length, 1);
      assert.equal((await reg.generations(b.instanceId)).length, 1);
      // Switching back does not count as a key change on either.
      const again = await reg.reconcile(conn, sim.url);
      assert.equal(again.changedElsewhere, false);
      assert.equal(again.instanceId, a.instanceId);
      const bIds = new Set((await reg.copies(b.instanceId)).map((c) => c.backupId));
      assert.ok((await reg.copies(a.instanceId)).every((c) => !bIds.has(c.backupId)));
    } finally {
      otherConn.close();
      await other.close();
    }
  });
});

describe("storage", () => {
  it("a full disk aborts a reconciliation cleanly: storage_full, nothing half-written", async () => {
    const reg = await openReg();
    await reg.reconcile(conn, sim.url);
    await sim.control({ type: "set_password", password: "QQQQ-QQQQ-QQQQ-QQQQ-QQQQ-QQQQ-QQQQ" });
    const before = JSON.stringify(await reg.dump());
    const proto = (globalThis as unknown as { IDBObjectStore: { prototype: { put: (...a: unknown[]) => unknown } } }).IDBObjectStore.prototype;
    const realPut = proto.put;
    let calls = 0;
    proto.put = function (this: unknown, ...args: unknown[]) {
      // Let the first writes through so the failure happens half-way.
      if (++calls > 2) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      return realPut.apply(this, args);
    };
    try {
      await assert.rejects(reg.reconcile(conn, sim.url), (e) => e instanceof RegistryError && e.code === "storage_full");
    } finally {
      proto.put = realPut;
      await sim.control({ type: "set_password", password: keys[2] });
    }
    assert.ok(calls > 2, "the failure came after earlier writes in the same transaction");
    assert.equal(JSON.stringify(await reg.dump()), before);
  });

  it("reminds to export after changes, and not right after an export", async () => {
    // The registry's clock, moved on by hand: every step is later than the one before.
    let t = Date.parse("2026-11-27T12:00:00.000Z");
    const reg = await openReg(undefined, { now: () => new Date(t) });
    assert.deepEqual(await exportReminder(reg), { lastExportAt: null, changesSince: 0, due: false });
    await reg.reconcile(conn, sim.url);
    const due = await exportReminder(reg);
    assert.equal(due.due, true);
    assert.ok(due.changesSince >= 1);
    t += 1000;
    await exportRegistry(reg);
    const fresh = await exportReminder(reg);
    assert.equal(fresh.due, false);
    assert.equal(fresh.lastExportAt, "2026-11-27T12:00:01.000Z");
    t += 1000;
    const r = await reg.reconcile(conn, sim.url);
    await reg.markKit(r.instanceId, r.active!.id, "downloaded");
    assert.equal((await exportReminder(reg)).changesSince, 1);
  });
});

describe("import conflicts and imported generations", () => {
  it("two browsers that each saw the same key change: both generations kept, the conflict reported", async () => {
    const a = await openReg();
    await a.reconcile(conn, sim.url);
    const b = await openReg();
    await importRegistry(b, await exportRegistry(a));
    await sim.control({ type: "set_password", password: "RRRR-RRRR-RRRR-RRRR-RRRR-RRRR-RRRR" });
    try {
      await a.reconcile(conn, sim.url);
      const rb = await b.reconcile(conn, sim.url);
      const result = await importRegistry(b, await exportRegistry(a));
      assert.ok(result.conflicts.length >= 1);
      assert.ok(result.conflicts.some((c) => c.reason === "same_fingerprint" && c.path.startsWith("$.generations[")));
      const gens = await b.generations(rb.instanceId);
      assert.equal(gens.filter((g) => g.fingerprint === rb.active!.fingerprint).length, 2, "nothing dropped");
      const after = await b.reconcile(conn, sim.url);
      const active = (await b.generations(rb.instanceId)).filter((g) => g.status === "active");
      assert.deepEqual(
        active.map((g) => g.id),
        [after.active!.id],
        "HA has one key: one active generation after the next look",
      );
      const again = await importRegistry(b, await exportRegistry(a));
      assert.equal(again.generations + again.copies + again.instances, 0, "merging again changes nothing");
    } finally {
      await sim.control({ type: "set_password", password: keys[2] });
    }
  });

  it("a key from an old kit that opens a backup becomes a retired 'imported' generation, with a journal entry", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url);
    const c = (await reg.copies(r.instanceId)).find((x) => x.protected)!;
    const fp = await reg.fingerprint(keys[0]!);
    const res = await reg.recordCheck(r.instanceId, c.backupId, c.agentId, { fingerprint: fp });
    assert.equal(res.generation, 2);
    const g = (await reg.generations(r.instanceId)).find((x) => x.fingerprint === fp)!;
    assert.deepEqual([g.status, g.origin], ["retired", "imported"]);
    const types = (await reg.journal(r.instanceId)).slice(0, 2).map((j) => j.type);
    assert.ok(types.includes("generation_imported"));
  });
});

describe("migration with data in every store", () => {
  it("a v1 database keeps instances, generations, copies, journal and salt at v3", async () => {
    const name = freshName();
    const v1 = await openRegistryDB(name, 1);
    const raw = v1 as unknown as { put(s: string, v: unknown): Promise<unknown>; add(s: string, v: unknown): Promise<unknown> };
    await raw.put("meta", { key: "salt", value: new Uint8Array(32).fill(3) });
    await raw.put("meta", { key: "lastExportAt", value: "2026-02-01T00:00:00.000Z" });
    await raw.put("instances", { id: "i1", haInstanceId: "abc", urlKey: "u|Home", name: "Home", url: "u", firstSeenAt: "2026-01-01T00:00:00Z", lastReconciledAt: null, noKey: false });
    const gen = {
      id: "g1",
      instanceId: "i1",
      number: 1,
      fingerprint: "a".repeat(64),
      status: "active",
      origin: "observed",
      firstSeenAt: "2026-01-01T00:00:00Z",
      activatedAt: "2026-01-01T00:00:00Z",
      lastSeenActiveAt: null,
      retiredAt: null,
      kitDownloadedAt: null,
      kitProvenAt: null,
      label: "first",
    };
    await raw.put("generations", gen);
    const copies = [1, 2, 3].map((n) => ({
      instanceId: "i1",
      backupId: `b${n}`,
      agentId: "hassio.local",
      name: `B${n}`,
      date: `2026-01-0${n}T00:00:00Z`,
      size: n,
      protected: true,
      generationId: "g1",
      confidence: "inferred",
      lastCheck: null,
      deleted: n === 3,
      deletedAt: n === 3 ? "2026-01-05T00:00:00Z" : null,
    }));
    for (const c of copies) await raw.put("copies", c);
    await raw.add("journal", { instanceId: "i1", at: "2026-01-01T00:00:00Z", type: "generation_observed", params: { generation: 1 } });
    v1.close();
    const reg = await openReg(name);
    const d = await reg.dump();
    assert.deepEqual(d.generations, [gen]);
    assert.deepEqual(
      d.copies,
      copies.map((c) => ({ ...c, mismatch: false })),
    );
    assert.equal(d.journal.length, 1);
    assert.equal(await reg.getMeta("lastExportAt"), "2026-02-01T00:00:00.000Z");
    const byBackup = (a: { backupId: string }, b: { backupId: string }) => a.backupId.localeCompare(b.backupId);
    assert.deepEqual(
      (await reg.copies("i1")).sort(byBackup),
      copies.map((c) => ({ ...c, mismatch: false })),
      "read back from their buckets",
    );
    // The migrated registry keeps working: the next export round-trips through the strict validator.
    const other = await openReg();
    await importRegistry(other, await exportRegistry(reg));
    assert.equal((await other.dump()).copies.length, 3);
  });
});

describe("vault statement", () => {
  it("the warning the UI shows next to the vault has English text", async () => {
    const reg = await openReg();
    const en = JSON.parse(await readFile(new URL("../../../translations/en.json", import.meta.url), "utf8")) as Record<string, unknown>;
    const lookup = (path: string) => path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], en);
    const text = lookup(new Vault(reg).warning);
    assert.equal(typeof text, "string");
    assert.match(text as string, /script/i);
  });
});
