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

test("a page shows what is stored before reconciling: the facts are there while the reconciliation still waits on HA", async () => {
  const name = `session-stored-${process.pid}`;
  const snapshot = await loadInstance(conn);
  const first = new KeyringSession(name, () => undefined);
  try {
    await first.fold(snapshot, sim.url, conn);
  } finally {
    await first.close();
  }
  // A second page whose HA answers the mirror read only when we say so: its reconciliation waits.
  let answer!: () => void;
  const held = new Promise<void>((resolve) => (answer = resolve));
  let reached!: () => void;
  const atGate = new Promise<void>((resolve) => (reached = resolve));
  const gate = async () => {
    reached();
    await held;
  };
  const slow = {
    haVersion: conn.haVersion,
    sendMessagePromise: async <T>(m: { type: string }) => {
      if (m.type === "frontend/get_user_data") await gate();
      return conn.sendMessagePromise<T>(m);
    },
    subscribeMessage: async <T>(cb: (ev: T) => void, m: { type: string }) => {
      if (m.type === "frontend/subscribe_user_data") await gate();
      return conn.subscribeMessage<T>(cb, m);
    },
  };
  const page = new KeyringSession(name, () => undefined);
  try {
    await page.showStored(snapshot, sim.url);
    assert.equal(page.ready, true);
    const stored = page.facts.copies.length;
    assert.ok(stored > 0 && page.facts.active !== null, "copies and the current generation show from IndexedDB");
    let folded = false;
    const reconciling = page.fold(snapshot, sim.url, slow).then(() => (folded = true));
    // The mirror's read has reached HA (and waits there): only then is "not folded yet" worth saying.
    await atGate;
    assert.equal(folded, false, "the reconciliation is still waiting on HA");
    assert.equal(page.facts.copies.length, stored);
    answer();
    await reconciling;
    assert.equal(page.mirrorStatus?.state, "synced");
  } finally {
    answer();
    await page.close();
  }
});
