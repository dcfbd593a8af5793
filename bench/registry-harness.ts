// Runs inside Chromium for `bench/registry.bench.ts`: the real registry and its mirror on the
// page's real IndexedDB, against the simulated HA over the real client library. Bundled by the
// benchmark with esbuild and injected into a page of the simulated HA's origin (nothing is
// written to dist/). Each function is one step the benchmark times in its own page.
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import { fetchCoreConfig } from "../src/data/auth.js";
import { fetchBackupConfig, fetchBackupInfo } from "../src/data/backup.js";
import { journalFact } from "../src/registry/merge.js";
import { MIRROR_KEY, RegistryMirror, mergeIntoRegistry, type MirrorManifest } from "../src/registry/mirror.js";
import type { CopyRecord, GenerationRecord, InstanceRecord, JournalEntry } from "../src/registry/model.js";
import { Registry, type ReconcileInput } from "../src/registry/registry.js";

export interface SeedResult {
  backups: number;
  copies: number;
  generations: number;
  /** The first device: a registry that knows the key history but no copy, and an empty mirror. */
  firstDeviceMs: number;
  /** Writing the whole mirror of the first device (after its reconciliation, in the background). */
  firstWriteMs: number;
  verified: number;
  journal: number;
  mirrorBytes: number;
  mirrorStoredBytes: number;
  fetchMs: number;
}

/** What the panel does on connect, timed from opening the registry: mirror first, then the fold. */
export interface ReconcileResult {
  ms: number;
  /** Reading (and merging) the mirror and folding: the parts of `ms`; and opening the registry before (not in `ms`). */
  parts: { open: number; mirror: number; fold: number };
  copies: number;
  verified: number;
  mirrorState: string;
}

const noTimers = { debounceMs: 3_600_000, maxWaitMs: 3_600_000, lifecycle: null } as const;

async function connect(url: string, token: string): Promise<Connection> {
  return createConnection({ auth: createLongLivedTokenAuth(url, token) });
}

/**
 * HA's answer, fetched before the clock starts: the list's transfer is HA's cost, not the
 * registry's. So is what follows it: the simulated HA shares the machine's two cores, and for
 * about 100 ms after sending 10 000 backups (and the page after reading them) pings take 15–100 ms
 * instead of 1. The clock starts once a ping comes back within 5 ms (at most 20 tries).
 */
async function haAnswer(conn: Connection, url: string): Promise<ReconcileInput> {
  const [config, info, core] = await Promise.all([fetchBackupConfig(conn), fetchBackupInfo(conn), fetchCoreConfig(conn)]);
  for (let i = 0; i < 20; i++) {
    const sent = performance.now();
    await conn.ping();
    if (performance.now() - sent < 5) break;
  }
  return { url, locationName: core.location_name, password: config.config.create_backup.password, info };
}

async function mirrorBytes(conn: Connection): Promise<{ current: number; stored: number }> {
  const manifest = (await conn.sendMessagePromise<{ value: MirrorManifest }>({ type: "frontend/get_user_data", key: MIRROR_KEY })).value;
  const all = (await conn.sendMessagePromise<{ value: Record<string, unknown> }>({ type: "frontend/get_user_data" })).value;
  let current = JSON.stringify(manifest).length;
  for (const [p, ref] of Object.entries(manifest.parts)) for (let n = 0; n < ref.chunks; n++) current += JSON.stringify(all[`${MIRROR_KEY}.${p}.${ref.slot}${n}`]).length;
  let stored = 0;
  for (const [k, v] of Object.entries(all)) if (k === MIRROR_KEY || k.startsWith(`${MIRROR_KEY}.`)) stored += JSON.stringify(v).length;
  return { current, stored };
}

/**
 * Profile one, the first device (with `dbName`: only its first reconciliation again, in a
 * database of that name that is deleted afterwards, HA's mirror left as it is): the key history (`generations` keys changed through our flow,
 * each active over its slice, every other one watched while active), then its first
 * reconciliation (timed), a realistic history of checks (a third of the copies proven with the
 * key that made them, a few ruled out, a History entry per proof), and the mirror written.
 */
