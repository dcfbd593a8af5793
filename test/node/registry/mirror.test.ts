// The registry mirror in HA's per-user frontend storage, against the simulated HA (real client,
// fake-indexeddb): a cleared browser gets everything back, two browsers converge, a write goes
// out only when facts changed and carries only the parts that did, a reader fetches only those,
// a read racing a writer retries, a registry under another salt has a way out, the salt a second
// registry on the same database adopts is the one every registry fingerprints with, hostile
// names round-trip, and HA without the commands or refusing writes leaves the registry working on
// this device only.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { afterEach, before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import type { BackupInfo } from "../../../src/data/backup.js";
import type { HaConnection } from "../../../src/data/connection.js";
import { bucketOf } from "../../../src/registry/copy-store.js";
import { mergeStates, emptyState, journalKey, type RegistryState } from "../../../src/registry/merge.js";
import { COPY_GROUPS, MIRROR_PART_CHARS, MirrorFormatError, PART_IDS, RULES, decodeGroup, decodeHeader, encodeGroup, encodeHeader, packPart, unpackPart } from "../../../src/registry/mirror-codec.js";
import { MIRROR_KEY, RegistryMirror, chunkKey, registryState, type MirrorManifest, type MirrorStatus, type MirrorTimers } from "../../../src/registry/mirror.js";
import type { CopyRecord, GenerationRecord } from "../../../src/registry/model.js";
import type { Registry } from "../../../src/registry/registry.js";
import { verifyOnline } from "../../../src/registry/verify.js";
import { closeAfterTest, closeOpened, connectHA } from "../../support/ha-client.js";
import { useRegistryEnv } from "../../support/registry-env.js";

afterEach(closeOpened);

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

const withoutTimes = (s: RegistryState) =>
  JSON.stringify({ ...s, instances: s.instances.map(({ lastReconciledAt: _, ...x }) => x), generations: s.generations.map(({ lastSeenActiveAt: _, ...x }) => x) });

async function clearMirror(c: HaConnection) {
  await c.sendMessagePromise({ type: "frontend/set_user_data", key: MIRROR_KEY, value: null });
}

/** A connection that records every message it sends (and can hold some back). */
function recorded(c: HaConnection, hold?: (m: { type: string; key?: unknown; value?: unknown }) => Promise<void> | undefined) {
  const sent: { type: string; key?: string }[] = [];
  const conn: HaConnection = {
    haVersion: c.haVersion,
    async sendMessagePromise<T>(m: { type: string; [k: string]: unknown }) {
      sent.push({ type: m.type, key: m.key as string | undefined });
      await hold?.(m);
      return c.sendMessagePromise<T>(m);
    },
    subscribeMessage: c.subscribeMessage.bind(c),
  };
  const writes = () => sent.filter((m) => m.type === "frontend/set_user_data" && m.key?.startsWith(MIRROR_KEY));
  const reads = () => sent.filter((m) => m.type === "frontend/get_user_data" && m.key?.startsWith(`${MIRROR_KEY}.`));
  return { conn, sent, writes, reads, clear: () => void sent.splice(0) };
}

/** Timers a test moves by hand: nothing runs until `run()`. */
function manualTimers(): MirrorTimers & { pending(): number; run(): void; advance(ms: number): void } {
  let now = 0;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimeout: (fn, ms) => (due.set(++seq, { at: now + ms, fn }), seq),
    clearTimeout: (h) => void due.delete(h as number),
    now: () => now,
    pending: () => due.size,
    advance(ms) {
      now += ms;
    },
    run() {
      for (const [h, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        due.delete(h);
        now = Math.max(now, t.at);
        t.fn();
      }
    },
  };
}

const mirrorOf = async (c: HaConnection) => (await c.sendMessagePromise<{ value: MirrorManifest | null }>({ type: "frontend/get_user_data", key: MIRROR_KEY })).value;

