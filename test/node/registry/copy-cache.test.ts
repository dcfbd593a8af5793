// The copies a registry keeps from its last read (per bucket, by revision) must never hide a
// write: two registries on one database (two tabs), one records a proof or imports, the other
// reconciles and reads — the proof is kept and shown, never overwritten from a stale cache.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { exportRegistry, importRegistry } from "../../../src/registry/exchange.js";
import { mergeIntoRegistry, registryState } from "../../../src/registry/mirror.js";
import { useRegistryEnv } from "../../support/registry-env.js";

const env = useRegistryEnv("copy-cache-test", { backups: 6 });
let conn: Connection;
let keys: string[];
before(async () => {
  await env.ready;
  ({ conn, keys } = env);
});

describe("copy cache", () => {
  it("a proof recorded by another tab survives this tab's next reconciliation and shows in its reads", async () => {
    const name = env.freshName();
    const tabA = await env.openReg(name);
    const tabB = await env.openReg(name);
    const { instanceId } = await tabA.reconcile(conn, env.sim.url);
    await tabA.copies(instanceId); // this tab has read (and keeps) every bucket
    const target = (await tabB.copies(instanceId)).find((c) => c.protected && c.confidence !== "verified")!;
    await tabB.recordCheck(instanceId, target.backupId, target.agentId, { fingerprint: await tabB.fingerprint(keys[2]!) });
    const r = await tabA.reconcile(conn, env.sim.url);
    assert.equal(r.added, 0);
    for (const reg of [tabA, tabB]) {
      const seen = (await reg.copies(instanceId)).find((c) => c.backupId === target.backupId && c.agentId === target.agentId)!;
      assert.equal(seen.confidence, "verified");
    }
    // And a second unchanged reconciliation keeps the fresh bucket, not the old read.
    await tabA.reconcile(conn, env.sim.url);
    assert.equal((await tabA.copies(instanceId)).find((c) => c.backupId === target.backupId && c.agentId === target.agentId)!.confidence, "verified");
  });

  it("an import and a mirror merge bump their buckets' revisions, so their copies show at once", async () => {
    const source = await env.openReg();
    const { instanceId } = await source.reconcile(conn, env.sim.url);
    const textBefore = await exportRegistry(source);
    const stateBefore = await registryState(source);
    const target = (await source.copies(instanceId)).find((c) => c.protected)!;
    await source.recordCheck(instanceId, target.backupId, target.agentId, { fingerprint: await source.fingerprint(keys[2]!) });
    const proven = async (reg: typeof source) => (await reg.copies(instanceId)).find((c) => c.backupId === target.backupId && c.agentId === target.agentId)!.confidence;

    // Each receiving registry first knows the instance without the proof, reconciles and reads
    // it (so it caches every bucket); then the proof arrives.
    const viaImport = await env.openReg();
    await importRegistry(viaImport, textBefore);
    await viaImport.reconcile(conn, env.sim.url);
    assert.notEqual(await proven(viaImport), "verified"); // a fresh registry only guesses (or knows nothing)
    await importRegistry(viaImport, await exportRegistry(source));
    assert.equal(await proven(viaImport), "verified");

    const viaMirror = await env.openReg();
    viaMirror.saltAdopted(source.salt); // what the mirror's salt adoption does
    await mergeIntoRegistry(viaMirror, stateBefore);
    await viaMirror.reconcile(conn, env.sim.url);
    assert.notEqual(await proven(viaMirror), "verified");
    await mergeIntoRegistry(viaMirror, await registryState(source));
    assert.equal(await proven(viaMirror), "verified");
  });
});
