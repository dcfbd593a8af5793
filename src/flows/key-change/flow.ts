// The careful key change: save the old kit, prove the new kit was saved, then commit to HA and
// confirm HA really has the new key. Before the commit nothing is written to HA or the registry
// (apart from "kit downloaded" marks and the journal); from the commit on, a *pending* generation
// in the registry lets reconciliation finish or roll back whatever an interruption left behind.
import type { BackupConfig, ManagerStateEvent } from "../../data/backup.js";
import { canDecryptOnDownload, fetchBackupConfig, fetchBackupInfo, generateBackupWithAutomaticSettings, subscribeBackupEvents, updateEncryptionKey } from "../../data/backup.js";
import { ERR_CANNOT_CONNECT, isConnectionLost, toHaError } from "../../data/connection.js";
import { backupFeatures } from "../../data/ha-version.js";
import { generateEncryptionKey } from "../../keys/generate.js";
import { emergencyKitFileName, renderEmergencyKit } from "../../kit/render.js";
import type { ReleaseLock } from "../../common/locks.js";
import { checkLoadedKit, checkTypedGroup, pickGroup } from "./challenge.js";
import type { BackupSummary, CopyToProve, GenerationSummary, KeyChangePorts } from "./ports.js";

export type FlowStep = "preflight" | "blocked" | "old_key" | "new_key" | "committing" | "waiting_for_idle" | "unresolved" | "done" | "aborted" | "cancelled";

export type CommitPhase = "checking" | "pending" | "sending" | "confirming" | "reconciling";

export interface FlowProblem {
  code: string;
  params?: Record<string, string | number>;
}

export interface AfterBackupState {
  phase: "creating" | "verifying" | "verified" | "failed";
  stage: string | null;
  backupId: string | null;
  problem: FlowProblem | null;
}

/**
 * Proving the old key before HA forgets it: local copies are checked on their own when the
 * old-key step opens; remote ones (HA downloads each to check it) only when the user asks.
 */
export interface ProveState {
  /** `unavailable`: this HA cannot check a key online (before 2025.2); nothing is sent. */
  phase: "idle" | "checking" | "done" | "cancelled" | "failed" | "unavailable";
  scope: "local" | "remote" | null;
  done: number;
  total: number;
  /** Copies not proven yet, on this device / elsewhere (with the bytes HA would download). */
  localLeft: number;
  remoteLeft: { count: number; bytes: number };
  problem: FlowProblem | null;
}

export interface FlowState {
  step: FlowStep;
  mode: "change" | "set_first";
  problem: FlowProblem | null;
  instanceId: string | null;
  oldGeneration: GenerationSummary | null;
  /**
   * The old kit's `- ` lines: backups a check proved the old key opens (`checked`, shown as
   * "proven") or made while the registry saw the key in use ("probably (not checked)").
   */
  oldBackups: BackupSummary[];
  /** Backups the old key only probably opens (by date, not checked): the old kit's `? ` lines. */
  oldGuessed: BackupSummary[];
  /** Backups with an encrypted copy of no known key generation ("unknown"): maybe the old key's too. */
  oldUnknown: number;
  oldKitDownloaded: boolean;
  /** More backups were proven since the old kit was last downloaded: the flow offers it again (until the commit). */
  oldKitOutdated: boolean;
  prove: ProveState;
  /** The user confirmed that the latest download of the old kit is stored (a new download asks again). */
  oldKitAcknowledged: boolean;
  newKitDownloaded: boolean;
  /** 1-based group of the new key the user is asked to type as proof. */
  challengeGroup: number;
  proof: "none" | "kit" | "typed";
  proofError: "wrong_group" | "other_key" | "unreadable" | null;
  commitPhase: CommitPhase | null;
  newGeneration: GenerationSummary | null;
  after: AfterBackupState | null;
  /** Something worth saying that stops nothing (a kit download the registry could not record). */
  notice: FlowProblem | null;
}

import { KEY_CHANGE_LOCK } from "../../common/locks.js";
export { KEY_CHANGE_LOCK };

/**
 * The old-key step in the three words every surface uses: backups a check proved the old key
 * opens, those it probably (not checked) opens (made while it was seen in use, or guessed by
 * date), and those of a key nobody knows yet.
 */