describe("registry mirror", () => {
  it("a cleared browser gets every fact back on connect, and reconciling afterwards adds no new generation", async () => {
    await clearMirror(conn);
    const a = await env.openReg();
    const { instanceId } = await a.reconcile(conn, env.sim.url);
    await verifyOnline(a, conn, instanceId, [keys[2]!], { pauseMs: 0 });
    const mirrorA = new RegistryMirror(a, conn, { lifecycle: null });
    await mirrorA.start();
    await mirrorA.flush();
    assert.equal(mirrorA.status.state, "synced");
    mirrorA.stop();
    const before = await registryState(a);
    assert.ok(
      before.copies.some((c) => c.confidence === "verified"),
      "something was proven",
    );

    // A new browser profile: empty IndexedDB, its own random salt until it reads the mirror.
    const b = await env.openReg();
    const other = closeAfterTest(await connectHA(env.sim.url, env.sim.adminToken));
    const mirrorB = new RegistryMirror(b, other, { lifecycle: null });
    await mirrorB.start();
    mirrorB.stop();
    assert.equal(mirrorB.status.state, "synced");
    assert.deepEqual(b.salt, a.salt, "the fingerprint salt is adopted, so fingerprints compare");
    assert.equal(withoutTimes(await registryState(b)), withoutTimes(before), "every instance, generation, copy fact and journal entry is back");
    const r = await b.reconcile(other, env.sim.url);
    assert.equal(r.newGeneration, null);
    assert.equal(r.changedElsewhere, false);
    assert.equal(
      (await b.copies(r.instanceId)).filter((c) => c.confidence === "verified").length,
      before.copies.filter((c) => c.confidence === "verified").length,
      "proofs are shown without checking again",
    );
    // Beliefs by date come from the merged timeline: the same as in the first browser.
    const guesses = async (reg: Registry) => (await reg.copies(instanceId)).map((c) => [c.backupId, c.agentId, c.generationId, c.confidence].join());
    assert.deepEqual(await guesses(b), await guesses(a));
  });

  it("two open browsers converge: what one proves, the other shows", async () => {
    await clearMirror(conn);
    const a = await env.openReg();
    const { instanceId } = await a.reconcile(conn, env.sim.url);
    const connB = closeAfterTest(await connectHA(env.sim.url, env.sim.adminToken));
    const mirrorA = new RegistryMirror(a, conn, { lifecycle: null });
    try {
      await mirrorA.start();
      await mirrorA.flush();
      const b = await env.openReg();
      const mirrorB = new RegistryMirror(b, connB, { lifecycle: null });
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
    }
  });

  it("writes only when facts changed, only the parts that changed; another browser fetches only those", async () => {
    await clearMirror(conn);
    const a = await env.openReg();
    const { instanceId } = await a.reconcile(conn, env.sim.url);
    const rec = recorded(conn);
    const mirrorA = new RegistryMirror(a, rec.conn, { lifecycle: null });
    const connB = closeAfterTest(await connectHA(env.sim.url, env.sim.adminToken));
    const recB = recorded(connB);
    const b = await env.openReg();
    const mirrorB = new RegistryMirror(b, recB.conn, { lifecycle: null });
    try {
      await mirrorA.start();
      await mirrorA.flush();
      assert.ok(rec.writes().length >= PART_IDS.length, "the first write sends every part");
      await mirrorB.start();
      // Reconciling again (the last-seen times move) is no new fact: nothing is written.
      rec.clear();
      await a.reconcile(conn, env.sim.url);
      await mirrorA.flush();
      assert.deepEqual(rec.writes(), [], "an unchanged registry writes nothing");

      // One proof: its copy part and the header (the journal entry), then the manifest.
      const target = (await a.copies(instanceId)).find((c) => c.protected && !c.deleted)!;
      await a.recordCheck(instanceId, target.backupId, target.agentId, { fingerprint: await a.fingerprint(keys[2]!) });
      recB.clear();
      await mirrorA.flush();
      const part = (key: string) => (key === MIRROR_KEY ? "manifest" : key.split(".")[1]!);
      const proofPart = `c${bucketOf(target.backupId) % COPY_GROUPS}`;
      assert.deepEqual([...new Set(rec.writes().map((w) => part(w.key!)))].sort(), [proofPart, "h", "manifest"].sort(), "the proof's part, the header, the manifest");
      await until(b, async () => (await b.copies(instanceId)).some((c) => c.backupId === target.backupId && c.agentId === target.agentId && c.confidence === "verified"), "the proof in B");
      assert.deepEqual([...new Set(recB.reads().map((r) => part(r.key!)))].sort(), [proofPart, "h"].sort(), "B fetched only the parts that changed");
    } finally {
      mirrorA.stop();
      mirrorB.stop();
    }
  });

  it("keeps a browser with its own generations and another salt as it is, and offers both ways out", async () => {
    await clearMirror(conn);
    const a = await env.openReg();
    const ra = await a.reconcile(conn, env.sim.url);
    await a.markKit(ra.instanceId, ra.active!.id, "proven");
    const mirrorA = new RegistryMirror(a, conn, { lifecycle: null });
    await mirrorA.start();
    await mirrorA.flush();
    mirrorA.stop();
    const c = await env.openReg();
    await c.reconcile(conn, env.sim.url);
    const before = JSON.stringify(await c.dump());
    const manifest = await mirrorOf(conn);
    const mirrorC = new RegistryMirror(c, conn, { lifecycle: null });
    await mirrorC.start();
    await mirrorC.flush();
    assert.deepEqual(mirrorC.status, { state: "local_only", reason: "other_registry" });
    assert.equal(JSON.stringify(await c.dump()), before, "nothing changed locally");
    assert.deepEqual(await mirrorOf(conn), manifest, "nothing written to HA");

    // Way out 1: use HA's registry here (the session saves an export of this one first).
    await mirrorC.useMirrored();
    assert.equal(mirrorC.status.state, "synced");
    assert.deepEqual(c.salt, a.salt);
    const rc = await c.reconcile(conn, env.sim.url);
    assert.equal(rc.changedElsewhere, false, "HA's key is the mirrored registry's generation, not a change elsewhere");
    assert.deepEqual(
      (await c.generations(rc.instanceId)).map((g) => [g.id, g.kitProvenAt]),
      (await a.generations(ra.instanceId)).map((g) => [g.id, g.kitProvenAt]),
    );
    mirrorC.stop();

    // Way out 2: keep this browser's registry and write it over HA's.
    const d = await env.openReg();
    const rd = await d.reconcile(conn, env.sim.url);
    const mirrorD = new RegistryMirror(d, conn, { lifecycle: null });
    await mirrorD.start();
    assert.deepEqual(mirrorD.status, { state: "local_only", reason: "other_registry" });
    await mirrorD.replaceMirrored();
    assert.equal(mirrorD.status.state, "synced");
    mirrorD.stop();
    const now = await mirrorOf(conn);
    assert.equal(now!.salt, Buffer.from(d.salt).toString("base64"), "HA holds this browser's registry now");
    const e = await env.openReg();
    const mirrorE = new RegistryMirror(e, conn, { lifecycle: null });
    await mirrorE.start();
    mirrorE.stop();
    assert.deepEqual(
      (await e.generations(rd.instanceId)).map((g) => g.id),
      (await d.generations(rd.instanceId)).map((g) => g.id),
    );
  });

  it("a second registry on the same database fingerprints with the salt the first adopted from HA", async () => {
    await clearMirror(conn);
    const a = await env.openReg();
    await a.reconcile(conn, env.sim.url);
    const mirrorA = new RegistryMirror(a, conn, { lifecycle: null });
    await mirrorA.start();
    await mirrorA.flush();
    mirrorA.stop();
    // A fresh profile: two registries opened on it before anything was read (the panel's and the card's).
    const name = env.freshName();
    const panel = await env.openReg(name);
    const card = await env.openReg(name);
    const mirror = new RegistryMirror(panel, conn, { lifecycle: null });
    await mirror.start();
    mirror.stop();
    assert.deepEqual(panel.salt, a.salt);
    const r = await card.reconcile(conn, env.sim.url);
    assert.equal(r.changedElsewhere, false, "no bogus 'changed elsewhere' generation");
    assert.equal(r.newGeneration, null);
    assert.equal((await card.generations(r.instanceId)).length, (await a.generations(r.instanceId)).length);
    assert.equal(await card.fingerprint(keys[2]!), await a.fingerprint(keys[2]!));
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
    const old = new RegistryMirror(
      reg,
      fake(() => Promise.reject({ code: "unknown_command", message: "Unknown command." })),
      { onStatus: (s) => statuses.push(s), lifecycle: null },
    );
    await old.start();
    old.stop();
    assert.deepEqual(statuses, [{ state: "local_only", reason: "unsupported" }]);
    const refusing = new RegistryMirror(
      reg,
      fake((m) => (m.type === "frontend/get_user_data" ? Promise.resolve({ value: null }) : Promise.reject({ code: "home_assistant_error", message: "Disk full" }))),
      { lifecycle: null },
    );
    await refusing.start();
    await refusing.flush();
    refusing.stop();
    assert.deepEqual(refusing.status, { state: "local_only", reason: "refused" });
    assert.equal(JSON.stringify(await reg.dump()), before, "the registry keeps working from IndexedDB, unchanged");
  });
});

