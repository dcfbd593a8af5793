// The registry mirror in HA's per-user frontend storage, against the simulated HA (real client,
// fake-indexeddb): a cleared browser gets everything back, two browsers converge, the encoding
// round-trips and stays small, and HA without the commands or refusing writes leaves the
// registry working on this device only.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import type { HaConnection } from "../../../src/data/connection.js";
import { mergeStates, emptyState, type RegistryState } from "../../../src/registry/merge.js";
import { decodeState, encodeState, MirrorFormatError, MIRROR_PART_CHARS, packMirror, unpackMirror } from "../../../src/registry/mirror-codec.js";
import { MIRROR_KEY, RegistryMirror, registryState, type MirrorStatus } from "../../../src/registry/mirror.js";
import type { CopyRecord, GenerationRecord } from "../../../src/registry/model.js";
import type { Registry } from "../../../src/registry/registry.js";
import { verifyOnline } from "../../../src/registry/verify.js";
import { connectHA } from "../../support/ha-client.js";
import { useRegistryEnv } from "../../support/registry-env.js";

const env = useRegistryEnv("mirror-test", { backups: 9 });
let conn: Connection;
let keys: string[];
before(async () => {
  await env.ready;
  ({ conn, keys } = env);
});

/** Resolves once `check` holds, looking again after each change notice of the registry (other registries in this process broadcast too). */
function until(r: Registry, check: () => Promise<boolean>, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, 10_000);
    const look = () =>
      void check().then((ok) => {
        if (!ok) return;
        clearTimeout(timer);
        off();
        resolve();
      }, reject);
    const off = r.onChange(look);
    look();
  });
}

const withoutTimes = (s: RegistryState) => JSON.stringify({ ...s, instances: s.instances.map(({ lastReconciledAt: _, ...x }) => x), generations: s.generations.map(({ lastSeenActiveAt: _, ...x }) => x) });

async function clearMirror(c: Connection) {
  await c.sendMessagePromise({ type: "frontend/set_user_data", key: MIRROR_KEY, value: null });
}