export function oldKeyWords(s: Pick<FlowState, "oldBackups" | "oldGuessed" | "oldUnknown">): { proven: number; probably: number; unknown: number } {
  const proven = s.oldBackups.filter((b) => b.checked === true).length;
  return { proven, probably: s.oldBackups.length - proven + s.oldGuessed.length, unknown: s.oldUnknown };
}

/** A registry write that failed, in words the UI can translate (never the browser's own text). */
function storageReason(err: unknown): string {
  return (err as { code?: unknown })?.code === "storage_full" ? "storage_full" : "storage_error";
}

/** The registry (IndexedDB) failed, not HA: its errors carry our own codes. */
function isRegistryError(err: unknown): boolean {
  return (err as { name?: unknown })?.name === "RegistryError";
}

/** What the old kit listed when it was last downloaded: a backup, and whether it was under "proven by a check". */
const listedKey = (b: BackupSummary) => `${b.backup_id}|${b.checked === true ? 1 : 0}`;

export class KeyChangeFlow {
  private _state: FlowState;
  private readonly listeners = new Set<(s: FlowState) => void>();
  private oldKey: string | null = null;
  private newKey: string | null = null;
  private startFingerprint: string | null = null;
  private release: ReleaseLock | null = null;
  private idleWaiter: { cancel(): void } | null = null;
  private proving: { scope: "local" | "remote"; run: Promise<void>; abort: AbortController } | null = null;
  /** The old kit's lines at its last download (`listedKey`). */
  private downloadedLines: Set<string> | null = null;

  constructor(private readonly ports: KeyChangePorts) {
    this._state = {
      step: "preflight",
      mode: "change",
      problem: null,
      instanceId: null,
      oldGeneration: null,
      oldBackups: [],
      oldGuessed: [],
      oldUnknown: 0,
      oldKitDownloaded: false,
      oldKitOutdated: false,
      prove: { phase: "idle", scope: null, done: 0, total: 0, localLeft: 0, remoteLeft: { count: 0, bytes: 0 }, problem: null },
      oldKitAcknowledged: false,
      newKitDownloaded: false,
      challengeGroup: 1,
      proof: "none",
      proofError: null,
      commitPhase: null,
      newGeneration: null,
      after: null,
      notice: null,
    };
  }

  get state(): FlowState {
    return this._state;
  }

  subscribe(listener: (s: FlowState) => void): () => void {
    this.listeners.add(listener);
    listener(this._state);
    return () => this.listeners.delete(listener);
  }

  /** The new key is read on demand (to show or copy it), never kept in the observable state. */
  revealNewKey(): string | null {
    return this.step === "new_key" || this.step === "done" ? this.newKey : null;
  }

  get canCommit(): boolean {
    const s = this._state;
    return s.step === "new_key" && s.newKitDownloaded && s.proof !== "none" && (s.mode === "set_first" || (s.oldKitDownloaded && s.oldKitAcknowledged));
  }

  private get step(): FlowStep {
    return this._state.step;
  }

  private set(patch: Partial<FlowState>): void {
    this._state = { ...this._state, ...patch };
    for (const l of this.listeners) l(this._state);
  }

  private block(code: string, params?: Record<string, string | number>): void {
    this.set({ step: "blocked", problem: { code, params } });
    this.finish();
  }

  private abort(code: string, params?: Record<string, string | number>): void {
    this.set({ step: "aborted", problem: { code, params }, commitPhase: null });
    this.finish();
  }

  private finish(): void {
    this.proving?.abort.abort();
    this.idleWaiter?.cancel();
    this.idleWaiter = null;
    this.release?.();
    this.release = null;
    this.newKey = this._state.step === "done" ? this.newKey : null;
  }

