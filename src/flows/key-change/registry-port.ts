// Connects the key-change flow to the real registry.
import type { HaConnection } from "../../data/connection.js";
import type { Registry } from "../../registry/registry.js";
import type { FlowCheckpoint, KeyChangeRegistry } from "./ports.js";

export function registryPort(registry: Registry, url: string): KeyChangeRegistry {
  return {
    async reconcile(conn: HaConnection) {
      const r = await registry.reconcile(conn, url);
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
    saveCheckpoint: (instanceId, checkpoint) => registry.setMeta(`checkpoint:${instanceId}`, checkpoint),
    loadCheckpoint: (instanceId) => registry.getMeta<FlowCheckpoint>(`checkpoint:${instanceId}`),
  };
}
