// The session reads the registry once per change, not once per listener and caller.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { loadInstance } from "../../../src/data/instance.js";
import { canDecryptOnDownload } from "../../../src/data/backup.js";
import { parseEmergencyKit } from "../../../src/kit/parse.js";
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

test("a page closed while its reconciliation is under way asks HA nothing more and keeps no mirror running", async () => {
  const name = `session-closed-${process.pid}`;
  const snapshot = await loadInstance(conn);
  // Every call the closed page would make to HA from now on goes through here.
  const sent: string[] = [];
  const watched = {
    haVersion: conn.haVersion,
    sendMessagePromise: <T>(m: { type: string }) => {
      sent.push(m.type);
      return conn.sendMessagePromise<T>(m);
    },
    subscribeMessage: (<T>(cb: (ev: T) => void, m: { type: string }) => {
      sent.push(m.type);
      return conn.subscribeMessage<T>(cb, m);
    }) as Connection["subscribeMessage"],
  };
  for (const closeAfter of [0, 1]) {
    sent.length = 0;
    const page = new KeyringSession(`${name}-${closeAfter}`, () => undefined);
    // Closed at once, or once the registry is open (the panel is removed while it loads).
    if (closeAfter === 1) await page.showStored(snapshot, sim.url);
    const folding = page.fold(snapshot, sim.url, watched).then(
      () => "folded",
      () => "stopped",
    );
    page.close();
    assert.equal(await folding, "stopped", "the reconciliation ends with the page");
    assert.deepEqual(sent, [], "nothing sent to HA after the page closed (no mirror read, no subscription)");
  }
});

test("a generated key of an unknown generation typed loosely is checked online in every form it was loaded in, and opens its backups", async () => {
  const session = new KeyringSession(`session-loose-${process.pid}`, () => undefined);
  try {
    await session.fold(await loadInstance(conn), sim.url);
    const keys = (await sim.control({ type: "demo_keys" })) as string[];
    // The oldest demo key, which no generation in this registry has yet, typed in lower case with spaces.
    const loose = keys[0]!.toLowerCase().replace(/-/g, " ");
    const res = await session.loadKit(loose);
    assert.equal(res.generation, null, "no generation knows this key yet");
    assert.equal(res.fingerprints.length, 2, "held as typed and tidied");
    const registry = await session.openRegistry();
    assert.deepEqual(res.fingerprints, [await registry.fingerprint(loose), await registry.fingerprint(keys[0]!)]);
    // What the panel checks right after loading: every form, not only the first.
    const summary = await session.verify(conn, { fingerprints: res.fingerprints, scope: "candidates", backups: res.listed });
    assert.ok(summary.opened > 0, `opened ${summary.opened} of ${summary.checked}`);
    assert.ok(session.generationOf(res.fingerprints), "the tidied form now has a generation");
  } finally {
    session.close();
  }
});

test("loading an old kit proves its copies online; its kit downloaded again lists under '- ' only copies its key opens", async () => {
  const session = new KeyringSession(`session-kit-${process.pid}`, () => undefined);
  try {
    await session.fold(await loadInstance(conn), sim.url);
    const keys = (await sim.control({ type: "demo_keys" })) as string[];
    // The demo's first kit, as the simulated HA serves it.
    const kitText = await (await fetch(`${sim.url}/demo/kits/home_assistant_backup_emergency_kit_demo_key1.txt`)).text();
    const loaded = await session.loadKit(kitText);
    assert.equal(loaded.generation, null, "a key this registry did not know");
    const sum = await session.verify(conn, { fingerprints: [loaded.fingerprint], scope: "candidates", backups: loaded.listed, pauseMs: 0 });
    assert.ok(sum.opened > 0, JSON.stringify(sum));
    const g = session.facts.generations.find((x) => x.fingerprint === loaded.fingerprint);
    assert.ok(g, "the key became a generation");
    const verified = session.facts.copies.filter((c) => c.generationId === g.id && c.confidence === "verified");
    assert.equal(verified.length, sum.opened, "every copy it opened is recorded as proven");
    const names = { "hassio.local": "Local", "cloud.cloud": "Cloud", "hassio.nas": "NAS" } as const;
    const kit = await session.generationKit(g.id, { url: sim.url, instanceName: "Home", language: "en", timeZone: "UTC", locationNames: names });
    const parsed = parseEmergencyKit(kit.text);
    assert.equal(parsed.key, keys[0]);
    assert.ok((parsed.backups?.length ?? 0) > 0);
    const agentOf = Object.fromEntries(Object.entries(names).map(([id, name]) => [name, id]));
    for (const b of parsed.backups!) for (const location of b.locations) await canDecryptOnDownload(conn, b.backup_id, agentOf[location]!, keys[0]!);
    assert.deepEqual(new Set(parsed.backups!.map((b) => b.backup_id)), new Set(verified.map((c) => c.backupId)));
  } finally {
    session.close();
  }
});
