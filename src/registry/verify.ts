// Online verification through HA (`backup/can_decrypt_on_download`) and folding in offline
// results from a backup file. Keys given here stay in memory for this check only.
import type { BackupFileReport } from "../backup-file/inspect.js";
import { agentRank, canDecryptOnDownload } from "../data/backup.js";
import { isConnectionLost, toHaError, type HaConnection } from "../data/connection.js";
import { backupFeatures } from "../data/ha-version.js";
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
  /** HA answered with an error: the copy could not be checked (nothing learned, not a failure). */
  errors: number;
  mismatches: number;
  skipped: number;
  /** This HA cannot check a key online (before 2025.2): nothing was sent or recorded. */
  unavailable?: true;
}

// `skipped` is a parameter, not a later override: a spread of this literal followed by the same key
// is inlined by the minifier into one object with the key twice (esbuild warns on the bundle).
export const emptySummary = (skipped = 0): VerifySummary => ({ checked: 0, opened: 0, failed: 0, otherKey: 0, notSupported: 0, errors: 0, mismatches: 0, skipped });

/** Whether this connection's HA has `backup/can_decrypt_on_download` (2025.2 and newer). */
export const canCheckOnline = (conn: HaConnection) => backupFeatures(conn.haVersion).canDecryptOnDownload;

/** What HA answered for one copy and one key. */
type CheckAnswer = "opened" | "password_incorrect" | "not_supported" | "error" | { lost: unknown };

/**
 * Checks per connection while any check run on it is going: the panel's background check and the
 * key-change dialog's check of the same copy with the same key share one request instead of
 * asking HA twice (each check makes HA read and decrypt the whole backup). Answers are kept only
 * while some run is active, so a later run asks HA afresh.
 */
const shared = new WeakMap<HaConnection, { runs: number; answers: Map<string, { answer: Promise<CheckAnswer>; settled: boolean }> }>();

function joinRun(conn: HaConnection): () => void {
  let s = shared.get(conn);
  if (!s) shared.set(conn, (s = { runs: 0, answers: new Map() }));
  s.runs++;
  const state = s;
  return () => {
    if (--state.runs === 0) state.answers.clear();
  };
}