  /** Preflight: admin, backup API, manager idle, registry reconciled, the current key. */
  async start(): Promise<void> {
    const { conn, registry } = this.ports;
    let config: BackupConfig;
    try {
      const user = await conn.sendMessagePromise<{ is_admin: boolean }>({ type: "auth/current_user" });
      if (!user.is_admin) return this.block("not_admin");
      config = (await fetchBackupConfig(conn)).config;
    } catch (err) {
      const e = toHaError(err);
      if (e.code === "unknown_command") return this.block("no_backup_api");
      if (e.code === "unauthorized") return this.block("not_admin");
      return this.block("ha_error", { message: e.message });
    }
    // Nothing is sent to HA and nothing changes before the commit: whatever fails here (the
    // registry, the connection) ends the preflight with its reason, the lock released.
    try {
      const reconciled = await registry.reconcile(conn);
      const instanceId = reconciled.instanceId;
      this.set({ instanceId });

      const release = await this.ports.locks.tryLock(`${KEY_CHANGE_LOCK}:${instanceId}`);
      if (!release) return this.block("another_tab");
      this.release = release;

      const info = await fetchBackupInfo(conn);
      if (info.state !== "idle") return this.block("manager_busy", { state: info.state });

      this.oldKey = config.create_backup.password;
      this.startFingerprint = this.oldKey === null ? null : await registry.fingerprint(this.oldKey);
      this.newKey = generateEncryptionKey((n) => this.ports.randomBytes(n));
      const challengeGroup = pickGroup((n) => this.ports.randomBytes(n));
      await registry.saveCheckpoint(instanceId, { startedAt: this.ports.now().toISOString(), step: "started", pendingId: null });

      if (this.oldKey === null) {
        this.set({ step: "new_key", mode: "set_first", challengeGroup });
        return;
      }
      const active = reconciled.active;
      this.set({ step: "old_key", mode: "change", oldGeneration: active, challengeGroup });
    } catch (err) {
      this.oldKey = null;
      if (isRegistryError(err)) return this.block("storage_failed_preflight", { reason: storageReason(err) });
      if (isConnectionLost(err)) return this.block("connection_lost_before_commit");
      return this.block("ha_error", { message: toHaError(err).message });
    }
    // The check reads the lists first, so the step never shows a choice that is about to vanish.
    void this.proveOldKey("local");
  }

  /** Re-reads what the old key is proven to open, and what is left to check. */
  private async refreshOld(): Promise<CopyToProve[]> {
    const { registry } = this.ports;
    const instanceId = this._state.instanceId!;
    const active = this._state.oldGeneration;
    const lists = active ? await registry.backupsOpenedBy(instanceId, active.id, this.ports.kit.locationNames) : { facts: [], guessed: [] };
    const copies = await registry.encryptedCopies(instanceId);
    const left = copies.filter((c) => !c.settled);
    const remote = left.filter((c) => !c.local);
    // Outdated: the registry now states more (or more surely) than the last download said.
    const outdated = this.downloadedLines !== null && lists.facts.some((b) => !this.downloadedLines!.has(listedKey(b)));
    this.set({
      oldBackups: lists.facts,
      oldGuessed: lists.guessed,
      oldUnknown: new Set(copies.filter((c) => c.unknown).map((c) => c.backupId)).size,
      oldKitOutdated: outdated,
      prove: { ...this._state.prove, localLeft: left.length - remote.length, remoteLeft: { count: remote.length, bytes: remote.reduce((n, c) => n + c.size, 0) } },
    });
    return left;
  }

