// The registry against the simulated HA (real client, fake-indexeddb): reconciliation rules,
// pending generations, verification, migrations, import fuzz and the vault.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { openDB } from "idb";
import type { Connection } from "home-assistant-js-websocket";
import { exportRegistry, importRegistry } from "../../../src/registry/exchange.js";
import { RegistryError, type CopyRecord } from "../../../src/registry/model.js";
import { Registry } from "../../../src/registry/registry.js";
import { openRegistryDB } from "../../../src/registry/schema.js";
import { Vault } from "../../../src/registry/vault.js";
import { applyOfflineReport, verifyOnline } from "../../../src/registry/verify.js";
import type { SimHandle } from "../../../src/sim/main.js";
import { useRegistryEnv } from "../../support/registry-env.js";

const env = useRegistryEnv("registry-test", { backups: 9 });
const { openReg, freshName } = env;
let sim: SimHandle;
let conn: Connection;
let keys: string[];
before(async () => {
  await env.ready;
  ({ sim, conn, keys } = env);
});

const stable = (d: Awaited<ReturnType<Registry["dump"]>>) =>
  JSON.stringify({
    ...d,
    instances: d.instances.map(({ lastReconciledAt: _a, ...x }) => x),
    generations: d.generations.map(({ lastSeenActiveAt: _b, ...x }) => x),
  });

