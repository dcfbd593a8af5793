// Kit drill and restore guidance at registry scale: what the panel and the card compute on every
// render (older generations' drills, backups under a never-proven kit) and per click (guidance for
// one backup, judging a kit file). Prints numbers; no thresholds.
import { backupsWithUnprovenKit, drillStatus, judgeDrill, olderGenerationDrills } from "../src/flows/drill.js";
import { restoreGuidanceFromRegistry } from "../src/flows/restore-guidance.js";
import { fingerprintKey, newFingerprintSalt } from "../src/keys/fingerprint.js";
import { generateEncryptionKey } from "../src/keys/generate.js";
import { renderEmergencyKit } from "../src/kit/render.js";
import type { CopyRecord, GenerationRecord } from "../src/registry/model.js";

const BACKUPS = 10_000;
const salt = newFingerprintSalt();
const keys = Array.from({ length: 5 }, () => generateEncryptionKey());
const generations: GenerationRecord[] = await Promise.all(
  keys.map(
    async (k, i) =>
      ({
        id: `g${i + 1}`,
        instanceId: "i",
        number: i + 1,
        fingerprint: await fingerprintKey(k, salt),
        status: i === 4 ? "active" : "retired",
        origin: "observed",
        firstSeenAt: "2025-01-01T00:00:00Z",
        activatedAt: "2025-01-01T00:00:00Z",
        lastSeenActiveAt: null,
        retiredAt: null,
        kitDownloadedAt: i % 2 ? "2025-02-01T00:00:00Z" : null,
        kitProvenAt: i === 1 ? "2025-03-01T00:00:00Z" : null,
        label: null,
      }) as GenerationRecord,
  ),
);
const copies: CopyRecord[] = [];
for (let b = 0; b < BACKUPS; b++) {
  for (const agentId of ["backup.local", "hassio.nas"]) {
    copies.push({
      instanceId: "i",
      backupId: `b${b}`,
      agentId,
      name: `Backup ${b}`,
      date: new Date(Date.UTC(2025, 0, 1) + b * 3_600_000).toISOString(),
      size: 1,
      protected: true,
      generationId: b % 7 === 0 ? null : `g${1 + Math.floor((b * 5) / BACKUPS)}`,
      confidence: b % 3 ? "verified" : "inferred",
      lastCheck: null,
      deleted: false,
      deletedAt: null,
      mismatch: false,
    });
  }
}

function time(label: string, runs: number, fn: () => unknown): void {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  console.log(`${label}: ${((performance.now() - t0) / runs).toFixed(3)} ms`);
}

console.log(`${BACKUPS} backups, ${copies.length} copies, ${generations.length} generations`);
time("olderGenerationDrills (per render)", 20, () => olderGenerationDrills(generations, copies));
time("backupsWithUnprovenKit (per card render)", 20, () => backupsWithUnprovenKit(generations, copies));
time("drillStatus of a proven kit (per render)", 1000, () => drillStatus(generations[1]!, 6, new Date(), "Europe/Berlin"));
time("restoreGuidanceFromRegistry (per click)", 20, () => restoreGuidanceFromRegistry("b5000", copies, generations, { instanceName: "Home", timeZone: "UTC" }));
const kit = renderEmergencyKit({ key: keys[4]!, instanceName: "Home", url: "http://ha.local:8123", date: new Date(), language: "en" });
const ctx = { generations, fingerprint: (k: string) => fingerprintKey(k, salt), key: keys[4]! };
const t0 = performance.now();
for (let i = 0; i < 100; i++) await judgeDrill(generations[4]!, { method: "file", text: kit }, ctx);
console.log(`judgeDrill by kit file: ${((performance.now() - t0) / 100).toFixed(2)} ms`);