function askHA(conn: HaConnection, backupId: string, agentId: string, key: string, fingerprint: string, fresh: boolean): Promise<CheckAnswer> {
  const answers = shared.get(conn)!.answers;
  const id = `${backupId}|${agentId}|${fingerprint}`;
  const known = answers.get(id);
  // `fresh` (checking again on purpose) joins a request in flight but does not reuse an old answer.
  if (known && (!fresh || !known.settled)) return known.answer;
  const entry = { settled: false, answer: Promise.resolve<CheckAnswer>("error") };
  entry.answer = canDecryptOnDownload(conn, backupId, agentId, key).then(
    (): CheckAnswer => "opened",
    (err: unknown): CheckAnswer => {
      if (isConnectionLost(err)) return { lost: err };
      const code = toHaError(err).code;
      return code === "password_incorrect" ? "password_incorrect" : code === "decrypt_not_supported" ? "not_supported" : "error";
    },
  );
  void entry.answer.then((a) => {
    entry.settled = true;
    // A lost connection is not an answer about the copy: the next run asks again.
    if (typeof a === "object" && answers.get(id) === entry) answers.delete(id);
  });
  answers.set(id, entry);
  return entry.answer;
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
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * Checks each encrypted copy with the candidate keys, one at a time. Resumable: verified copies
 * are skipped unless `force`. A cancelled run keeps what it already recorded.
 */
export async function verifyOnline(registry: Registry, conn: HaConnection, instanceId: string, keys: string[], options: VerifyOptions = {}): Promise<VerifySummary> {
  // The one gate: an HA without the command is never asked, and nothing is recorded.
  if (!canCheckOnline(conn)) return { ...emptySummary(), unavailable: true };
  const leave = joinRun(conn);
  try {
    return await checkCopies(registry, conn, instanceId, keys, options);
  } finally {
    leave();
  }
}

async function checkCopies(registry: Registry, conn: HaConnection, instanceId: string, keys: string[], options: VerifyOptions): Promise<VerifySummary> {
  const fingerprints = await Promise.all(keys.map((k) => registry.fingerprint(k)));
  const copies = (await registry.copies(instanceId)).filter((c: CopyRecord) => c.protected && !c.deleted && (!options.only || options.only.has(`${c.backupId}|${c.agentId}`)));
  // A copy every given key already failed to open is not sent to HA again (each check makes HA
  // read and decrypt the whole backup), unless asked for by name or with `force`.
  const genIdOf = new Map((await registry.generations(instanceId)).map((g) => [g.fingerprint, g.id]));
  const allRuledOut = (c: CopyRecord) => fingerprints.every((fp) => (c.ruledOut ?? []).includes(genIdOf.get(fp) ?? ""));
  const todo = copies.filter((c) => options.force || options.only || (c.confidence !== "verified" && !allRuledOut(c)));
  const summary = emptySummary(copies.length - todo.length);
  for (let i = 0; i < todo.length; i++) {
    const c = todo[i]!;
    options.onProgress?.({ done: i, total: todo.length, current: { backupId: c.backupId, agentId: c.agentId } });
    options.signal?.throwIfAborted();
    let opened: string | null = null;
    let result: "failed" | "not_supported" | "error" = "failed";
    for (let k = 0; k < keys.length; k++) {
      const answer = await askHA(conn, c.backupId, c.agentId, keys[k]!, fingerprints[k]!, options.force === true);
      if (typeof answer === "object") throw answer.lost;
      if (answer === "opened") {
        opened = fingerprints[k]!;
        break;
      }
      if (answer === "password_incorrect") continue;
      result = answer;
      break;
    }
    summary.checked++;
    if (opened) {
      summary.opened++;
      if ((await registry.recordCheck(instanceId, c.backupId, c.agentId, { fingerprint: opened })).mismatch) summary.mismatches++;
    } else {
      const recorded = await registry.recordCheck(instanceId, c.backupId, c.agentId, { result, tried: result === "failed" ? fingerprints : [] });
      if (recorded.result === "not_supported") summary.notSupported++;
      else if (recorded.result === "other_key") summary.otherKey++;
      else if (recorded.result === "error") summary.errors++;
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
 * Folds in an offline check of a backup file. A checked file is one copy's bytes: its result is recorded for one copy only — the one whose
 * size HA reported equal to the file's, local storage first when several are (a file downloaded
 * from Local says nothing about the Cloud copy). `fileSize` unknown: local storage first.
 */
export async function applyOfflineReport(registry: Registry, instanceId: string, report: BackupFileReport, keys: string[], fileSize?: number): Promise<{ matched: number; generation: number | null }> {
  if (!report.backupId) return { matched: 0, generation: null };
  const same = (await registry.copies(instanceId)).filter((c) => c.backupId === report.backupId && (report.protectedFlag === null || c.protected === report.protectedFlag));
  const sized = fileSize === undefined ? [] : same.filter((c) => c.size === fileSize);
  const copies = (sized.length > 0 ? sized : same).sort((a, b) => agentRank(a.agentId) - agentRank(b.agentId) || a.agentId.localeCompare(b.agentId)).slice(0, 1);
  let generation: number | null = null;
  for (const c of copies) {
    if (report.mislabelled) {
      await registry.recordCheck(instanceId, c.backupId, c.agentId, { result: "mislabelled" });
    } else if (report.encrypted && report.openedBy !== null) {
      generation = (await registry.recordCheck(instanceId, c.backupId, c.agentId, { fingerprint: await registry.fingerprint(keys[report.openedBy]!) })).generation;
    } else if (report.encrypted && report.members.some((m) => m.keyChecked)) {
      // "Did not open" is evidence only where a key was tried on some archive: a file too damaged
      // to try any key says nothing about which generation made it.
      await registry.recordCheck(instanceId, c.backupId, c.agentId, { result: "failed", tried: await Promise.all(keys.map((k) => registry.fingerprint(k))) });
    }
  }
  registry.changed();
  return { matched: copies.length, generation };
}
