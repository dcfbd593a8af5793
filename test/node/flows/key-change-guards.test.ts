// The key change's two guards a user relies on without seeing them: only the NEW kit counts as
// proof that it was saved, and a key changed elsewhere while the commit waits for a running backup
// is never overwritten.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, afterEach, before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { inProcessLocks } from "../../../src/common/locks.js";
import { KeyChangeFlow } from "../../../src/flows/key-change/flow.js";
import { registryPort } from "../../../src/flows/key-change/registry-port.js";
import { Registry } from "../../../src/registry/registry.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { connectHA } from "../../support/ha-client.js";

let sim: SimHandle;
let conn: Connection;
let n = 0;
const open: Registry[] = [];
const locks = inProcessLocks();

before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 4, now: "2026-11-27T12:00:00Z", stageDelayMs: 5 });
  conn = await connectHA(sim.url, sim.adminToken);
});
after(async () => {
  for (const r of open) r.close();
  conn.close();
  await sim.close();
});
afterEach(async () => {
  await sim.control({ type: "set_manager_state", state: { manager_state: "idle" } });
});

async function flowAtNewKey(): Promise<{ flow: KeyChangeFlow; registry: Registry; downloads: { name: string; text: string }[] }> {
  const registry = await Registry.open(`flow-guards-${process.pid}-${++n}`, locks);
  open.push(registry);
  const downloads: { name: string; text: string }[] = [];
  const flow = new KeyChangeFlow({
    conn,
    registry: registryPort(registry, sim.url),
    locks,
    kit: { instanceName: "Home", url: sim.url, language: "en", timeZone: "UTC" },
    download: (name, text) => downloads.push({ name, text }),
    randomBytes: (k) => new Uint8Array(randomBytes(k)),
    now: () => new Date(),
  });
  await flow.start();
  assert.equal(flow.state.step, "old_key", JSON.stringify(flow.state.problem));
  flow.downloadOldKit();
  flow.acknowledgeOldKit(true);
  flow.next();
  await flow.downloadNewKit();
  return { flow, registry, downloads };
}

const haKey = async () => ((await sim.control({ type: "get_state" })) as { config: { create_backup: { password: string | null } } }).config.create_backup.password;

/** Resolves when the flow reaches `step` (it reports every state change to its subscribers). */
const reach = (flow: KeyChangeFlow, step: string) =>
  new Promise<void>((resolve) => {
    const stop = flow.subscribe((s) => {
      if (s.step === step) {
        queueMicrotask(() => stop());
        resolve();
      }
    });
  });

describe("proof that the new kit was saved", () => {
  it("the old kit, an unreadable file or a wrong group is no proof: the key cannot be committed", async () => {
    const { flow, downloads } = await flowAtNewKey();
    const [oldKit, newKit] = [downloads[0]!.text, downloads[1]!.text];
    assert.equal(flow.proveWithKit(oldKit), false, "the old kit parses, but holds the old key");
    assert.equal(flow.state.proofError, "other_key");
    assert.equal(flow.canCommit, false);
    assert.equal(flow.proveWithKit("not a kit at all"), false);
    assert.equal(flow.state.proofError, "unreadable");
    assert.equal(flow.canCommit, false);
    const before = await haKey();
    await flow.commit();
    assert.equal(await haKey(), before, "commit without proof sends nothing");
    assert.equal(flow.state.step, "new_key");
    assert.equal(flow.proveWithKit(newKit), true);
    assert.equal(flow.state.proofError, null);
    assert.equal(flow.canCommit, true);
    await flow.cancel();
  });
});

describe("a key changed elsewhere while the commit waits for a running backup", () => {
  it("is not overwritten: the flow stops with changed_elsewhere and nothing is left pending", async () => {
    const { flow, registry, downloads } = await flowAtNewKey();
    assert.equal(flow.proveWithKit(downloads[1]!.text), true);
    await sim.control({ type: "set_manager_state", state: { manager_state: "create_backup", stage: null, state: "in_progress", reason: null } });
    const waiting = reach(flow, "waiting_for_idle");
    const committing = flow.commit();
    await waiting;
    // Someone changes the key in HA's own settings meanwhile; then the backup finishes.
    const elsewhere = "ELSE-WHER-EKEY-0000-0000-0000-0000";
    await sim.control({ type: "set_password", password: elsewhere });
    await sim.control({ type: "set_manager_state", state: { manager_state: "idle" } });
    await committing;
    assert.equal(flow.state.step, "aborted");
    assert.equal(flow.state.problem?.code, "changed_elsewhere");
    assert.equal(await haKey(), elsewhere, "HA keeps the key it was given elsewhere");
    const gens = await registry.generations(flow.state.instanceId!);
    assert.equal(gens.filter((g) => g.status === "pending").length, 0);
  });
});
