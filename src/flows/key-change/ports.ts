// What the key-change flow needs from the world. The panel wires these to the real registry,
// HA connection and browser; tests wire them to a simulated HA and fake-indexeddb.
import type { HaConnection } from "../../data/connection.js";
import type { LockPort } from "../../common/locks.js";
import type { KitBackup } from "../../kit/render.js";
import type { GenerationSummary } from "../../registry/model.js";
import type { KitLists } from "../../registry/kit-lists.js";

export type { GenerationSummary };
/** A backup as the kit lists it: id, date, name and the locations holding a copy. */
export type BackupSummary = KitBackup;

export interface KeyChangeRegistry {
  /**
   * Folds HA's current state in (this also resolves a pending generation left by an interrupted
   * commit). `resolvePending`: the flow asks for itself, so its own pending generation is settled
   * by what HA holds now although the flow holds the key-change lock.
   */
  reconcile(conn: HaConnection, options?: { resolvePending?: boolean }): Promise<{ instanceId: string; active: GenerationSummary | null }>;
  fingerprint(key: string): Promise<string>;
  /** A generation's kit lists: facts (`checked` = proven by a check) and guesses, locations named as HA shows them. */
  backupsOpenedBy(instanceId: string, generationId: string, locationNames?: Record<string, string>): Promise<KitLists>;
  markKitDownloaded(instanceId: string, generationId: string): Promise<void>;
  beginPending(instanceId: string, fingerprint: string, facts: { kitDownloadedAt: string | null; kitProvenAt: string | null }): Promise<GenerationSummary>;
  activatePending(instanceId: string, pendingId: string): Promise<GenerationSummary>;
  dropPending(instanceId: string, pendingId: string, reason: string): Promise<void>;
  markVerified(instanceId: string, backupId: string, agentId: string, generationId: string): Promise<void>;
  /** Encrypted copies HA lists now, for the old key's check before the commit. */
  encryptedCopies(instanceId: string): Promise<CopyToProve[]>;
  /**
   * Checks these copies with `key` through `backup/can_decrypt_on_download` and records what it
   * proves (copies already proven or already known not to open with it are skipped).
   */
  proveKey(
    conn: HaConnection,
    instanceId: string,
    key: string,
    copies: CopyToProve[],
    options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
  ): Promise<{ opened: number; checked: number; unavailable?: boolean }>;
  /** A note that survives the panel being recreated: which step an unfinished flow reached. */
  saveCheckpoint(instanceId: string, checkpoint: FlowCheckpoint | null): Promise<void>;
  loadCheckpoint(instanceId: string): Promise<FlowCheckpoint | null>;
}

export interface CopyToProve {
  backupId: string;
  agentId: string;
  size: number;
  /** On this device (HA reads it from disk); otherwise HA downloads the whole backup to check it. */
  local: boolean;
  /** Nothing left to learn online: proven, known not to open with the current key, or not checkable online. */
  settled: boolean;
  /** No key generation is known for it. */
  unknown: boolean;
}

export interface FlowCheckpoint {
  startedAt: string;
  step: string;
  pendingId: string | null;
}

export interface KitContext {
  instanceName: string;
  url: string;
  language: string;
  timeZone?: string;
  haVersion?: string;
  /** Agent id → the location's name as HA shows it (Local, Cloud, NAS), for the kit's lists. */
  locationNames?: Record<string, string>;
}

export interface KeyChangePorts {
  conn: HaConnection;
  registry: KeyChangeRegistry;
  locks: LockPort;
  kit: KitContext;
  /** Saves a text file on the user's device (never a network request). */
  download(fileName: string, text: string): void;
  randomBytes(n: number): Uint8Array;
  now(): Date;
}
