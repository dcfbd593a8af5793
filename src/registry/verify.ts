// Online verification through HA (`backup/can_decrypt_on_download`) and folding in offline
// results from a backup file. Keys given here stay in memory for this check only.
import type { BackupFileReport } from "../backup-file/inspect.js";
import { canDecryptOnDownload } from "../data/backup.js";
import { isConnectionLost, toHaError, type HaConnection } from "../data/connection.js";
import type { CopyRecord } from "./model.js";
import type { Registry } from "./registry.js";

export interface VerifyProgress {
  done: number;
  total: number;
  current: { backupId: string; agentId: string } | null;
}

export interface VerifySummary {
  checked: number;
  opened: number;
  /** Did not open with the key the registry believed it needs: that belief is withdrawn. */
  failed: number;
  /** Did not open with the keys tried, none of which is the key it is believed to need (expected). */
  otherKey: number;
  notSupported: number;
  mismatches: number;
  skipped: number;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  onProgress?: (p: VerifyProgress) => void;
  /** Check again copies already verified for their generation. */
  force?: boolean;
  /** Only these copies (`backupId|agentId`). */
  only?: Set<string>;
  /** Pause between checks, so HA is not flooded (default DEFAULT_PAUSE_MS; 0 for none). */
  pauseMs?: number;
}

/** A small pause between checks by default: each one makes HA read and decrypt a whole backup. */
export const DEFAULT_PAUSE_MS = 50;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });

/**
 * Checks each encrypted copy with the candidate keys, one at a time. Resumable: verified copies
 * are skipped unless `force`. A cancelled run keeps what it already recorded.
 */
export async function verifyOnline(registry: Registry, conn: HaConnection, instanceId: string, keys: string[], options: VerifyOptions = {}): Promise<VerifySummary> {
  const fingerprints = await Promise.all(keys.map((k) => registry.fingerprint(k)));
  const copies = (await registry.copies(instanceId)).filter(
    (c: CopyRecord) => c.protected && !c.deleted && (!options.only || options.only.has(`${c.backupId}|${c.agentId}`)),
  );
  // A copy every given key already failed to open is not sent to HA again (each check makes HA
  // read and decrypt the whole backup), unless asked for by name or with `force`.
  const genIdOf = new Map((await registry.generations(instanceId)).map((g) => [g.fingerprint, g.id]));
  const allRuledOut = (c: CopyRecord) => fingerprints.every((fp) => (c.ruledOut ?? []).includes(genIdOf.get(fp) ?? ""));
  const todo = copies.filter((c) => options.force || options.only || (c.confidence !== "verified" && !allRuledOut(c)));
  const summary: VerifySummary = { checked: 0, opened: 0, failed: 0, otherKey: 0, notSupported: 0, mismatches: 0, skipped: copies.length - todo.length };
  for (let i = 0; i < todo.length; i++) {
    const c = todo[i]!;
    options.onProgress?.({ done: i, total: todo.length, current: { backupId: c.backupId, agentId: c.agentId } });
    options.signal?.throwIfAborted();
    let opened: string | null = null;
    let result: "failed" | "not_supported" | "error" = "failed";
    for (let k = 0; k < keys.length; k++) {
      try {
        await canDecryptOnDownload(conn, c.backupId, c.agentId, keys[k]!);
        opened = fingerprints[k]!;
        break;
      } catch (err) {
        if (isConnectionLost(err)) throw err;
        const code = toHaError(err).code;
        if (code === "password_incorrect") continue;
        result = code === "decrypt_not_supported" ? "not_supported" : "error";
        break;
      }
    }
    summary.checked++;
    if (opened) {
      summary.opened++;
      if ((await registry.recordCheck(instanceId, c.backupId, c.agentId, { fingerprint: opened })).mismatch) summary.mismatches++;
    } else {
      const recorded = await registry.recordCheck(instanceId, c.backupId, c.agentId, { result, tried: result === "failed" ? fingerprints : [] });
      if (recorded.result === "not_supported") summary.notSupported++;
      else if (recorded.result === "other_key") summary.otherKey++;
      else summary.failed++;
    }
    const pause = options.pauseMs ?? DEFAULT_PAUSE_MS;
    if (pause > 0 && i < todo.length - 1) await sleep(pause, options.signal);
  }
  options.onProgress?.({ done: todo.length, total: todo.length, current: null });
  registry.changed();
  return summary;
}

/**
 * Folds in an offline check of a backup file. A file is not tied to one location, so the result
 * applies to every copy of that backup whose `protected` flag matches what the file's
 * backup.json says (a file downloaded from HA carries the copy's own backup.json).
 */
/** HA's location order: local storage first, then network storage, then the rest by id. */
const locationRank = (agentId: string) => (agentId === "backup.local" || agentId === "hassio.local" ? 0 : agentId.startsWith("hassio.") ? 1 : 2);

/**
 * A checked file is one copy's bytes: its result is recorded for one copy only — the one whose
 * size HA reported equal to the file's, local storage first when several are (a file downloaded
 * from Local says nothing about the Cloud copy). `fileSize` unknown: local storage first.
 */
export async function applyOfflineReport(registry: Registry, instanceId: string, report: BackupFileReport, keys: string[], fileSize?: number): Promise<{ matched: number; generation: number | null }> {
  if (!report.backupId) return { matched: 0, generation: null };
  const same = (await registry.copies(instanceId)).filter((c) => c.backupId === report.backupId && (report.protectedFlag === null || c.protected === report.protectedFlag));
  const sized = fileSize === undefined ? [] : same.filter((c) => c.size === fileSize);
  const copies = (sized.length > 0 ? sized : same).sort((a, b) => locationRank(a.agentId) - locationRank(b.agentId) || a.agentId.localeCompare(b.agentId)).slice(0, 1);
  let generation: number | null = null;
  for (const c of copies) {
    if (report.mislabelled) {
      await registry.recordCheck(instanceId, c.backupId, c.agentId, { result: "mislabelled" });
    } else if (report.encrypted && report.openedBy !== null) {
      generation = (await registry.recordCheck(instanceId, c.backupId, c.agentId, { fingerprint: await registry.fingerprint(keys[report.openedBy]!) })).generation;
    } else if (report.encrypted) {
      await registry.recordCheck(instanceId, c.backupId, c.agentId, { result: "failed", tried: await Promise.all(keys.map((k) => registry.fingerprint(k))) });
    }
  }
  registry.changed();
  return { matched: copies.length, generation };
}
