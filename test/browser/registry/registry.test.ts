// The registry in Chromium (real IndexedDB, Web Locks, BroadcastChannel) against the simulated HA.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import { openDB } from "idb";
import { checkBackupKeys } from "../../../src/backup-file/inspect.js";
import { blobSource } from "../../../src/common/byte-source.js";
import { backupDownloadPath, signPath } from "../../../src/data/backup.js";
import { exportRegistry, importRegistry } from "../../../src/registry/exchange.js";
import { RegistryError } from "../../../src/registry/model.js";
import { Registry } from "../../../src/registry/registry.js";
import { openRegistryDB } from "../../../src/registry/schema.js";
import { requestPersistentStorage, Vault } from "../../../src/registry/vault.js";
import { applyOfflineReport, verifyOnline } from "../../../src/registry/verify.js";
import { startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

const sims: BrowserSim[] = [];
const conns: Connection[] = [];
const registries: Registry[] = [];
const dbNames: string[] = [];
let n = 0;

function dbName() {
  const name = `registry-browser-${Date.now()}-${++n}`;
  dbNames.push(name);
  return name;
}

async function open(name = dbName()) {
  const r = await Registry.open(name);
  registries.push(r);
  return r;
}

async function sim(options: Record<string, unknown> = {}) {
  const s = await startSim({ backups: 9, ...options });
  sims.push(s);
  const conn = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
  conns.push(conn);
  const keys = await s.control<string[]>({ type: "demo_keys" });
  return { s, conn, keys };
}

afterEach(async () => {
  for (const r of registries.splice(0)) r.close();
  for (const c of conns.splice(0)) c.close();
  await Promise.all(sims.splice(0).map((s) => s.stop()));
  for (const name of dbNames.splice(0)) indexedDB.deleteDatabase(name);
});

describe("registry in Chromium against the simulated HA", () => {
  it("between two visits: key changed in HA's UI, backups made and deleted while the panel was closed", async () => {
    const { s, conn } = await sim();
    const name = dbName();
    let reg = await open(name);
    const first = await reg.reconcile(conn, s.url);
    expect(first.active?.number).to.equal(1);
    const gone = (await reg.copies(first.instanceId)).find((c) => c.protected)!.backupId;
    reg.close();

    await s.control({ type: "set_password", password: "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG" });
    const made = await s.control<{ backup_id: string }>({ type: "create_backup", name: "Made while closed" });
    await s.control({ type: "delete_backup", backup_id: gone });

    reg = await open(name);
    const second = await reg.reconcile(conn, s.url);
    expect(second.changedElsewhere).to.equal(true);
    expect(second.newGeneration?.number).to.equal(2);
    expect(second.deleted).to.be.greaterThan(0);
    const gens = await reg.generations(second.instanceId);
    expect(gens.map((g) => `${g.number}:${g.status}:${g.origin}`)).to.deep.equal(["1:retired:observed", "2:active:elsewhere"]);
    const copies = await reg.copies(second.instanceId);
    expect(copies.filter((c) => c.backupId === gone).every((c) => c.deleted)).to.equal(true, "deleted copies stay, marked deleted");
    const closed = copies.find((c) => c.backupId === made.backup_id && c.protected)!;
    expect([closed.generationId, closed.confidence]).to.deep.equal([null, "unknown"]);
    const types = (await reg.journal(second.instanceId)).map((j) => j.type);
    expect(types).to.include.members(["key_changed_elsewhere", "backup_deleted", "generation_observed"]);
  });

  it("an erroring location erases nothing; its copies come back unchanged", async () => {
    const { s, conn } = await sim();
    const reg = await open();
    const r = await reg.reconcile(conn, s.url);
    const before = (await reg.copies(r.instanceId)).filter((c) => c.agentId === "cloud.cloud");
    expect(before.length).to.be.greaterThan(0);
    await s.control({ type: "set_agent_error", agent_id: "cloud.cloud", message: "The backup agent is unreachable." });
    const during = await reg.reconcile(conn, s.url);
    expect(during.deleted).to.equal(0);
    await s.control({ type: "set_agent_error", agent_id: "cloud.cloud", message: null });
    await reg.reconcile(conn, s.url);
    const after = (await reg.copies(r.instanceId)).filter((c) => c.agentId === "cloud.cloud");
    expect(after).to.deep.equal(before);
  });

  it("the current key verifies most backups, fails on old ones; the old keys and a downloaded file finish the job", async () => {
    const { s, conn, keys } = await sim();
    const reg = await open();
    const r = await reg.reconcile(conn, s.url);
    const progress: number[] = [];
    const first = await verifyOnline(reg, conn, r.instanceId, [keys[2]!], { pauseMs: 5, onProgress: (p) => progress.push(p.done) });
    expect(first.opened).to.be.greaterThan(0);
    // Backups made under the two older demo keys do not open with it: expected, not failures.
    expect(first.otherKey).to.be.greaterThan(0, "backups made under the two older demo keys");
    expect(first.failed).to.equal(0);
    expect(first.opened + first.otherKey + first.notSupported).to.equal(first.checked);
    expect(first.notSupported).to.equal(1, "the mislabelled copy cannot be decrypted on download");
    expect(progress.at(-1)).to.equal(first.checked);

    const second = await verifyOnline(reg, conn, r.instanceId, [keys[0]!, keys[1]!]);
    expect(second.failed).to.equal(0);
    expect(second.skipped).to.equal(first.opened, "resumable: verified copies are skipped");
    const gens = await reg.generations(r.instanceId);
    expect(gens.map((g) => `${g.status}:${g.origin}`).sort()).to.deep.equal(["active:observed", "retired:imported", "retired:imported"]);

    // The mislabelled copy: HA says protected, the file is plaintext. Only the file can tell.
    const odd = (await reg.copies(r.instanceId)).find((c) => c.lastCheck?.result === "not_supported")!;
    const signed = await signPath(conn, backupDownloadPath(odd.backupId, odd.agentId));
    const blob = await (await fetch(s.url + signed.path)).blob();
    const report = await checkBackupKeys(blobSource(blob, `${odd.backupId}.tar`), keys);
    expect(report.mislabelled).to.equal(true);
    await applyOfflineReport(reg, r.instanceId, report, keys, blob.size);
    const marked = (await reg.copies(r.instanceId)).find((c) => c.backupId === odd.backupId && c.agentId === odd.agentId)!;
    expect(marked.lastCheck?.result).to.equal("mislabelled");

    const text = await exportRegistry(reg);
    for (const k of keys) expect(text).not.to.contain(k);
  });

  it("an instance switch keeps both instances apart", async () => {
    const a = await sim();
    const b = await sim({ seed: 4242, backups: 3 });
    const reg = await open();
    const ra = await reg.reconcile(a.conn, a.s.url);
    const rb = await reg.reconcile(b.conn, b.s.url);
    expect(ra.instanceId).not.to.equal(rb.instanceId);
    expect(rb.changedElsewhere).to.equal(false, "another instance is not a key change");
    const back = await reg.reconcile(a.conn, a.s.url);
    expect(back.instanceId).to.equal(ra.instanceId);
    expect(back.changedElsewhere).to.equal(false);
    expect((await reg.instances()).length).to.equal(2);
  });

  it("two tabs reconciling at once: no duplicates, and the other tab hears about the change", async () => {
    const { s, conn } = await sim();
    const name = dbName();
    const tabA = await open(name);
    const tabB = await open(name);
    let heardByB = 0;
    tabB.onChange(() => heardByB++);
    await Promise.all([tabA.reconcile(conn, s.url), tabB.reconcile(conn, s.url), tabA.reconcile(conn, s.url), tabB.reconcile(conn, s.url)]);
    const d = await tabA.dump();
    expect(d.instances.length).to.equal(1);
    expect(d.generations.length).to.equal(1);
    expect(new Set(d.copies.map((c) => `${c.backupId}|${c.agentId}`)).size).to.equal(d.copies.length);
    expect(d.journal.filter((j) => j.type === "generation_observed").length).to.equal(1);
    const heardBefore = heardByB;
    await tabA.markKit(d.instances[0]!.id, d.generations[0]!.id, "downloaded");
    await waitFor(() => heardByB > heardBefore, "a BroadcastChannel message in the other tab", 3000);
  });

  it("a version-1 database with data opens at version 3 with nothing lost", async () => {
    const name = dbName();
    const v1 = await openRegistryDB(name, 1);
    const raw = v1 as unknown as { put(s: string, v: unknown): Promise<unknown>; add(s: string, v: unknown): Promise<unknown> };
    await raw.put("meta", { key: "salt", value: new Uint8Array(32).fill(9) });
    await raw.put("instances", { id: "i1", haInstanceId: "abc", urlKey: "u|Home", name: "Home", url: "u", firstSeenAt: "2026-01-01T00:00:00Z", lastReconciledAt: null, noKey: false });
    const gen = {
      id: "g1",
      instanceId: "i1",
      number: 1,
      fingerprint: "b".repeat(64),
      status: "active",
      origin: "flow",
      firstSeenAt: "2026-01-01T00:00:00Z",
      activatedAt: "2026-01-01T00:00:00Z",
      lastSeenActiveAt: null,
      retiredAt: null,
      kitDownloadedAt: "2026-01-01T00:00:00Z",
      kitProvenAt: null,
      label: null,
    };
    await raw.put("generations", gen);
    const copy = {
      instanceId: "i1",
      backupId: "b1",
      agentId: "hassio.local",
      name: "B",
      date: "2026-01-01T00:00:00Z",
      size: 10,
      protected: true,
      generationId: "g1",
      confidence: "verified",
      lastCheck: { result: "ok", at: "2026-01-02T00:00:00Z" },
      deleted: false,
      deletedAt: null,
    };
    await raw.put("copies", copy);
    await raw.add("journal", { instanceId: "i1", at: "2026-01-01T00:00:00Z", type: "key_changed", params: { generation: 1 } });
    v1.close();
    const reg = await open(name);
    const d = await reg.dump();
    expect(d.generations).to.deep.equal([gen]);
    expect(d.copies).to.deep.equal([{ ...copy, mismatch: false }]);
    expect(d.journal.map((j) => j.type)).to.deep.equal(["key_changed"]);
    expect([...reg.salt]).to.deep.equal(new Array(32).fill(9));
    const check = await openDB(name);
    expect(check.version).to.equal(3);
    expect(check.objectStoreNames.contains("vault")).to.equal(true);
    expect(check.objectStoreNames.contains("copies")).to.equal(false);
    check.close();
  });

  it("a version-2 database with data in every store (and its copy snapshot) opens at version 3 with nothing lost", async () => {
    const name = dbName();
    const v2 = await openRegistryDB(name, 2);
    const raw = v2 as unknown as { put(s: string, v: unknown): Promise<unknown>; add(s: string, v: unknown): Promise<unknown> };
    await raw.put("meta", { key: "salt", value: new Uint8Array(32).fill(4) });
    await raw.put("meta", { key: "lastExportAt", value: "2026-02-01T00:00:00.000Z" });
    await raw.put("instances", { id: "i1", haInstanceId: "abc", urlKey: "u|Home", name: "Home", url: "u", firstSeenAt: "2026-01-01T00:00:00Z", lastReconciledAt: null, noKey: false });
    const gen = {
      id: "g1",
      instanceId: "i1",
      number: 1,
      fingerprint: "c".repeat(64),
      status: "active",
      origin: "flow",
      firstSeenAt: "2026-01-01T00:00:00Z",
      activatedAt: "2026-01-01T00:00:00Z",
      lastSeenActiveAt: null,
      retiredAt: null,
      kitDownloadedAt: null,
      kitProvenAt: null,
      label: null,
    };
    await raw.put("generations", gen);
    const copies = Array.from({ length: 30 }, (_, n) => ({
      instanceId: "i1",
      backupId: `b${String(n).padStart(2, "0")}`,
      agentId: n % 2 ? "cloud.cloud" : "hassio.local",
      name: `B${n}`,
      date: "2026-01-02T00:00:00Z",
      size: n,
      protected: true,
      generationId: n % 3 ? "g1" : null,
      confidence: n % 3 ? "verified" : "unknown",
      lastCheck: n % 3 ? { result: "ok", at: "2026-01-03T00:00:00Z" } : null,
      deleted: n === 5,
      deletedAt: n === 5 ? "2026-01-04T00:00:00Z" : null,
      mismatch: n === 7,
      ...(n === 9 ? { ruledOut: ["g1"] } : {}),
    }));
    for (const c of copies) await raw.put("copies", c);
    await raw.put("meta", { key: "copies:i1", value: JSON.stringify(copies) });
    await raw.put("meta", { key: "copies:i1#id", value: "x" });
    await raw.add("journal", { instanceId: "i1", at: "2026-01-01T00:00:00Z", type: "key_changed", params: { generation: 1 } });
    await raw.put("vault", { id: "vault", salt: new Uint8Array(16), iterations: 600000, check: { iv: new Uint8Array(12), ciphertext: new Uint8Array(32) }, entries: [] });
    v2.close();
    const reg = await open(name);
    const d = await reg.dump();
    expect(d.generations).to.deep.equal([gen]);
    expect(d.copies).to.deep.equal(copies);
    expect(d.journal.map((j) => j.type)).to.deep.equal(["key_changed"]);
    expect(await reg.getMeta("copies:i1")).to.equal(null);
    expect(await reg.getMeta("lastExportAt")).to.equal("2026-02-01T00:00:00.000Z");
    expect((await reg.db.get("vault", "vault"))?.iterations).to.equal(600000);
    expect((await reg.copies("i1")).length).to.equal(30);
    const check = await openDB(name);
    expect(check.version).to.equal(3);
    check.close();
  });

  it("import fuzz: 2000 malformed exports, none changes the store", async () => {
    const { s, conn } = await sim({ backups: 4 });
    const reg = await open();
    await reg.reconcile(conn, s.url);
    const validText = await exportRegistry(reg);
    const valid = JSON.parse(validText) as Record<string, unknown>;
    const before = JSON.stringify(await reg.dump());
    let seed = 777;
    const rnd = (m: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % m;
    };
    const fields: [string, string][] = [];
    for (const list of ["instances", "generations", "copies", "journal"]) {
      const first = (valid[list] as Record<string, unknown>[])[0];
      if (first) for (const k of Object.keys(first)) fields.push([list, k]);
    }
    // Values no field accepts (so every mutation must be refused): too long, too big, wrong type, deep.
    const junk: unknown[] = [1e308, -5, "y".repeat(5000), [], 2 ** 62, 1.5, { a: { b: { c: { d: [[[[]]]] } } } }];
    const codes = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const doc = structuredClone(valid) as Record<string, unknown>;
      let text: string;
      const kind = rnd(7);
      const [list, field] = fields[rnd(fields.length)]!;
      const item = (doc[list] as Record<string, unknown>[])[0]!;
      if (kind === 0) text = validText.slice(0, 1 + rnd(validText.length - 2));
      else {
        if (kind === 1) delete item[field];
        else if (kind === 2) item[field] = junk[rnd(junk.length)];
        else if (kind === 3) item[`${field}X`] = item[field];
        else if (kind === 4) doc.version = [0, 2, 99, "1", null, 1.5][rnd(6)];
        else if (kind === 5) doc[list] = new Array(1 + rnd(3)).fill(42);
        else doc.extra = true;
        text = JSON.stringify(doc);
        if (kind === 2 && field === "id") text = text.replace('"format"', '"__proto__":{"polluted":1},"format"');
      }
      try {
        await importRegistry(reg, text);
        throw new Error(`mutation ${i} (kind ${kind}, ${list}.${field}) was accepted`);
      } catch (e) {
        if (!(e instanceof RegistryError)) throw e;
        if (e.code.endsWith("_field")) expect(e.params.path).to.match(/^\$\./, "a field error names where");
        codes.add(e.code);
      }
    }
    expect(JSON.stringify(await reg.dump())).to.equal(before);
    expect(({} as { polluted?: number }).polluted).to.equal(undefined);
    expect([...codes]).to.include.members(["import_not_json", "import_wrong_version", "import_missing_field", "import_unknown_field", "import_invalid_field"]);
  });

  it("the vault in Chromium: old keys kept under a passphrase, a wrong passphrase destroys nothing", async () => {
    const { s, conn, keys } = await sim({ backups: 4 });
    const reg = await open();
    const r = await reg.reconcile(conn, s.url);
    await verifyOnline(reg, conn, r.instanceId, [keys[0]!, keys[1]!, keys[2]!]);
    const gens = await reg.generations(r.instanceId);
    const vault = new Vault(reg);
    expect(await vault.exists()).to.equal(false);
    await vault.create("a long vault passphrase");
    expect(gens.length).to.equal(3, "the current key and the two older demo keys");
    const fps = await Promise.all(keys.map((k) => reg.fingerprint(k)));
    for (const g of gens) await vault.store(g.id, keys[fps.indexOf(g.fingerprint)]!);
    expect((await vault.storedGenerations()).length).to.equal(3);
    vault.lock();
    const stored = await reg.db.get("vault", "vault");
    try {
      await vault.unlock("not the passphrase");
      expect.fail("a wrong passphrase unlocked the vault");
    } catch (e) {
      expect((e as RegistryError).code).to.equal("vault_wrong_passphrase");
    }
    expect(await reg.db.get("vault", "vault")).to.deep.equal(stored, "a wrong passphrase changes nothing");
    await vault.changePassphrase("a long vault passphrase", "another long passphrase");
    vault.lock();
    await vault.unlock("another long passphrase");
    const retired = gens.find((g) => g.status === "retired")!;
    expect(await vault.load(retired.id)).to.equal(keys[fps.indexOf(retired.fingerprint)]);
    vault.lock();
    expect(vault.unlocked).to.equal(false);
    expect(typeof (await requestPersistentStorage())).to.equal("boolean");
  });
});