  /**
   * Checks the copies not proven yet with the old key while HA (and this flow) still hold it:
   * `local` ones first (on its own), `remote` ones when the user chooses to (HA downloads each).
   * Cancellable (`stopProving`); what was checked stays recorded.
   */
  proveOldKey(scope: "local" | "remote"): Promise<void> {
    if ((this.step !== "old_key" && this.step !== "new_key") || this.oldKey === null || this._state.prove.phase === "unavailable") return Promise.resolve();
    if (this.proving) return this.proving.scope === scope ? this.proving.run : Promise.resolve();
    const key = this.oldKey;
    const abort = new AbortController();
    this.set({ prove: { ...this._state.prove, phase: "checking", scope, done: 0, total: 0, problem: null } });
    const run = (async () => {
      try {
        const todo = (await this.refreshOld()).filter((c) => c.local === (scope === "local"));
        this.set({ prove: { ...this._state.prove, total: todo.length } });
        let unavailable = false;
        if (todo.length > 0) {
          const sum = await this.ports.registry.proveKey(this.ports.conn, this._state.instanceId!, key, todo, {
            signal: abort.signal,
            onProgress: (done, total) => this.set({ prove: { ...this._state.prove, done, total } }),
          });
          unavailable = sum.unavailable === true;
        }
        this.set({ prove: { ...this._state.prove, phase: unavailable ? "unavailable" : "done" } });
      } catch (err) {
        if (abort.signal.aborted) this.set({ prove: { ...this._state.prove, phase: "cancelled" } });
        else
          this.set({
            prove: { ...this._state.prove, phase: "failed", problem: { code: isConnectionLost(err) ? "connection_lost_before_commit" : "ha_error", params: { message: toHaError(err).message } } },
          });
      } finally {
        this.proving = null;
        if (this.step === "old_key" || this.step === "new_key") await this.refreshOld().catch(() => undefined);
      }
    })();
    this.proving = { scope, run, abort };
    return run;
  }

  /** Stops the old key's check; what it proved so far is kept. */
  stopProving(): void {
    this.proving?.abort.abort();
  }

  /**
   * Saves the old kit with what is proven now. Offered again (on the old-key and the new-key step,
   * until the commit) whenever more was proven since: the check keeps running after "Next".
   * The acknowledgement belongs to the latest download, so a new download asks for it again.
   */
  downloadOldKit(): void {
    if ((this.step !== "old_key" && this.step !== "new_key") || this._state.mode !== "change" || this.oldKey === null) return;
    const gen = this._state.oldGeneration;
    this.saveKit(this.oldKey, gen, this._state.oldBackups, this._state.oldGuessed);
    this.downloadedLines = new Set(this._state.oldBackups.map(listedKey));
    this.set({ oldKitDownloaded: true, oldKitOutdated: false, oldKitAcknowledged: false });
    const instanceId = this._state.instanceId;
    if (gen && instanceId) {
      // The file is saved whatever happens here; only the registry's note of it may fail.
      this.ports.registry.markKitDownloaded(instanceId, gen.id).catch((err: unknown) => {
        this.set({ notice: { code: "kit_mark_failed", params: { reason: storageReason(err) } } });
      });
    }
  }

  acknowledgeOldKit(stored: boolean): void {
    if ((this.step === "old_key" || this.step === "new_key") && this._state.oldKitDownloaded) this.set({ oldKitAcknowledged: stored });
  }

  /** Moves from the old-key step to the new key; HA keeps one new key while moving back and forth, so do we. */
  next(): void {
    if (this.step === "old_key" && this._state.oldKitDownloaded && this._state.oldKitAcknowledged) this.set({ step: "new_key" });
  }

  back(): void {
    if (this.step === "new_key" && this._state.mode === "change") this.set({ step: "old_key" });
  }

  /** The new kit already names its generation and fingerprint, so it matches the registry once committed. */
  async downloadNewKit(): Promise<void> {
    if (this.step !== "new_key" || this.newKey === null) return;
    const key = this.newKey;
    const upcoming: GenerationSummary = {
      id: "",
      number: (this._state.oldGeneration?.number ?? 0) + 1,
      fingerprint: await this.ports.registry.fingerprint(key),
      startedAt: this.ports.now().toISOString(),
      kitDownloadedAt: null,
      kitProvenAt: null,
    };
    this.saveKit(key, upcoming, [], []);
    this.set({ newKitDownloaded: true });
  }

  proveWithKit(kitText: string): boolean {
    if (this.step !== "new_key" || this.newKey === null || !this._state.newKitDownloaded) return false;
    const result = checkLoadedKit(this.newKey, kitText);
    this.set(result === "ok" ? { proof: "kit", proofError: null } : { proofError: result });
    return result === "ok";
  }

  proveWithGroup(typed: string): boolean {
    if (this.step !== "new_key" || this.newKey === null || !this._state.newKitDownloaded) return false;
    const ok = checkTypedGroup(this.newKey, this._state.challengeGroup, typed);
    this.set(ok ? { proof: "typed", proofError: null } : { proofError: "wrong_group" });
    return ok;
  }