describe("mirror writes: debounce, coalescing, closing", () => {
  it("several changes become one write after the debounce; a change waits at most the longest wait", async () => {
    await clearMirror(conn);
    const reg = await env.openReg();
    const { instanceId, active } = await reg.reconcile(conn, env.sim.url);
    const timers = manualTimers();
    const rec = recorded(conn);
    const mirror = new RegistryMirror(reg, rec.conn, { timers, debounceMs: 100, maxWaitMs: 300, lifecycle: null });
    await mirror.start();
    timers.run();
    await mirror.flush();
    const manifests = () => rec.writes().filter((w) => w.key === MIRROR_KEY).length;
    const first = manifests();
    try {
      // Three changes in a row: one timer, no write yet.
      for (let i = 0; i < 3; i++) {
        await reg.markKit(instanceId, active!.id, "downloaded");
        timers.advance(50);
      }
      assert.equal(timers.pending(), 1, "one pending write");
      assert.equal(manifests(), first, "nothing written before the debounce");
      timers.run();
      await mirror.flush(); // waits for the write the timer started (and finds nothing more)
      assert.equal(manifests(), first + 1, "one write for three changes");
      // A change every 50 ms would push the debounce forever: the longest wait sends it anyway.
      await reg.markKit(instanceId, active!.id, "downloaded");
      timers.advance(290);
      await reg.markKit(instanceId, active!.id, "downloaded");
      assert.equal(timers.pending(), 1);
      timers.advance(10);
      timers.run();
      await mirror.flush();
      assert.equal(manifests(), first + 2);
      // `idle` (what the panel's and the card's `settled` wait for) waits out the debounce and the write.
      await reg.markKit(instanceId, active!.id, "downloaded");
      let idle = false;
      const settled = mirror.idle().then(() => (idle = true));
      await reg.journal(instanceId, 1); // a round trip: the idle wait has had every chance to end early
      assert.equal(idle, false, "a write is still waiting for its debounce");
      timers.run();
      await settled;
      assert.equal(manifests(), first + 3, "idle once the write went out");
    } finally {
      mirror.stop();
    }
  });

  it("closing (or the page hiding) sends the write still waiting for its debounce", async () => {
    await clearMirror(conn);
    const reg = await env.openReg();
    const { instanceId, active } = await reg.reconcile(conn, env.sim.url);
    const timers = manualTimers();
    const page = { window: new EventTarget(), document: Object.assign(new EventTarget(), { visibilityState: "visible" }) };
    const mirror = new RegistryMirror(reg, conn, { timers, lifecycle: page });
    await mirror.start();
    timers.run();
    await mirror.flush();
    const kitMarks = async () => {
      const m = await mirrorOf(conn);
      const chunks = await Promise.all(
        Array.from(
          { length: m!.parts.h!.chunks },
          async (_, n) => (await conn.sendMessagePromise<{ value: string }>({ type: "frontend/get_user_data", key: chunkKey("h", m!.parts.h!.slot, n) })).value,
        ),
      );
      return decodeHeader(await unpackPart(chunks, m!.parts.h!.sha256)).generations.find((g) => g.id === active!.id)!.kitDownloadedAt;
    };
    await reg.markKit(instanceId, active!.id, "downloaded");
    assert.equal(timers.pending(), 1);
    page.document.visibilityState = "hidden";
    page.document.dispatchEvent(new Event("visibilitychange"));
    await mirror.flush();
    assert.notEqual(await kitMarks(), null, "sent when the page was hidden");
    await reg.markKit(instanceId, active!.id, "proven");
    assert.equal(timers.pending(), 1);
    const before = await kitMarks();
    await mirror.close();
    assert.equal(timers.pending(), 0);
    const m = await mirrorOf(conn);
    assert.ok(m);
    assert.notEqual(await kitMarks(), before === null ? undefined : "never", "the close sent the proof's write");
    const chunks = await Promise.all(
      Array.from({ length: m.parts.h!.chunks }, async (_, n) => (await conn.sendMessagePromise<{ value: string }>({ type: "frontend/get_user_data", key: chunkKey("h", m.parts.h!.slot, n) })).value),
    );
    assert.notEqual(decodeHeader(await unpackPart(chunks, m.parts.h!.sha256)).generations.find((g) => g.id === active!.id)!.kitProvenAt, null);
  });
});

