// What a user would notice if the registry's guards slipped: an import pointing at a generation
// that is not there, a disk that fills up half-way through an import, an offline check applied to
// a copy it does not describe, a vault that opens for the wrong passphrase.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { exportRegistry, importRegistry } from "../../../src/registry/exchange.js";
import { RegistryError } from "../../../src/registry/model.js";
import { Vault } from "../../../src/registry/vault.js";
import { applyOfflineReport } from "../../../src/registry/verify.js";
import type { BackupFileReport } from "../../../src/backup-file/inspect.js";
import type { SimHandle } from "../../../src/sim/main.js";
import { useRegistryEnv } from "../../support/registry-env.js";

const env = useRegistryEnv("import-offline-vault", { backups: 9 });
const { openReg } = env;
let sim: SimHandle;
let conn: Connection;
let keys: string[];
before(async () => {
  await env.ready;
  ({ sim, conn, keys } = env);
});

const isRegistryError = (code: string) => (e: unknown) => e instanceof RegistryError && e.code === code;

describe("import", () => {
  it("a copy that names a generation the file does not contain is refused, and nothing is stored", async () => {
    const source = await openReg();
    const { instanceId } = await source.reconcile(conn, sim.url);
    // A fresh registry knows no copy's generation until a check proves one.
    const encrypted = (await source.copies(instanceId)).find((c) => c.protected)!;
    await source.recordCheck(instanceId, encrypted.backupId, encrypted.agentId, { fingerprint: await source.fingerprint(keys[0]!) });
    const doc = JSON.parse(await exportRegistry(source)) as { copies: { generationId: string | null }[] };
    const i = doc.copies.findIndex((c) => c.generationId !== null);
    assert.ok(i >= 0, "the sim's backups include encrypted copies");
    doc.copies[i]!.generationId = "no-such-generation";
    const target = await openReg();
    const before = JSON.stringify(await target.dump());
    await assert.rejects(importRegistry(target, JSON.stringify(doc)), (e) => e instanceof RegistryError && e.code === "import_dangling_reference" && e.params.path === `$.copies[${i}].generationId`);
    assert.equal(JSON.stringify(await target.dump()), before);
  });

  it("a full disk half-way through an import: storage_full, and not one record of it is kept", async () => {
    const source = await openReg();
    await source.reconcile(conn, sim.url);
    const text = await exportRegistry(source);
    const target = await openReg();
    const before = JSON.stringify(await target.dump());
    const proto = (globalThis as unknown as { IDBObjectStore: { prototype: { put: (...a: unknown[]) => unknown } } }).IDBObjectStore.prototype;
    const realPut = proto.put;
    let calls = 0;
    proto.put = function (this: unknown, ...args: unknown[]) {
      // The salt, the instance and a generation go in first; then the disk is full.
      if (++calls > 3) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      return realPut.apply(this, args);
    };
    try {
      await assert.rejects(importRegistry(target, text), isRegistryError("storage_full"));
    } finally {
      proto.put = realPut;
    }
    assert.ok(calls > 3, "earlier writes of the same import had gone through");
    assert.equal(JSON.stringify(await target.dump()), before);
    // And the same file imports completely once there is room.
    const done = await importRegistry(target, text);
    assert.ok(done.copies > 0);
  });
});

describe("offline report", () => {
  it("applies only to the copies whose protected flag matches the file's backup.json", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url);
    const copies = await reg.copies(r.instanceId);
    // A backup kept in two places, encrypted in one and not in the other.
    const backupId = copies.find(
      (c) => c.protected && copies.filter((o) => o.backupId === c.backupId && o.protected).length === 1 && copies.some((o) => o.backupId === c.backupId && !o.protected),
    )?.backupId;
    assert.ok(backupId, "the sim has a backup with an encrypted and an unencrypted copy");
    const mine = copies.filter((c) => c.backupId === backupId);
    const unprotectedBefore = mine.filter((c) => !c.protected);
    const report = {
      file: "x.tar",
      backupId,
      name: mine[0]!.name,
      date: mine[0]!.date,
      protectedFlag: true,
      encrypted: true,
      format: "v2" as const,
      mislabelled: false,
      damaged: false,
      damage: [],
      openedBy: 0,
      membersAgree: true,
      members: [],
      backupJson: null,
    };
    // Every demo key, so whichever generation made this backup, the report names it.
    for (let k = 0; k < keys.length; k++) {
      const res = await applyOfflineReport(reg, r.instanceId, { ...report, openedBy: k }, keys);
      assert.equal(res.matched, mine.filter((c) => c.protected).length, "only the encrypted copy");
    }
    const after = (await reg.copies(r.instanceId)).filter((c) => c.backupId === backupId);
    assert.deepEqual(
      after.filter((c) => !c.protected),
      unprotectedBefore,
      "the unencrypted copy is untouched",
    );
    assert.ok(after.filter((c) => c.protected).every((c) => c.lastCheck !== null));
  });
});

describe("offline report of a damaged file", () => {
  it("records nothing when no key could be tried on any archive; a key tried and refused is recorded", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url);
    const copy = (await reg.copies(r.instanceId)).find((c) => c.protected && c.agentId === "hassio.local")!;
    const base = {
      file: "x.tar",
      backupId: copy.backupId,
      name: copy.name,
      date: copy.date,
      protectedFlag: true,
      encrypted: true,
      format: "v2" as const,
      mislabelled: false,
      damaged: true,
      damage: [{ archive: "homeassistant.tar.gz", code: "truncated" }],
      membersAgree: true,
      backupJson: null,
    };
    const member = (keyChecked: boolean) => ({ name: "homeassistant.tar.gz", keyChecked, openedBy: null }) as unknown as BackupFileReport["members"][number];
    const before = (await reg.copies(r.instanceId)).find((c) => c.backupId === copy.backupId && c.agentId === copy.agentId)!;
    await applyOfflineReport(reg, r.instanceId, { ...base, openedBy: null, members: [member(false)] } as BackupFileReport, keys, copy.size);
    const untouched = (await reg.copies(r.instanceId)).find((c) => c.backupId === copy.backupId && c.agentId === copy.agentId)!;
    assert.deepEqual(untouched, before, "nothing recorded: the file could not say which key made it");
    await applyOfflineReport(reg, r.instanceId, { ...base, openedBy: null, members: [member(true)] } as BackupFileReport, ["not the key"], copy.size);
    const tried = (await reg.copies(r.instanceId)).find((c) => c.backupId === copy.backupId && c.agentId === copy.agentId)!;
    assert.ok(tried.lastCheck !== null && tried.lastCheck.at !== before.lastCheck?.at, "a key tried on an archive that did not open it is evidence, recorded");
  });
});

describe("vault", () => {
  it("a wrong passphrase leaves the vault locked: no key comes out", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url);
    const vault = new Vault(reg);
    await vault.create("correct horse battery");
    await vault.store(r.active!.id, keys[2]!);
    vault.lock();
    await assert.rejects(vault.unlock("wrong passphrase"), isRegistryError("vault_wrong_passphrase"));
    assert.equal(vault.unlocked, false);
    await assert.rejects(vault.load(r.active!.id), isRegistryError("vault_locked"));
    // A second instance on the same registry (another tab) is locked too until the right passphrase.
    const other = new Vault(reg);
    await assert.rejects(other.unlock(""), isRegistryError("vault_wrong_passphrase"));
    await assert.rejects(other.load(r.active!.id), isRegistryError("vault_locked"));
    await other.unlock("correct horse battery");
    assert.equal(await other.load(r.active!.id), keys[2]);
  });
});