describe("reconciliation", () => {
  it("first look: generation 1 observed, older copies unknown (not guessed) or unencrypted, HA's instance id; twice changes nothing", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url);
    assert.equal(r.active?.number, 1);
    assert.equal(r.changedElsewhere, false);
    const [instance] = await reg.instances();
    const info = (await sim.control({ type: "get_state" })) as { backups: { extra_metadata: { instance_id: string }; agents: Record<string, unknown> }[] };
    assert.equal(instance!.haInstanceId, info.backups[0]!.extra_metadata.instance_id);
    const copies = await reg.copies(r.instanceId);
    assert.equal(
      copies.length,
      info.backups.reduce((n, b) => n + Object.keys(b.agents).length, 0),
    );
    assert.ok(copies.filter((c) => c.agentId === "hassio.nas").every((c) => c.confidence === "unencrypted"));
    // Made before our first look: another key may have been in use then, so nothing is guessed.
    assert.ok(copies.filter((c) => c.protected).every((c) => c.confidence === "unknown" && c.generationId === null));
    const before = stable(await reg.dump());
    const again = await reg.reconcile(conn, sim.url);
    assert.equal(again.added, 0);
    assert.equal(stable(await reg.dump()), before, "a second reconciliation changes nothing");
  });

  it("key changed in HA's UI between two visits → new generation 'changed elsewhere'; backups made meanwhile", async () => {
    const name = freshName();
    let reg = await openReg(name);
    // The looks lie in the past (this browser's clock), far apart compared with the clock margin.
    const ago = (min: number) => new Date(Date.now() - min * 60_000);
    const first = await reg.reconcile(conn, sim.url, { now: ago(30) });
    reg.close();
    const newKey = "ZZZZ-YYYY-XXXX-WWWW-VVVV-UUUU-TTTT";
    await sim.control({ type: "set_password", password: newKey });
    const made = (await sim.control({ type: "create_backup", name: "While closed", date: ago(20).toISOString() })) as { backup_id: string };
    reg = await openReg(name);
    const r = await reg.reconcile(conn, sim.url, { now: ago(10) });
    assert.equal(r.changedElsewhere, true);
    assert.equal(r.active?.number, 2);
    const gens = await reg.generations(r.instanceId);
    assert.deepEqual(
      gens.map((g) => [g.number, g.status, g.origin]),
      [
        [1, "retired", "observed"],
        [2, "active", "elsewhere"],
      ],
    );
    assert.equal(gens[0]!.id, first.active!.id);
    const journal = await reg.journal(r.instanceId);
    assert.equal(journal[0]!.type, "key_changed_elsewhere");
    // Made between our two looks, while the key changed at a moment we cannot know: unknown, not guessed.
    const copy = (await reg.copies(r.instanceId)).find((c) => c.backupId === made.backup_id && c.agentId === "hassio.local")!;
    assert.equal(copy.generationId, null);
    assert.equal(copy.confidence, "unknown");
    // One made now, while we watch generation 2 (first seen ten minutes ago), is observed.
    const now = (await sim.control({ type: "create_backup", name: "Watched" })) as { backup_id: string };
    await reg.reconcile(conn, sim.url);
    const watched = (await reg.copies(r.instanceId)).find((c) => c.backupId === now.backup_id && c.agentId === "hassio.local")!;
    assert.deepEqual([watched.generationId, watched.confidence], [r.active!.id, "observed"]);
    await sim.control({ type: "delete_backup", backup_id: now.backup_id });
    await sim.control({ type: "delete_backup", backup_id: made.backup_id });
    await sim.control({ type: "set_password", password: keys[2] });
  });

  it("deleted backups stay, marked deleted; an erroring location erases nothing", async () => {
    const reg = await openReg();
    const made = (await sim.control({ type: "create_backup", name: "Soon gone" })) as { backup_id: string };
    const r = await reg.reconcile(conn, sim.url);
    await sim.control({ type: "set_agent_error", agent_id: "cloud.cloud", message: "The backup agent is unreachable." });
    await reg.reconcile(conn, sim.url);
    let copies = await reg.copies(r.instanceId);
    assert.ok(
      copies.filter((c) => c.agentId === "cloud.cloud").every((c) => !c.deleted),
      "cloud copies kept while cloud errors",
    );
    await sim.control({ type: "set_agent_error", agent_id: "cloud.cloud", message: null });
    await sim.control({ type: "delete_backup", backup_id: made.backup_id });
    await reg.reconcile(conn, sim.url);
    copies = await reg.copies(r.instanceId);
    const gone = copies.filter((c) => c.backupId === made.backup_id);
    assert.ok(gone.length > 0 && gone.every((c) => c.deleted && c.deletedAt));
    assert.equal((await reg.journal(r.instanceId))[0]!.type, "backup_deleted");
  });

  it("a pending generation is activated when HA has its key and abandoned when HA does not", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url);
    const fp = await reg.fingerprint("PPPP-PPPP-PPPP-PPPP-PPPP-PPPP-PPPP");
    await reg.beginPending(r.instanceId, fp, { kitDownloadedAt: null, kitProvenAt: null });
    const notApplied = await reg.reconcile(conn, sim.url);
    assert.equal(notApplied.active?.id, r.active?.id, "HA does not have it: the old generation stays active");
    assert.equal((await reg.generations(r.instanceId)).find((g) => g.fingerprint === fp)?.status, "abandoned");

    await reg.beginPending(r.instanceId, fp, { kitDownloadedAt: null, kitProvenAt: null });
    await sim.control({ type: "set_password", password: "PPPP-PPPP-PPPP-PPPP-PPPP-PPPP-PPPP" });
    const applied = await reg.reconcile(conn, sim.url);
    assert.equal(applied.active?.fingerprint, fp);
    assert.equal(applied.changedElsewhere, false);
    const gens = await reg.generations(r.instanceId);
    assert.equal(gens.filter((g) => g.status === "active").length, 1);
    await sim.control({ type: "set_password", password: keys[2] });
  });

  it("two tabs reconciling at once create no duplicates", async () => {
    const name = freshName();
    const a = await openReg(name);
    const b = await openReg(name);
    await Promise.all([a.reconcile(conn, sim.url), b.reconcile(conn, sim.url), a.reconcile(conn, sim.url)]);
    const d = await a.dump();
    assert.equal(d.instances.length, 1);
    assert.equal(d.generations.length, 1);
    assert.equal(new Set(d.copies.map((c) => `${c.backupId}|${c.agentId}`)).size, d.copies.length);
  });
});