describe("mirror reads: parts of several chunks, and a read racing a writer", () => {
  it("a registry larger than one chunk per part round-trips", async () => {
    await clearMirror(conn);
    const a = await env.openReg();
    const { instanceId } = await a.reconcile(conn, env.sim.url);
    const mirrorA = new RegistryMirror(a, conn, { chunkChars: 64, lifecycle: null });
    await mirrorA.start();
    await mirrorA.flush();
    mirrorA.stop();
    const m = (await mirrorOf(conn))!;
    assert.ok(
      Object.values(m.parts).every((p) => p.chunks > 1),
      "every part spans several chunks",
    );
    const b = await env.openReg();
    const mirrorB = new RegistryMirror(b, conn, { lifecycle: null });
    await mirrorB.start();
    mirrorB.stop();
    assert.equal(mirrorB.status.state, "synced");
    assert.equal(withoutTimes(await registryState(b)), withoutTimes(await registryState(a)));
    assert.equal((await b.copies(instanceId)).length, (await a.copies(instanceId)).length);
  });

  it("a reader whose parts were overwritten mid-read by another writer reads the newer manifest and gets its facts", async () => {
    await clearMirror(conn);
    const a = await env.openReg();
    const { instanceId } = await a.reconcile(conn, env.sim.url);
    const writer = new RegistryMirror(a, conn, { chunkChars: 200, lifecycle: null });
    await writer.start();
    await writer.flush();
    // The reader is held at its first chunk read; meanwhile the writer writes twice (so the
    // slots the reader's manifest names are overwritten), then never writes again.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding = true;
    let reached!: () => void;
    const atGate = new Promise<void>((r) => (reached = r));
    const reader = await env.openReg();
    const connR = closeAfterTest(await connectHA(env.sim.url, env.sim.adminToken));
    const rec = recorded(connR, (msg) => {
      if (holding && msg.type === "frontend/get_user_data" && typeof msg.key === "string" && msg.key.startsWith(`${MIRROR_KEY}.`)) {
        holding = false;
        reached();
        return held;
      }
      return undefined;
    });
    const mirrorR = new RegistryMirror(reader, rec.conn, { lifecycle: null });
    const reading = mirrorR.refresh();
    await atGate;
    const copies = (await a.copies(instanceId)).filter((c) => c.protected && !c.deleted);
    for (const c of copies.slice(0, 2)) {
      await a.recordCheck(instanceId, c.backupId, c.agentId, { fingerprint: await a.fingerprint(keys[2]!) });
      await writer.flush();
    }
    writer.stop();
    release();
    await reading;
    assert.equal(mirrorR.status.state, "synced");
    for (const c of copies.slice(0, 2))
      assert.equal(
        (await reader.copies(instanceId)).find((x) => x.backupId === c.backupId && x.agentId === c.agentId)!.confidence,
        "verified",
        "the writer's last facts arrived without it writing again",
      );
    assert.ok(rec.sent.filter((m) => m.type === "frontend/get_user_data" && m.key === MIRROR_KEY).length >= 2, "the manifest was read again");
    mirrorR.stop();
  });
});

