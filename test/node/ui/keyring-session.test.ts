// The session reads the registry once per change, not once per listener and caller.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { loadInstance } from "../../../src/data/instance.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { KeyringSession } from "../../../src/ui/keyring-session.js";
import { connectHA } from "../../support/ha-client.js";

let sim: SimHandle;
let conn: Connection;
before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 4, now: "2026-11-27T12:00:00Z" });
  conn = await connectHA(sim.url, sim.adminToken);
});
after(async () => {
  conn.close();
  await sim.close();
});

test("a fold reads the registry once, and a loaded key is in the next facts", async () => {
  const session = new KeyringSession(`session-${process.pid}`, () => undefined);
  try {
    await session.fold(await loadInstance(conn), sim.url);
    const registry = await session.openRegistry();
    let reads = 0;
    const copies = registry.copies.bind(registry);
    registry.copies = (id: string) => {
      reads++;
      return copies(id);
    };
    await session.fold(await loadInstance(conn), sim.url);
    assert.equal(reads, 1, "the change listener and the fold share one read");
    const keys = (await sim.control({ type: "demo_keys" })) as string[];
    const { fingerprint } = await session.loadKit(keys[0]!);
    assert.ok(session.facts.held.has(fingerprint), "the held keys are current after loading a kit");
    assert.equal(session.facts.held.size, 2);
  } finally {
    session.close();
  }
});