async function seed(url: string, token: string, keys: string[], slices: { from: number; to: number }[], dbName?: string): Promise<SeedResult> {
  const conn = await connect(url, token);
  const registry = await Registry.open(dbName);
  try {
    const f0 = performance.now();
    const input = await haAnswer(conn, url);
    const fetchMs = performance.now() - f0;
    const info = input.info;
    const haInstanceId = info.backups.map((b) => b.extra_metadata?.instance_id).find((id): id is string => typeof id === "string")!;
    const iso = (t: number) => new Date(Math.round(t)).toISOString();
    const instance: InstanceRecord = {
      id: crypto.randomUUID(),
      haInstanceId,
      urlKey: `${url}|${input.locationName}`,
      name: input.locationName,
      url,
      firstSeenAt: iso(slices[0]!.from),
      lastReconciledAt: iso(slices[0]!.from),
      noKey: false,
    };
    const gens: GenerationRecord[] = [];
    for (let k = 0; k < keys.length; k++) {
      const last = k === keys.length - 1;
      const { from, to } = slices[k]!;
      gens.push({
        id: crypto.randomUUID(),
        instanceId: instance.id,
        number: k + 1,
        fingerprint: await registry.fingerprint(keys[k]!),
        status: last ? "active" : "retired",
        origin: "flow",
        firstSeenAt: iso(from),
        activatedAt: iso(from),
        lastSeenActiveAt: k % 2 === 0 ? iso(to - 1) : iso(from),
        retiredAt: last ? null : iso(to),
        kitDownloadedAt: iso(from),
        kitProvenAt: iso(from),
        label: null,
      });
    }
    const tx = registry.db.transaction(["instances", "generations"], "readwrite");
    await tx.objectStore("instances").put(instance);
    for (const g of gens) await tx.objectStore("generations").put(g);
    await tx.done;

    const mirror = new RegistryMirror(registry, conn, noTimers);
    const t0 = performance.now();
    const started = mirror.start();
    registry.prepare(input.info);
    await started;
    await registry.fold(input);
    const firstDeviceMs = performance.now() - t0;
    if (dbName) {
      // A repeat of the first device's reconciliation only: nothing goes to HA, the database goes.
      mirror.stop();
      registry.close();
      await new Promise((resolve) => (indexedDB.deleteDatabase(dbName).onsuccess = resolve));
      return { backups: 0, copies: 0, generations: 0, firstDeviceMs, firstWriteMs: 0, verified: 0, journal: 0, mirrorBytes: 0, mirrorStoredBytes: 0, fetchMs };
    }
    const w0 = performance.now();
    await mirror.flush();
    const firstWriteMs = performance.now() - w0;

    // Checks, as verifying over time leaves them: proofs with the key that made the backup.
    const genAt = (date: string) => {
      const t = Date.parse(date);
      return gens[
        Math.max(
          0,
          slices.findIndex((s) => t >= s.from && t < s.to),
        )
      ]!;
    };
    const checked: CopyRecord[] = [];
    const journal: Omit<JournalEntry, "id">[] = [];
    let n = 0;
    for (const c of await registry.copies(instance.id)) {
      n++;
      const g = genAt(c.date);
      const at = iso(Date.parse(c.date) + 3_600_000);
      if (n % 3 === 0) {
        checked.push({ ...c, generationId: g.id, confidence: "verified", lastCheck: { result: "ok", at }, evidence: { [g.id]: { ok: at } } });
        journal.push({ instanceId: instance.id, at, type: "check_passed", params: { backup_id: c.backupId, agent_id: c.agentId, generation: g.number } });
      } else if (n % 50 === 1) {
        const wrong = gens[g.number % gens.length]!;
        checked.push({ ...c, lastCheck: { result: "other_key", at }, ruledOut: [wrong.id], evidence: { [wrong.id]: { failed: at } } });
      }
    }
    await mergeIntoRegistry(registry, { copies: checked, journal: journal.map((j) => journalFact(j as JournalEntry)) });
    await registry.fold(input);
    await mirror.flush();
    mirror.stop();
    const bytes = await mirrorBytes(conn);
    const copies = await registry.copies(instance.id);
    return {
      backups: info.backups.length,
      copies: copies.length,
      generations: (await registry.generations(instance.id)).length,
      firstDeviceMs,
      firstWriteMs,
      verified: copies.filter((c) => c.confidence === "verified").length,
      journal: await registry.db.count("journal"),
      mirrorBytes: bytes.current,
      mirrorStoredBytes: bytes.stored,
      fetchMs,
    };
  } finally {
    registry.close();
    conn.close();
  }
}