describe("mirror encoding", () => {
  it("round-trips a real registry's facts exactly, and equal states hash equal", async () => {
    const reg = await env.openReg();
    const { instanceId } = await reg.reconcile(conn, env.sim.url);
    await verifyOnline(reg, conn, instanceId, [keys[2]!, keys[0]!], { pauseMs: 0 });
    const state = await registryState(reg);
    const header = { instances: state.instances, generations: state.generations, journal: state.journal };
    const back = decodeHeader(encodeHeader(header));
    assert.deepEqual(mergeStates({ ...emptyState(), ...back }, emptyState()), { ...emptyState(), ...header, journal: [...header.journal].sort((x, y) => (x.key < y.key ? -1 : 1)) });
    assert.deepEqual(decodeGroup(encodeGroup(state.copies)), state.copies);
    const packed = await packPart(encodeGroup(state.copies));
    assert.equal((await packPart(encodeGroup([...state.copies].reverse()))).sha256, packed.sha256, "the same facts always hash the same");
  });

  it("refuses a damaged part with the place of the problem", async () => {
    const reg = await env.openReg();
    await reg.reconcile(conn, env.sim.url);
    const state = await registryState(reg);
    const doc = JSON.parse(encodeHeader({ instances: state.instances, generations: state.generations, journal: state.journal }));
    doc.g[0][4] = 9;
    assert.throws(
      () => decodeHeader(JSON.stringify(doc)),
      (e) => e instanceof MirrorFormatError && e.path === "$.g[0][4]",
    );
    const packed = await packPart(encodeGroup(state.copies));
    await assert.rejects(unpackPart([packed.chunks[0]!.slice(0, 40)], packed.sha256), MirrorFormatError);
    await assert.rejects(unpackPart(packed.chunks, "0".repeat(64)), (e) => e instanceof MirrorFormatError && e.path === "$.sha256");
  });

  it("what one device writes every other reads: hostile names, odd location ids and inherited parameter names", async () => {
    const copy = (over: Partial<CopyRecord>): CopyRecord => ({
      instanceId: "inst",
      backupId: "b1",
      agentId: "hassio.local",
      name: "n",
      date: "2026-01-01T00:00:00+00:00",
      size: 1,
      protected: true,
      generationId: null,
      confidence: "unknown",
      lastCheck: null,
      deleted: false,
      deletedAt: null,
      mismatch: false,
      ...over,
    });
    const copies = [
      copy({ name: "x".repeat(5000) }),
      copy({ backupId: "b|2 with spaces", agentId: "webdav.Müller's NAS (Büro) ✓", name: "Before upgrading to 2026.3 — “quoted” \\ back\\slash" }),
      copy({ backupId: "b3", agentId: "a".repeat(RULES.idMax + 1) }),
    ];
    const back = decodeGroup(encodeGroup(copies));
    assert.equal(back.length, 2, "a copy whose location id no reader would accept stays local");
    assert.equal(back.find((c) => c.backupId === "b1")!.name.length, RULES.textMax, "a long name is cut, the same way on every device");
    assert.equal(back.find((c) => c.backupId === "b|2 with spaces")!.agentId, "webdav.Müller's NAS (Büro) ✓");
    // Journal parameters: what the encoder writes decodes; names an object inherits never do.
    const e = { instanceId: null, at: "2026-01-01T00:00:00.000Z", type: "check_passed" as const, params: { backup_id: "b|2 with spaces", generation: 1 } };
    const bad = { ...e, params: { constructor: "x" } as Record<string, string> };
    const header = decodeHeader(
      encodeHeader({
        instances: [],
        generations: [],
        journal: [
          { ...e, key: journalKey(e) },
          { ...bad, key: journalKey(bad) },
        ],
      }),
    );
    assert.deepEqual(
      header.journal.map((j) => j.params),
      [e.params],
      "the entry with an inherited name is not written",
    );
    const doc = JSON.parse(encodeHeader({ instances: [], generations: [], journal: [{ ...e, key: journalKey(e) }] }));
    for (const name of ["constructor", "toString", "__proto__"]) {
      doc.j[0][3] = JSON.parse(`{"${name}":"x"}`);
      assert.throws(
        () => decodeHeader(JSON.stringify(doc)),
        (err) => err instanceof MirrorFormatError && err.path === "$.j[0][3]",
        name,
      );
    }
  });

  it("10 000 backups × 3 encrypted locations × 50 generations fit in well under 2 MiB, in chunks far below HA's 4 MiB message limit", async () => {
    const at = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 3_600_000).toISOString();
    const hex = (n: number, len: number) => n.toString(16).padStart(len, "0").slice(-len);
    const generations: GenerationRecord[] = Array.from({ length: 50 }, (_, n) => ({
      id: crypto.randomUUID(),
      instanceId: "inst",
      number: n + 1,
      fingerprint: hex(n * 7919 + 1, 8).repeat(8),
      status: n === 49 ? "active" : "retired",
      origin: "elsewhere",
      firstSeenAt: at(n * 200),
      activatedAt: at(n * 200),
      lastSeenActiveAt: at(n * 200 + 150),
      retiredAt: n === 49 ? null : at(n * 200 + 199),
      kitDownloadedAt: at(n * 200 + 1),
      kitProvenAt: n % 2 ? at(n * 200 + 2) : null,
      label: null,
    }));
    const copies: CopyRecord[] = [];
    for (let b = 0; b < 10_000; b++) {
      for (const agentId of ["hassio.local", "cloud.cloud", "hassio.nas"]) {
        const verified = b % 3 === 0;
        const g = generations[Math.floor(b / 200)]!.id;
        copies.push({
          instanceId: "inst",
          backupId: hex(b * 2654435761, 8),
          agentId,
          name: b % 5 === 4 ? "Before upgrading to 2026.3.4" : "Automatic backup 2026.3.4",
          date: at(b).replace("Z", "+00:00"),
          size: 10_000_000 + ((b * 7919) % 5_000_000),
          protected: true,
          generationId: g,
          confidence: verified ? "verified" : "inferred",
          lastCheck: verified ? { result: "ok", at: at(b + 5) } : null,
          deleted: b < 100,
          deletedAt: b < 100 ? at(b + 900) : null,
          mismatch: false,
          ...(verified ? { evidence: { [g]: { ok: at(b + 5) } } } : {}),
        });
      }
    }
    const journal = Array.from({ length: 3000 }, (_, n) => {
      const e = { instanceId: "inst", at: at(n), type: "check_passed" as const, params: { backup_id: hex(n * 2654435761, 8), agent_id: "hassio.local", generation: 1 + (n % 50) } };
      return { ...e, key: journalKey(e) };
    });
    const instances = [{ id: "inst", haInstanceId: "f".repeat(32), urlKey: "http://ha|Home", name: "Home", url: "http://ha", firstSeenAt: at(0), lastReconciledAt: at(1), noKey: false }];
    let bytes = 0;
    const head = await packPart(encodeHeader({ instances, generations, journal }));
    bytes += head.chunks.join("").length;
    const groups = new Map<number, CopyRecord[]>();
    for (const c of copies) groups.set(bucketOf(c.backupId) % COPY_GROUPS, [...(groups.get(bucketOf(c.backupId) % COPY_GROUPS) ?? []), c]);
    let total = 0;
    for (const list of groups.values()) {
      const packed = await packPart(encodeGroup(list));
      bytes += packed.chunks.join("").length;
      assert.ok(packed.chunks.every((p) => p.length <= MIRROR_PART_CHARS));
      total += decodeGroup(await unpackPart(packed.chunks, packed.sha256)).length;
    }
    assert.equal(total, 30_000);
    assert.ok(bytes < 2 * 1024 * 1024, `${bytes} bytes`);
  });
});