describe("verification", () => {
  it("the current key verifies new backups and rules itself out on old ones; older keys finish the job", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url);
    const first = await verifyOnline(reg, conn, r.instanceId, [keys[2]!]);
    const stillFailing = async () => (await reg.copies(r.instanceId)).filter((c) => c.lastCheck?.result === "failed" && !c.deleted).map((c) => `${c.name} ${c.date} ${c.agentId}`);
    assert.ok(first.opened > 0 && first.otherKey > 0, JSON.stringify(first));
    assert.equal(first.failed, 0, "no copy was believed to need the current key and failed it");
    assert.equal(first.notSupported, 1, "the mislabelled copy cannot be decrypted on download");
    let copies = await reg.copies(r.instanceId);
    const other = copies.filter((c) => c.lastCheck?.result === "other_key");
    assert.ok(other.length === first.otherKey && other.every((c) => c.generationId === null && c.confidence === "unknown" && c.ruledOut?.includes(r.active!.id)));
    const again = await verifyOnline(reg, conn, r.instanceId, [keys[2]!]);
    assert.equal(again.checked, first.notSupported, "copies the current key already failed are not sent to HA again");
    const second = await verifyOnline(reg, conn, r.instanceId, [keys[0]!, keys[1]!]);
    assert.equal(second.failed, 0, (await stillFailing()).join("; "));
    assert.equal(second.skipped, first.opened, "verified copies are skipped (resumable)");
    copies = await reg.copies(r.instanceId);
    const gens = await reg.generations(r.instanceId);
    assert.equal(gens.length, 3, "the two old keys became retired generations");
    assert.ok(gens.filter((g) => g.origin === "imported").every((g) => g.status === "retired"));
    assert.ok(
      copies.filter((c) => c.protected && c.lastCheck?.result !== "not_supported").every((c: CopyRecord) => c.confidence === "verified"),
      JSON.stringify(copies.filter((c) => c.protected && c.confidence !== "verified")),
    );
  });

  it("a check that contradicts what the registry recorded is flagged as a mismatch", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url, { now: new Date(Date.now() - 30 * 60_000) });
    // The key goes away and comes back between two looks: the backup made meanwhile looks observed.
    await sim.control({ type: "set_password", password: keys[0] });
    const made = (await sim.control({ type: "create_backup", name: "Behind our back" })) as { backup_id: string };
    await sim.control({ type: "set_password", password: keys[2] });
    await reg.reconcile(conn, sim.url);
    const oldest = (await reg.copies(r.instanceId)).find((c) => c.backupId === made.backup_id && c.agentId === "hassio.local")!;
    assert.deepEqual([oldest.confidence, oldest.generationId], ["observed", r.active!.id]);
    const summary = await verifyOnline(reg, conn, r.instanceId, [keys[0]!], { only: new Set([`${oldest.backupId}|${oldest.agentId}`]) });
    assert.equal(summary.mismatches, 1, "it was observed as the current generation, it opens with the first demo key");
    await sim.control({ type: "delete_backup", backup_id: made.backup_id });
    const after = (await reg.copies(r.instanceId)).find((c) => c.backupId === oldest.backupId && c.agentId === oldest.agentId)!;
    assert.equal(after.mismatch, true);
    assert.equal((await reg.journal(r.instanceId))[0]!.type, "mismatch");
  });

  it("verification can be cancelled and keeps what it recorded", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url);
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      verifyOnline(reg, conn, r.instanceId, [keys[2]!], {
        signal: controller.signal,
        onProgress: () => {
          if (++seen === 3) controller.abort();
        },
      }),
    );
    const checked = (await reg.copies(r.instanceId)).filter((c) => c.lastCheck !== null).length;
    assert.equal(checked, 2);
  });

  it("an offline report marks the one copy the file is (by size, local first) verified, not the other locations", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url);
    const all = await reg.copies(r.instanceId);
    // A backup stored encrypted in more than one location.
    const c = all.find((x) => x.protected && all.filter((y) => y.backupId === x.backupId && y.protected).length > 1)!;
    assert.ok(c, "the simulated HA has a backup with two protected copies");
    const others = all.filter((y) => y.backupId === c.backupId && y.protected && y.agentId !== c.agentId);
    const report = {
      file: "x.tar",
      backupId: c.backupId,
      name: c.name,
      date: c.date,
      protectedFlag: true,
      encrypted: true,
      format: "v2" as const,
      mislabelled: false,
      damaged: false,
      damage: [],
      openedBy: 1,
      membersAgree: true,
      members: [],
      backupJson: null,
    };
    const target = others[0]!;
    const res = await applyOfflineReport(reg, r.instanceId, report, ["nope", keys[0]!], target.size === c.size ? undefined : target.size);
    assert.equal(res.matched, 1);
    const after = (await reg.copies(r.instanceId)).filter((x) => x.backupId === c.backupId && x.protected);
    assert.equal(after.filter((x) => x.confidence === "verified").length, 1, "exactly one copy is credited");
    assert.equal(after.filter((x) => x.lastCheck !== null).length, 1, "no result recorded for the other locations");
  });
});

