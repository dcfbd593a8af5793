// Runs inside Chromium for `bench/registry.bench.ts`: the real registry on the page's real
// IndexedDB, against the simulated HA over the real client library. Bundled by the benchmark
// with esbuild and injected into a page of the simulated HA's origin (nothing is written to dist/).
import { createConnection, createLongLivedTokenAuth } from "home-assistant-js-websocket";
import { fetchCoreConfig } from "../src/data/auth.js";
import { fetchBackupConfig, fetchBackupInfo } from "../src/data/backup.js";
import type { GenerationRecord, InstanceRecord } from "../src/registry/model.js";
import { MIRROR_KEY, RegistryMirror, partKey, type MirrorManifest } from "../src/registry/mirror.js";
import { Registry } from "../src/registry/registry.js";

export interface HarnessResult {
  backups: number;
  copies: number;
  generations: number;
  firstReconcileMs: number;
  incrementalMs: number;
  fetchMs: number;
  mirrorBytes: number;
  mirrorState: string;
}

async function run(url: string, token: string, generations: number): Promise<HarnessResult> {
  const conn = await createConnection({ auth: createLongLivedTokenAuth(url, token) });
  const registry = await Registry.open();
  try {
    const f0 = performance.now();
    const [config, info, core] = await Promise.all([fetchBackupConfig(conn), fetchBackupInfo(conn), fetchCoreConfig(conn)]);
    const fetchMs = performance.now() - f0;
    const password = config.config.create_backup.password!;
    const haInstanceId = info.backups.map((b) => b.extra_metadata?.instance_id).find((id): id is string => typeof id === "string")!;
    const times = info.backups.map((b) => Date.parse(b.date)).sort((a, b) => a - b);
    const start = times[0]! - 86_400_000;
    const span = times[times.length - 1]! - start;
    const iso = (t: number) => new Date(t).toISOString();

    // The key history: `generations` keys, each changed through our flow at an even step across
    // the backups' dates, the last one HA's current key. Every other one was watched while
    // active (its copies are "observed"), the rest only inferred.
    const instance: InstanceRecord = { id: crypto.randomUUID(), haInstanceId, urlKey: `${url}|${core.location_name}`, name: core.location_name, url, firstSeenAt: iso(start), lastReconciledAt: iso(start), noKey: false };
    const gens: GenerationRecord[] = [];
    for (let k = 0; k < generations; k++) {
      const from = start + (span * k) / generations;
      const next = start + (span * (k + 1)) / generations;
      const last = k === generations - 1;
      gens.push({
        id: crypto.randomUUID(), instanceId: instance.id, number: k + 1,
        // Only the current generation needs HA's key; the others stand for old keys by fingerprint.
        fingerprint: await registry.fingerprint(last ? password : `bench generation ${k + 1}`),
        status: last ? "active" : "retired", origin: "flow", firstSeenAt: iso(from), activatedAt: iso(from),
        lastSeenActiveAt: k % 2 === 0 ? iso(next - 1) : iso(from), retiredAt: last ? null : iso(next),
        kitDownloadedAt: iso(from), kitProvenAt: iso(from), label: null,
      });
    }
    const tx = registry.db.transaction(["instances", "generations"], "readwrite");
    await tx.objectStore("instances").put(instance);
    for (const g of gens) await tx.objectStore("generations").put(g);
    await tx.done;

    const input = { url, locationName: core.location_name, password, info };
    const t0 = performance.now();
    await registry.fold(input);
    const firstReconcileMs = performance.now() - t0;
    const t1 = performance.now();
    await registry.fold(input);
    const incrementalMs = performance.now() - t1;

    const mirror = new RegistryMirror(registry, conn, { debounceMs: 3_600_000 });
    await mirror.start();
    await mirror.flush();
    mirror.stop();
    // What HA stores, as the JSON values the messages carry.
    const manifest = (await conn.sendMessagePromise<{ value: MirrorManifest }>({ type: "frontend/get_user_data", key: MIRROR_KEY })).value;
    let mirrorBytes = JSON.stringify(manifest).length;
    for (let n = 0; n < manifest.parts; n++) {
      mirrorBytes += JSON.stringify((await conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: partKey(manifest.slot, n) })).value).length;
    }
    return {
      backups: info.backups.length,
      copies: (await registry.copies(instance.id)).length,
      generations: (await registry.generations(instance.id)).length,
      firstReconcileMs,
      incrementalMs,
      fetchMs,
      mirrorBytes,
      mirrorState: mirror.status.state,
    };
  } finally {
    registry.close();
    conn.close();
  }
}

(window as unknown as { benchRegistry: typeof run }).benchRegistry = run;