  /** Before the commit nothing has changed anywhere: cancelling just forgets the new key. */
  async cancel(): Promise<void> {
    if (this.step === "committing" || this.step === "unresolved" || this.step === "done") return;
    const instanceId = this._state.instanceId;
    this.set({ step: "cancelled", problem: null });
    this.finish();
    if (instanceId) await this.ports.registry.saveCheckpoint(instanceId, null);
  }

  async commit(): Promise<void> {
    if (!this.canCommit || this.newKey === null || this._state.instanceId === null) return;
    const { conn, registry } = this.ports;
    const instanceId = this._state.instanceId;
    const newKey = this.newKey;

    // 1. HA must still hold the key we started from, and no backup may be running. A check of the
    // old key still running stops here (what it proved is recorded; the kit was saved before).
    this.proving?.abort.abort();
    this.set({ step: "committing", commitPhase: "checking", problem: null });
    try {
      const current = (await fetchBackupConfig(conn)).config.create_backup.password;
      const fp = current === null ? null : await registry.fingerprint(current);
      if (fp !== this.startFingerprint) return this.abort("changed_elsewhere");
      const info = await fetchBackupInfo(conn);
      if (info.state !== "idle") {
        this.set({ step: "waiting_for_idle", commitPhase: null });
        const idle = await this.waitForIdle();
        if (!idle) return; // cancelled or aborted while waiting
        this.set({ step: "committing", commitPhase: "checking" });
        const again = (await fetchBackupConfig(conn)).config.create_backup.password;
        if ((again === null ? null : await registry.fingerprint(again)) !== this.startFingerprint) return this.abort("changed_elsewhere");
      }
    } catch (err) {
      return this.abort(isConnectionLost(err) ? "connection_lost_before_commit" : "ha_error", { message: toHaError(err).message });
    }

    // 2. Pending generation first, so an interruption from here on is resolved by reconciliation.
    this.set({ commitPhase: "pending" });
    const newFingerprint = await registry.fingerprint(newKey);
    const nowIso = this.ports.now().toISOString();
    let pending: GenerationSummary;
    try {
      pending = await registry.beginPending(instanceId, newFingerprint, {
        kitDownloadedAt: nowIso,
        kitProvenAt: nowIso,
      });
    } catch (err) {
      // Nothing was sent: HA keeps the old key. The lock is released; a half-made checkpoint is
      // resolved by the next reconciliation.
      return this.abort("storage_failed_before_update", { reason: storageReason(err) });
    }
    try {
      await registry.saveCheckpoint(instanceId, { startedAt: nowIso, step: "committing", pendingId: pending.id });
    } catch (err) {
      // Without the checkpoint a cut-off commit could not be explained later: do not send. The
      // pending generation is abandoned by the next reconciliation (HA never got its key).
      await registry.dropPending(instanceId, pending.id, "storage_failed").catch(() => undefined);
      return this.abort("storage_failed_before_update", { reason: storageReason(err) });
    }

    // 3. Send the minimal update. Whatever HA answers, step 4 asks HA what it really has.
    this.set({ commitPhase: "sending" });
    let updateError: string | null = null;
    try {
      await updateEncryptionKey(conn, newKey);
    } catch (err) {
      if (isConnectionLost(err)) return this.resolveAfterInterruption(newFingerprint);
      updateError = toHaError(err).message;
    }

    // 4. Confirm: re-read HA's key and compare fingerprints.
    this.set({ commitPhase: "confirming" });
    let confirmed: string | null;
    try {
      confirmed = (await fetchBackupConfig(conn)).config.create_backup.password;
    } catch {
      return this.resolveAfterInterruption(newFingerprint);
    }
    if (confirmed === null || (await registry.fingerprint(confirmed)) !== newFingerprint) {
      // HA kept the old key. If these writes fail too, the next reconciliation abandons the pending
      // generation (HA does not hold its key) and the checkpoint tells the panel.
      await registry.dropPending(instanceId, pending.id, updateError ? "update_failed" : "not_confirmed").catch(() => undefined);
      await registry.saveCheckpoint(instanceId, null).catch(() => undefined);
      return updateError ? this.abort("update_failed", { message: updateError }) : this.abort("not_confirmed");
    }
    // HA has the new key (even if it answered with an error after applying it).
    let active: GenerationSummary;
    try {
      active = await registry.activatePending(instanceId, pending.id);
    } catch (err) {
      // HA holds the new key and the user holds its proven kit; only our record lags. The pending
      // generation and the checkpoint stay, and the next reconciliation activates it.
      this.set({ step: "unresolved", commitPhase: null, problem: { code: "storage_failed_after_update", params: { reason: storageReason(err) } } });
      this.finish();
      return;
    }
    await registry.saveCheckpoint(instanceId, null).catch(() => undefined);
    this.set({ step: "done", commitPhase: null, newGeneration: active });
    this.finish();
  }