describe("vault in the mirror (separate opt-in)", () => {
  it("stays out of HA until opted in; a new browser gets it back without turning its own switch on; opting out removes it", async () => {
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
    const mirrorA = new RegistryMirror(a, conn, { lifecycle: null });
    try {
      await mirrorA.start();
      await mirrorA.flush();
      assert.equal(await vaultInHa(), null, "not mirrored without the opt-in");
      await mirrorA.setVaultMirrored(true);
      const stored = JSON.stringify(await vaultInHa());
      assert.ok(!stored.includes(keys[2]!), "only ciphertext goes to HA");

      const b = await env.openReg();
      const mirrorB = new RegistryMirror(b, conn, { lifecycle: null });
      await mirrorB.start();
      const restored = new Vault(b);
      await assert.rejects(restored.unlock("a wrong passphrase!"));
      await restored.unlock("a long vault passphrase");
      assert.equal(await restored.load(active.id), keys[2]);
      const { vaultMirrorChoice } = await import("../../../src/registry/vault-mirror.js");
      assert.equal(vaultMirrorChoice(await b.getMeta("mirrorVault")).on, false, "restoring does not opt this browser in");
      mirrorB.stop();

      await mirrorA.setVaultMirrored(false);
      const removed = (await vaultInHa()) as { removed?: boolean; salt?: unknown };
      assert.equal(removed.removed, true, "opting out leaves only a note");
      assert.equal(removed.salt, undefined, "no ciphertext left in HA");
    } finally {
      mirrorA.stop();
    }
  });

  it("another browser's vault is never overwritten, and turning it off in one browser stops the others from writing it again", async () => {
    const { Vault } = await import("../../../src/registry/vault.js");
    const { VAULT_MIRROR_KEY, vaultMirrorChoice } = await import("../../../src/registry/vault-mirror.js");
    const vaultInHa = async () => (await conn.sendMessagePromise<{ value: { salt?: string; removed?: boolean } | null }>({ type: "frontend/get_user_data", key: VAULT_MIRROR_KEY })).value;
    await clearMirror(conn);
    await conn.sendMessagePromise({ type: "frontend/set_user_data", key: VAULT_MIRROR_KEY, value: null });
    let t = Date.parse("2026-11-27T12:00:00.000Z");
    const clock = { now: () => new Date(t) };
    const a = await env.openReg(undefined, clock);
    await a.reconcile(conn, env.sim.url);
    await new Vault(a).create("passphrase of browser A");
    const mirrorA = new RegistryMirror(a, conn, { lifecycle: null });
    await mirrorA.start();
    await mirrorA.setVaultMirrored(true);
    const aCopy = (await vaultInHa())!.salt;
    // Browser B made its own vault before it met the mirror.
    const b = await env.openReg(undefined, clock);
    await new Vault(b).create("passphrase of browser B");
    const mirrorB = new RegistryMirror(b, conn, { lifecycle: null });
    await mirrorB.start();
    try {
      await assert.rejects(mirrorB.setVaultMirrored(true), (e) => (e as { code?: string }).code === "vault_mirror_other_vault");
      assert.equal((await vaultInHa())!.salt, aCopy, "A's copy stays");
      await mirrorB.flush();
      assert.equal((await vaultInHa())!.salt, aCopy);

      // A third browser C restored A's vault and opted in too; then A turns it off.
      const c = await env.openReg(undefined, clock);
      const mirrorC = new RegistryMirror(c, conn, { lifecycle: null });
      await mirrorC.start();
      t += 1000;
      await mirrorC.setVaultMirrored(true);
      t += 1000;
      await mirrorA.setVaultMirrored(false);
      assert.equal((await vaultInHa())!.removed, true);
      await mirrorC.refresh();
      await mirrorC.flush();
      assert.equal((await vaultInHa())!.removed, true, "C does not write it back");
      assert.equal(vaultMirrorChoice(await c.getMeta("mirrorVault")).on, false, "C's switch shows off");
      assert.equal(mirrorC.vaultNote, "off_elsewhere");
      // Turning it on again later (in C) writes it again.
      t += 1000;
      await mirrorC.setVaultMirrored(true);
      assert.equal((await vaultInHa())!.salt, aCopy);
      mirrorC.stop();
    } finally {
      mirrorA.stop();
      mirrorB.stop();
    }
  });
});

// A BackupInfo type import keeps this file's helpers honest about HA's shapes.
export type { BackupInfo };
