// Connects the key-change flow to the real registry.
import { isLocalAgent } from "../../data/backup.js";
import type { HaConnection } from "../../data/connection.js";
import type { Registry } from "../../registry/registry.js";
import { verifyOnline } from "../../registry/verify.js";
import type { FlowCheckpoint, KeyChangeRegistry } from "./ports.js";

/** HA's local agents: their copies are read from this device's disk, not downloaded. */

export function registryPort(registry: Registry, url: string): KeyChangeRegistry {
  return {
    async reconcile(conn: HaConnection, options) {
      const r = await registry.reconcile(conn, url, options);
      return { instanceId: r.instanceId, active: r.active };
    },
    fingerprint: (key) => registry.fingerprint(key),
    backupsOpenedBy: (instanceId, generationId, locationNames) => registry.backupsOpenedBy(instanceId, generationId, locationNames),
    markKitDownloaded: (instanceId, generationId) => registry.markKit(instanceId, generationId, "downloaded"),
    beginPending: (instanceId, fingerprint, facts) => registry.beginPending(instanceId, fingerprint, facts),
    activatePending: (instanceId, pendingId) => registry.activatePending(instanceId, pendingId),
    dropPending: (instanceId, pendingId, reason) => registry.dropPending(instanceId, pendingId, reason),
    async markVerified(instanceId, backupId, agentId, generationId) {
      const gen = (await registry.generations(instanceId)).find((g) => g.id === generationId);
      if (gen) await registry.recordCheck(instanceId, backupId, agentId, { fingerprint: gen.fingerprint });
    },
    async encryptedCopies(instanceId) {
      const gens = await registry.generations(instanceId);
      const active = gens.find((g) => g.status === "active");
      return (await registry.copies(instanceId))
        .filter((c) => c.protected && !c.deleted)
        .map((c) => ({
          backupId: c.backupId,
          agentId: c.agentId,
          size: c.size,
          local: isLocalAgent(c.agentId),
          settled: c.confidence === "verified" || (active !== undefined && (c.ruledOut ?? []).includes(active.id)) || c.lastCheck?.result === "not_supported" || c.lastCheck?.result === "mislabelled",
          unknown: c.generationId === null,
        }));
    },
    async proveKey(conn, instanceId, key, copies, options) {
      const only = new Set(copies.map((c) => `${c.backupId}|${c.agentId}`));
      const sum = await verifyOnline(registry, conn, instanceId, [key], { only, signal: options.signal, onProgress: (p) => options.onProgress?.(p.done, p.total) });
      return { opened: sum.opened, checked: sum.checked, ...(sum.unavailable ? { unavailable: true } : {}) };
    },
    saveCheckpoint: (instanceId, checkpoint) => registry.setMeta(`checkpoint:${instanceId}`, checkpoint),
    loadCheckpoint: (instanceId) => registry.getMeta<FlowCheckpoint>(`checkpoint:${instanceId}`),
  };
}