describe("migrations", () => {
  it("a version-1 database with data opens at version 3 with nothing lost", async () => {
    const name = freshName();
    const v1 = await openRegistryDB(name, 1);
    await v1.put("meta", { key: "salt", value: new Uint8Array(32).fill(7) });
    await v1.put("instances", { id: "i1", haInstanceId: "abc", urlKey: "u|Home", name: "Home", url: "u", firstSeenAt: "2026-01-01T00:00:00Z", lastReconciledAt: null, noKey: false });
    const oldCopy = {
      instanceId: "i1",
      backupId: "b1",
      agentId: "hassio.local",
      name: "B",
      date: "2026-01-01T00:00:00Z",
      size: 1,
      protected: true,
      generationId: null,
      confidence: "unknown",
      lastCheck: null,
      deleted: false,
      deletedAt: null,
    };
    await (v1 as unknown as { put(s: string, v: unknown): Promise<unknown> }).put("copies", oldCopy);
    v1.close();
    const reg = await openReg(name);
    const d = await reg.dump();
    assert.equal(d.instances[0]!.name, "Home");
    assert.deepEqual(d.copies[0], { ...oldCopy, mismatch: false });
    assert.deepEqual([...reg.salt], new Array(32).fill(7));
    const raw = await openDB(name);
    assert.equal(raw.version, 3);
    assert.ok(raw.objectStoreNames.contains("vault"));
    assert.ok(raw.objectStoreNames.contains("copyBuckets"));
    assert.ok(!raw.objectStoreNames.contains("copies"), "the per-copy store is gone");
    raw.close();
  });
});