  /**
   * The connection dropped somewhere between "pending" and "confirmed": we cannot know whether HA
   * applied the key. Once HA answers again, its answer decides: the flow's own reconciliation
   * settles its pending generation (it holds the lock, so it asks to), and the user is told what
   * HA holds now. An update that reaches HA later still is recorded as the user's own change.
   */
  private async resolveAfterInterruption(newFingerprint: string): Promise<void> {
    this.set({ step: "unresolved", commitPhase: "reconciling" });
    const instanceId = this._state.instanceId!;
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        const { active } = await this.ports.registry.reconcile(this.ports.conn, { resolvePending: true });
        await this.ports.registry.saveCheckpoint(instanceId, null).catch(() => undefined);
        if (active && active.fingerprint === newFingerprint) {
          this.set({ step: "done", commitPhase: null, newGeneration: active });
          this.finish();
        } else if (active && active.fingerprint === this.startFingerprint) {
          this.abort("not_applied", { generation: active.number });
        } else if (active) {
          // Say what HA holds now, from its own answer: a key set elsewhere meanwhile.
          this.abort("not_applied_other", { generation: active.number });
        } else {
          this.abort("not_applied_no_key");
        }
        return;
      } catch (err) {
        if (isRegistryError(err)) return this.afterStorageFailure(newFingerprint, err);
        const code = toHaError(err).code;
        if (!isConnectionLost(err) && code !== ERR_CANNOT_CONNECT) {
          // Any answer other than "still disconnected" ends the wait; the panel reconciles again later.
          this.abort("ha_error", { message: toHaError(err).message });
          return;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    this.abort("connection_lost_during_commit");
  }

  /**
   * The registry could not record the outcome (full disk): ask HA itself what it holds, say so,
   * release the lock. The pending generation and the checkpoint stay for the next connection.
   */
  private async afterStorageFailure(newFingerprint: string, err: unknown): Promise<void> {
    const reason = storageReason(err);
    let held: string | null;
    try {
      held = (await fetchBackupConfig(this.ports.conn)).config.create_backup.password;
    } catch {
      return this.abort("connection_lost_during_commit");
    }
    const fp = held === null ? null : await this.ports.registry.fingerprint(held);
    if (fp === newFingerprint) {
      this.set({ step: "unresolved", commitPhase: null, problem: { code: "storage_failed_after_update", params: { reason } } });
      this.finish();
    } else if (fp !== null && fp === this.startFingerprint) {
      this.abort("storage_failed_not_applied", { reason });
    } else {
      this.abort(fp === null ? "storage_failed_no_key" : "storage_failed_other_key", { reason });
    }
  }

  private waitForIdle(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let unsub: (() => Promise<void>) | null = null;
      let done = false;
      const end = (ok: boolean) => {
        if (done) return;
        done = true;
        void unsub?.().catch(() => undefined);
        this.idleWaiter = null;
        resolve(ok);
      };
      this.idleWaiter = {
        cancel: () => end(false),
      };
      subscribeBackupEvents(this.ports.conn, (ev: ManagerStateEvent) => {
        if (ev.manager_state === "idle") end(true);
      })
        .then((u) => {
          unsub = u;
          if (done) void u().catch(() => undefined);
        })
        .catch(() => end(false));
    });
  }

  /** Cancels the wait for a running backup to finish (the key is left as it was). */
  async stopWaiting(): Promise<void> {
    if (this.step !== "waiting_for_idle") return;
    this.abort("manager_busy_cancelled");
    if (this._state.instanceId) await this.ports.registry.saveCheckpoint(this._state.instanceId, null);
  }

  /** After the change: create a backup with the new key and check that the new key opens it. */
  async createAndVerifyBackup(): Promise<void> {
    if (this.step !== "done" || this.newKey === null || !this._state.newGeneration || !this._state.instanceId) return;
    const { conn, registry } = this.ports;
    // Before 2025.2 HA cannot check a key against a backup: nothing is made or sent.
    if (!backupFeatures(conn.haVersion).canDecryptOnDownload) {
      this.set({ after: { phase: "failed", stage: null, backupId: null, problem: { code: "online_check_unavailable" } } });
      return;
    }
    const key = this.newKey;
    const instanceId = this._state.instanceId;
    const generation = this._state.newGeneration;
    const update = (patch: Partial<AfterBackupState>) => this.set({ after: { ...(this._state.after ?? { phase: "creating", stage: null, backupId: null, problem: null }), ...patch } });
    update({ phase: "creating", stage: null, backupId: null, problem: null });
    const before = new Set((await fetchBackupInfo(conn)).backups.map((b) => b.backup_id));
    let sawStart = false;
    const outcome = await new Promise<"completed" | "failed">((resolve, reject) => {
      let unsub: (() => Promise<void>) | null = null;
      subscribeBackupEvents(conn, (ev) => {
        if (ev.manager_state === "create_backup") {
          sawStart = true;
          if (ev.stage) update({ stage: ev.stage });
          if (ev.state === "completed" || ev.state === "failed") {
            void unsub?.().catch(() => undefined);
            resolve(ev.state);
          }
        } else if (ev.manager_state === "idle" && sawStart) {
          void unsub?.().catch(() => undefined);
          resolve("completed");
        }
      })
        .then(async (u) => {
          unsub = u;
          await generateBackupWithAutomaticSettings(conn);
        })
        .catch(reject);
    }).catch((err: unknown) => {
      update({ phase: "failed", problem: { code: "ha_error", params: { message: toHaError(err).message } } });
      return null;
    });
    if (outcome === null) return;
    if (outcome === "failed") {
      update({ phase: "failed", problem: { code: "backup_failed" } });
      return;
    }
    const created = (await fetchBackupInfo(conn)).backups.find((b) => !before.has(b.backup_id));
    if (!created) {
      update({ phase: "failed", problem: { code: "backup_not_found" } });
      return;
    }
    update({ phase: "verifying", backupId: created.backup_id });
    await registry.reconcile(conn);
    const encrypted = Object.entries(created.agents).filter(([, a]) => a.protected);
    try {
      for (const [agentId] of encrypted) {
        await canDecryptOnDownload(conn, created.backup_id, agentId, key);
        await registry.markVerified(instanceId, created.backup_id, agentId, generation.id);
      }
      update({ phase: encrypted.length > 0 ? "verified" : "failed", problem: encrypted.length > 0 ? null : { code: "backup_unencrypted" } });
    } catch (err) {
      update({ phase: "failed", problem: { code: toHaError(err).code === "password_incorrect" ? "new_key_does_not_open" : "ha_error", params: { message: toHaError(err).message } } });
    }
  }

  /** Forgets the new key once the user closes the finished dialog. */
  close(): void {
    this.newKey = null;
    this.oldKey = null;
    this.finish();
  }

  private saveKit(key: string, generation: GenerationSummary | null, backups: BackupSummary[], guessed: BackupSummary[]): void {
    const date = this.ports.now();
    const { kit } = this.ports;
    const text = renderEmergencyKit({
      key,
      instanceName: kit.instanceName,
      url: kit.url,
      date,
      language: kit.language,
      timeZone: kit.timeZone,
      haVersion: kit.haVersion,
      generation: generation ? { number: generation.number, fingerprint: generation.fingerprint, startedAt: generation.startedAt } : undefined,
      backups,
      guessed,
    });
    this.ports.download(emergencyKitFileName({ instanceName: kit.instanceName, date, generation: generation?.number, timeZone: kit.timeZone }), text);
  }
}