/**
 * A reconciliation as the panel makes it on connect, in a registry just opened on a fresh page
 * (nothing read yet, no cache): read the mirror (a fresh profile adopts its salt and merges every
 * fact), then fold HA's answer in. Opening the database is timed apart: the page opened it
 * already to paint what is stored.
 */
async function reconcile(url: string, token: string): Promise<ReconcileResult> {
  const conn = await connect(url, token);
  const input = await haAnswer(conn, url);
  let registry: Registry | null = null;
  try {
    const t0 = performance.now();
    registry = await Registry.open();
    const t1 = performance.now();
    const mirror = new RegistryMirror(registry, conn, noTimers);
    // As the panel does (`KeyringSession.fold`): the listing is read while HA answers the mirror's requests.
    const started = mirror.start();
    registry.prepare(input.info);
    await started;
    const t2 = performance.now();
    const r = await registry.fold(input);
    const t3 = performance.now();
    mirror.stop();
    const copies = await registry.copies(r.instanceId);
    return {
      ms: t3 - t1,
      parts: { open: t1 - t0, mirror: t2 - t1, fold: t3 - t2 },
      copies: copies.length,
      verified: copies.filter((c) => c.confidence === "verified").length,
      mirrorState: mirror.status.state,
    };
  } finally {
    registry?.close();
    conn.close();
  }
}

/**
 * Another profile's open page (its mirror following HA with the real debounce): resolves with the
 * time (Date.now) its registry first shows the copy proven. `window.benchReady` once it follows.
 */
async function watch(url: string, token: string, backupId: string, agentId: string): Promise<number> {
  const conn = await connect(url, token);
  const input = await haAnswer(conn, url);
  const registry = await Registry.open();
  const mirror = new RegistryMirror(registry, conn, { lifecycle: null });
  try {
    await mirror.start();
    const { instanceId } = await registry.fold(input);
    const proven = async () => (await registry.copies(instanceId)).some((c) => c.backupId === backupId && c.agentId === agentId && c.confidence === "verified");
    if (await proven()) throw new Error("already proven");
    return await new Promise<number>((resolve, reject) => {
      const off = registry.onChange(
        () =>
          void proven().then((yes) => {
            if (!yes) return;
            off();
            resolve(Date.now());
          }, reject),
      );
      (window as unknown as { benchReady: boolean }).benchReady = true;
    });
  } finally {
    mirror.stop();
    registry.close();
    conn.close();
  }
}

/** The first profile proves one copy (as a check does) with its mirror on the real debounce; returns when (Date.now) and which copy. */
async function proveOne(url: string, token: string): Promise<{ at: number; backupId: string; agentId: string }> {
  const conn = await connect(url, token);
  const registry = await Registry.open();
  let written = () => undefined as void;
  const write = new Promise<void>((resolve) => (written = resolve));
  let after = Infinity;
  // The write after the proof, at the mirror's own debounce.
  const mirror = new RegistryMirror(registry, conn, { lifecycle: null, onStatus: (st) => st.state === "synced" && Date.parse(st.at) >= after && written() });
  try {
    await mirror.start();
    const instance = (await registry.instances())[0]!;
    const copy = (await registry.copies(instance.id)).find((c) => c.protected && c.confidence !== "verified" && !c.deleted)!;
    const gen = (await registry.generations(instance.id)).find((g) => g.id === copy.generationId) ?? (await registry.generations(instance.id)).find((g) => g.status === "active")!;
    if (!(window as unknown as { benchProveNow?: boolean }).benchProveNow) return { at: 0, backupId: copy.backupId, agentId: copy.agentId };
    after = Date.now();
    await registry.recordCheck(instance.id, copy.backupId, copy.agentId, { fingerprint: gen.fingerprint });
    const at = Date.now();
    await write;
    return { at, backupId: copy.backupId, agentId: copy.agentId };
  } finally {
    mirror.stop();
    registry.close();
    conn.close();
  }
}

(window as unknown as { bench: unknown }).bench = { seed, reconcile, watch, proveOne };