describe("registry mirror", () => {
  it("a cleared browser gets every fact back on connect, and reconciling afterwards adds no new generation", async () => {
    await clearMirror(conn);
    const a = await env.openReg();
    const { instanceId } = await a.reconcile(conn, env.sim.url);
    await verifyOnline(a, conn, instanceId, [keys[2]!], { pauseMs: 0 });
    const mirrorA = new RegistryMirror(a, conn, { debounceMs: 10_000 });
    await mirrorA.start();
    await mirrorA.flush();
    assert.equal(mirrorA.status.state, "synced");
    mirrorA.stop();
    const before = await registryState(a);
    assert.ok(before.copies.some((c) => c.confidence === "verified"), "something was proven");

    // A new browser profile: empty IndexedDB, its own random salt until it reads the mirror.
    const b = await env.openReg();
    const other = await connectHA(env.sim.url, env.sim.adminToken);
    try {
      const mirrorB = new RegistryMirror(b, other, { debounceMs: 10_000 });
      await mirrorB.start();
      mirrorB.stop();
      assert.equal(mirrorB.status.state, "synced");
      assert.deepEqual(b.salt, a.salt, "the fingerprint salt is adopted, so fingerprints compare");
      assert.equal(withoutTimes(await registryState(b)), withoutTimes(before), "every instance, generation, copy and journal entry is back");
      const r = await b.reconcile(other, env.sim.url);
      assert.equal(r.newGeneration, null);
      assert.equal(r.changedElsewhere, false);
      assert.deepEqual((await b.copies(r.instanceId)).filter((c) => c.confidence === "verified").length, before.copies.filter((c) => c.confidence === "verified").length, "proofs are shown without checking again");
    } finally {
      other.close();
    }
  });

  it("two open browsers converge: what one proves, the other shows", async () => {
    await clearMirror(conn);
    const a = await env.openReg();
    const { instanceId } = await a.reconcile(conn, env.sim.url);
    const connB = await connectHA(env.sim.url, env.sim.adminToken);
    const mirrorA = new RegistryMirror(a, conn, { debounceMs: 10_000 });
    try {
      await mirrorA.start();
      await mirrorA.flush();
      const b = await env.openReg();
      const mirrorB = new RegistryMirror(b, connB, { debounceMs: 10_000 });
      await mirrorB.start();
      try {
        const target = (await a.copies(instanceId)).find((c) => c.protected && !c.deleted)!;
        await a.recordCheck(instanceId, target.backupId, target.agentId, { fingerprint: await a.fingerprint(keys[2]!) });
        await mirrorA.flush();
        const seen = async () => (await b.copies(instanceId)).find((c) => c.backupId === target.backupId && c.agentId === target.agentId)!.confidence === "verified";
        await until(b, seen, "the proof to reach the other browser");
        // And back: a kit marked proven in B reaches A.
        const gen = (await b.generations(instanceId)).find((g) => g.status === "active")!;
        await b.markKit(instanceId, gen.id, "proven");
        await mirrorB.flush();
        await until(a, async () => (await a.generations(instanceId)).find((g) => g.id === gen.id)!.kitProvenAt !== null, "the kit proof to come back");
      } finally {
        mirrorB.stop();
      }
    } finally {
      mirrorA.stop();
      connB.close();
    }
  });

  it("keeps a browser with its own generations and another salt as it is, saying the registry is only on this device", async () => {
    await clearMirror(conn);
    const a = await env.openReg();
    await a.reconcile(conn, env.sim.url);
    const mirrorA = new RegistryMirror(a, conn, { debounceMs: 10_000 });
    await mirrorA.start();
    await mirrorA.flush();
    mirrorA.stop();
    const c = await env.openReg();
    await c.reconcile(conn, env.sim.url);
    const before = JSON.stringify(await c.dump());
    const manifest = await conn.sendMessagePromise({ type: "frontend/get_user_data", key: MIRROR_KEY });
    const mirrorC = new RegistryMirror(c, conn, { debounceMs: 10_000 });
    await mirrorC.start();
    await mirrorC.flush();
    mirrorC.stop();
    assert.deepEqual(mirrorC.status, { state: "local_only", reason: "other_registry" });
    assert.equal(JSON.stringify(await c.dump()), before, "nothing changed locally");
    assert.deepEqual(await conn.sendMessagePromise({ type: "frontend/get_user_data", key: MIRROR_KEY }), manifest, "nothing written to HA");
  });

  it("falls back to this device when HA lacks the commands or refuses the write", async () => {
    const reg = await env.openReg();
    await reg.reconcile(conn, env.sim.url);
    const before = JSON.stringify(await reg.dump());
    const fake = (answer: (m: { type: string }) => Promise<unknown>): HaConnection => ({
      haVersion: "2026.11.0",
      sendMessagePromise: <T>(m: { type: string }) => answer(m) as Promise<T>,
      subscribeMessage: () => Promise.reject({ code: "unknown_command", message: "Unknown command." }),
    });
    const statuses: MirrorStatus[] = [];
    const old = new RegistryMirror(reg, fake(() => Promise.reject({ code: "unknown_command", message: "Unknown command." })), { onStatus: (s) => statuses.push(s) });
    await old.start();
    old.stop();
    assert.deepEqual(statuses, [{ state: "local_only", reason: "unsupported" }]);
    const refusing = new RegistryMirror(
      reg,
      fake((m) => (m.type === "frontend/get_user_data" ? Promise.resolve({ value: null }) : Promise.reject({ code: "home_assistant_error", message: "Disk full" }))),
      { debounceMs: 10_000 },
    );
    await refusing.start();
    await refusing.flush();
    refusing.stop();
    assert.deepEqual(refusing.status, { state: "local_only", reason: "refused" });
    assert.equal(JSON.stringify(await reg.dump()), before, "the registry keeps working from IndexedDB, unchanged");
  });
});