describe("export and import", () => {
  it("round trips into an empty registry and merging twice changes nothing", async () => {
    const a = await openReg();
    await a.reconcile(conn, sim.url);
    const text = await exportRegistry(a);
    assert.ok(!keys.some((k) => text.includes(k)), "no key in the export");
    const b = await openReg();
    await importRegistry(b, text);
    const once = stable(await b.dump());
    const second = await importRegistry(b, text);
    assert.deepEqual(second, { instances: 0, generations: 0, copies: 0, journal: 0, conflicts: [] });
    assert.equal(stable(await b.dump()), once);
    assert.deepEqual([...b.salt], [...a.salt]);
  });

  it("refuses an export of another registry when this one has data", async () => {
    const a = await openReg();
    await a.reconcile(conn, sim.url);
    const b = await openReg();
    await b.reconcile(conn, sim.url);
    await assert.rejects(importRegistry(b, await exportRegistry(a)), (e) => e instanceof RegistryError && e.code === "import_other_registry");
  });

  it("fuzz: 3000 malformed documents, none changes the store, each says why", async () => {
    const reg = await openReg();
    await reg.reconcile(conn, sim.url);
    const valid = JSON.parse(await exportRegistry(reg)) as Record<string, unknown>;
    const before = JSON.stringify(await reg.dump());
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const paths = (o: unknown, p: (string | number)[] = [], out: (string | number)[][] = []) => {
      if (o && typeof o === "object")
        for (const [k, v] of Object.entries(o)) {
          const key = Array.isArray(o) ? Number(k) : k;
          out.push([...p, key]);
          if (out.length < 5000) paths(v, [...p, key], out);
        }
      return out;
    };
    const all = paths(valid);
    const junk: unknown[] = [null, 1e308, -1, "", "x".repeat(2000), [], {}, true, "2026-13-45T99:99:99Z", { __proto__: { polluted: true } }, 2 ** 60];
    const codes = new Set<string>();
    // Every document below is malformed by construction, so every one must be refused.
    const acceptedWhat: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const doc = structuredClone(valid);
      const kind = rnd(6);
      let text: string;
      let path: (string | number)[] | undefined;
      if (kind === 0) {
        text = JSON.stringify(valid).slice(0, rnd(JSON.stringify(valid).length));
      } else {
        path = all[rnd(all.length)]!;
        let parent: Record<string | number, unknown> = doc as Record<string, unknown>;
        for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
        const last = path.at(-1)!;
        if (kind === 1) delete parent[last];
        else if (kind === 2) {
          // A value of another JSON type (never null: some fields are nullable), so the document is invalid.
          const shape = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
          const freeForm = path.includes("params"); // journal params are free-form strings or numbers
          const was = shape(parent[last]);
          // A nullable field's type is unknown from null alone: only an array or object is surely wrong there.
          const wrong = junk.filter((j) => j !== null && shape(j) !== was && (was !== "null" || typeof j === "object") && !(freeForm && (typeof j === "string" || typeof j === "number")));
          parent[last] = wrong.length > 0 ? wrong[rnd(wrong.length)] : { nested: true };
        } else if (kind === 3) parent[`${String(last)}_extra`] = 1;
        else if (kind === 4) (doc as Record<string, unknown>).version = [0, 2, "1", null][rnd(4)];
        else parent[last] = Array.isArray(parent[last]) ? [...(parent[last] as unknown[]), { bogus: true }] : { nested: { deeper: [1, 2, 3] } };
        text = JSON.stringify(doc);
        if (kind === 2 && rnd(5) === 0) text = text.replace('"format"', '"__proto__":{"polluted":true},"format"');
      }
      const snapshot = JSON.stringify(await reg.dump());
      try {
        await importRegistry(reg, text);
        acceptedWhat.push(`kind ${kind} at ${JSON.stringify(path ?? null)}`);
        continue;
      } catch (e) {
        assert.ok(e instanceof RegistryError, String(e));
        assert.ok(typeof e.params.path === "string" || !e.code.includes("field"), "field errors name the path");
        codes.add(e.code);
      }
      assert.equal(JSON.stringify(await reg.dump()), snapshot, `a rejected document changed the store (kind ${kind})`);
      assert.equal(({} as { polluted?: boolean }).polluted, undefined, "no prototype pollution");
    }
    assert.deepEqual(acceptedWhat, [], "malformed documents were accepted");
    assert.equal(JSON.stringify(await reg.dump()), before, "the store is as before the fuzz");
    assert.ok(codes.size >= 5, [...codes].join(","));
  });
});

describe("vault", () => {
  it("stores keys under a passphrase; a wrong passphrase destroys nothing", async () => {
    const reg = await openReg();
    const r = await reg.reconcile(conn, sim.url);
    const vault = new Vault(reg);
    await vault.create("correct horse battery");
    await vault.store(r.active!.id, keys[2]!);
    await assert.rejects(vault.store(r.active!.id, "WRONG-KEY0-0000-0000-0000-0000-0000"), (e) => e instanceof RegistryError && e.code === "vault_key_mismatch");
    vault.lock();
    await assert.rejects(vault.load(r.active!.id), (e) => e instanceof RegistryError && e.code === "vault_locked");
    await assert.rejects(vault.unlock("wrong passphrase"), (e) => e instanceof RegistryError && e.code === "vault_wrong_passphrase");
    await vault.unlock("correct horse battery");
    assert.equal(await vault.load(r.active!.id), keys[2]);
    await vault.changePassphrase("correct horse battery", "a new passphrase");
    vault.lock();
    await assert.rejects(vault.unlock("correct horse battery"));
    await vault.unlock("a new passphrase");
    assert.equal(await vault.load(r.active!.id), keys[2]);
    const raw = JSON.stringify(await reg.db.get("vault", "vault"), (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v));
    assert.ok(!raw.includes(keys[2]!), "the key is not stored in the clear");
  });
});