describe("mirror encoding", () => {
  it("round-trips a real registry exactly, and a merge of it with itself", async () => {
    const reg = await env.openReg();
    const { instanceId } = await reg.reconcile(conn, env.sim.url);
    await verifyOnline(reg, conn, instanceId, [keys[2]!, keys[0]!], { pauseMs: 0 });
    const state = await registryState(reg);
    const packed = await packMirror(state, reg.salt);
    const back = await unpackMirror(packed.parts, packed.sha256);
    assert.deepEqual(back.salt, reg.salt);
    assert.deepEqual(mergeStates(back.state, emptyState()), state);
    assert.equal((await packMirror(mergeStates(back.state, state), reg.salt)).sha256, packed.sha256, "the same state always hashes the same");
  });

  it("refuses a damaged mirror with the place of the problem", async () => {
    const reg = await env.openReg();
    await reg.reconcile(conn, env.sim.url);
    const text = encodeState(await registryState(reg), reg.salt);
    const doc = JSON.parse(text);
    doc.g[0][4] = 9;
    assert.throws(() => decodeState(JSON.stringify(doc)), (e) => e instanceof MirrorFormatError && e.path === "$.g[0][4]");
    const packed = await packMirror(await registryState(reg), reg.salt);
    await assert.rejects(unpackMirror([packed.parts[0]!.slice(0, 40)], packed.sha256), MirrorFormatError);
    await assert.rejects(unpackMirror(packed.parts, "0".repeat(64)), (e) => e instanceof MirrorFormatError && e.path === "$.sha256");
  });

  it("10 000 backups × 3 locations × 50 generations fit in well under 2 MiB, in parts far below HA's 4 MiB message limit", async () => {
    const at = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 3_600_000).toISOString();
    const hex = (n: number, len: number) => n.toString(16).padStart(len, "0").slice(-len);
    const generations: GenerationRecord[] = Array.from({ length: 50 }, (_, n) => ({
      id: crypto.randomUUID(), instanceId: "inst", number: n + 1, fingerprint: hex(n * 7919 + 1, 8).repeat(8), status: n === 49 ? "active" : "retired",
      origin: "elsewhere", firstSeenAt: at(n * 200), activatedAt: at(n * 200), lastSeenActiveAt: at(n * 200 + 150), retiredAt: n === 49 ? null : at(n * 200 + 199),
      kitDownloadedAt: at(n * 200 + 1), kitProvenAt: n % 2 ? at(n * 200 + 2) : null, label: null,
    }));
    const copies: CopyRecord[] = [];
    for (let b = 0; b < 10_000; b++) {
      for (const agentId of ["hassio.local", "cloud.cloud", "hassio.nas"]) {
        const protectedCopy = agentId !== "hassio.nas";
        const verified = b % 3 === 0;
        copies.push({
          instanceId: "inst", backupId: hex(b * 2654435761, 8), agentId, name: b % 5 === 4 ? "Before upgrading to 2026.3.4" : "Automatic backup 2026.3.4",
          date: at(b).replace("Z", "+00:00"), size: 10_000_000 + ((b * 7919) % 5_000_000), protected: protectedCopy,
          generationId: protectedCopy ? generations[Math.floor(b / 200)]!.id : null, confidence: protectedCopy ? (verified ? "verified" : "inferred") : "unencrypted",
          lastCheck: verified && protectedCopy ? { result: "ok", at: at(b + 5) } : null, deleted: b < 100, deletedAt: b < 100 ? at(b + 900) : null, mismatch: false,
        });
      }
    }
    const state = mergeStates({ instances: [{ id: "inst", haInstanceId: "f".repeat(32), urlKey: "http://ha|Home", name: "Home", url: "http://ha", firstSeenAt: at(0), lastReconciledAt: at(1), noKey: false }], generations, copies, journal: [] }, emptyState());
    const packed = await packMirror(state, new Uint8Array(32).fill(7));
    const bytes = packed.parts.reduce((n, p) => n + p.length, 0);
    assert.ok(bytes < 2 * 1024 * 1024, `${bytes} bytes`);
    assert.ok(packed.parts.every((p) => p.length <= MIRROR_PART_CHARS));
    const back = await unpackMirror(packed.parts, packed.sha256);
    assert.equal(back.state.copies.length, 30_000);
  });
});

describe("vault in the mirror (separate opt-in)", () => {
  it("stays out of HA until opted in; then a new browser gets it back and opens it with the passphrase; opting out removes it", async () => {
    const { Vault } = await import("../../../src/registry/vault.js");
    const { VAULT_MIRROR_KEY } = await import("../../../src/registry/vault-mirror.js");
    const vaultInHa = async () => (await conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: VAULT_MIRROR_KEY })).value;
    await clearMirror(conn);
    await conn.sendMessagePromise({ type: "frontend/set_user_data", key: VAULT_MIRROR_KEY, value: null });
    const a = await env.openReg();
    const { instanceId } = await a.reconcile(conn, env.sim.url);
    const active = (await a.generations(instanceId)).find((g) => g.status === "active")!;
    const vault = new Vault(a);
    await vault.create("a long vault passphrase");
    await vault.store(active.id, keys[2]!);
    const mirrorA = new RegistryMirror(a, conn, { debounceMs: 10_000 });
    try {
      await mirrorA.start();
      await mirrorA.flush();
      assert.equal(await vaultInHa(), null, "not mirrored without the opt-in");
      await mirrorA.setVaultMirrored(true);
      const stored = JSON.stringify(await vaultInHa());
      assert.ok(!stored.includes(keys[2]!), "only ciphertext goes to HA");

      const b = await env.openReg();
      const mirrorB = new RegistryMirror(b, conn, { debounceMs: 10_000 });
      await mirrorB.start();
      mirrorB.stop();
      const restored = new Vault(b);
      await assert.rejects(restored.unlock("a wrong passphrase!"));
      await restored.unlock("a long vault passphrase");
      assert.equal(await restored.load(active.id), keys[2]);

      await mirrorA.setVaultMirrored(false);
      assert.equal(await vaultInHa(), null, "opting out removes the copy from HA");
    } finally {
      mirrorA.stop();
    }
  });
});
