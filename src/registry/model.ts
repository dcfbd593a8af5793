// What the registry stores. Never a bare key: generations are known by a salted fingerprint.
export type GenerationStatus = "pending" | "active" | "retired" | "abandoned";
/** How a generation came to be: our change flow, already in place when first seen, changed outside our flow, or from an import/old kit. */
export type GenerationOrigin = "flow" | "observed" | "elsewhere" | "imported";
export type Confidence = "verified" | "observed" | "inferred" | "unknown" | "unencrypted";
/**
 * `other_key`: it did not open with the keys tried, none of which is the key of the generation it
 * is believed (or known) to need: evidence, not a failure.
 */
export type CheckResult = "ok" | "failed" | "other_key" | "not_supported" | "mislabelled" | "error";

export interface InstanceRecord {
  id: string;
  /** HA's `instance_id` from backups' extra_metadata, once known. */
  haInstanceId: string | null;
  /** URL + location name: how an instance without backups is recognised. */
  urlKey: string;
  name: string;
  url: string;
  firstSeenAt: string;
  lastReconciledAt: string | null;
  /** HA currently has no encryption key set. */
  noKey: boolean;
}

export interface GenerationRecord {
  id: string;
  instanceId: string;
  number: number;
  fingerprint: string;
  status: GenerationStatus;
  origin: GenerationOrigin;
  firstSeenAt: string;
  activatedAt: string | null;
  /** The last reconciliation that still found it active: with activatedAt, the span we watched it. */
  lastSeenActiveAt: string | null;
  retiredAt: string | null;
  kitDownloadedAt: string | null;
  kitProvenAt: string | null;
  label: string | null;
  /**
   * Earlier active periods of a key seen again later (HA put back on an older key): each from its
   * activation to its last observation. Absent when the generation was active only once.
   */
  earlierPeriods?: { from: string; to: string }[];
}

export interface CopyRecord {
  instanceId: string;
  backupId: string;
  agentId: string;
  name: string;
  date: string;
  size: number;
  protected: boolean;
  generationId: string | null;
  confidence: Confidence;
  lastCheck: { result: CheckResult; at: string } | null;
  /** Derived from the two marks below: marked deleted later than last found listed again. */
  deleted: boolean;
  /** When a reconciliation last found it gone from HA's list (kept after it is listed again). */
  deletedAt: string | null;
  /**
   * When a reconciliation found it listed again after a deletion mark (set only then, so it does
   * not change on every reconciliation). Absent = never.
   */
  listedAt?: string;
  /** A check proved another generation than the registry had recorded. */
  mismatch: boolean;
  /** Generations whose own key was tried on this copy and did not open it (absent = none). */
  ruledOut?: string[];
  /**
   * Every check result with a generation, with its time: the last time that generation's key
   * opened this copy (`ok`) and the last time it failed to (`failed`). The later one counts, so
   * devices that checked at different times agree on the outcome. Absent = none recorded yet
   * (records from before this field take it from `lastCheck` and `ruledOut`, `merge.ts`).
   */
  evidence?: Record<string, CopyEvidence>;
}

export interface CopyEvidence {
  ok?: string;
  failed?: string;
}

export type JournalType =
  | "generation_observed"
  | "key_changed"
  | "key_changed_elsewhere"
  | "generation_reactivated"
  | "key_removed"
  | "change_abandoned"
  | "kit_downloaded"
  | "kit_proven"
  | "check_passed"
  | "check_failed"
  | "mismatch"
  | "backup_deleted"
  | "imported"
  | "generation_imported"
  | "exported";

export interface JournalEntry {
  id?: number;
  instanceId: string | null;
  at: string;
  type: JournalType;
  params: Record<string, string | number>;
}

export interface GenerationSummary {
  id: string;
  number: number;
  fingerprint: string;
  startedAt: string;
  kitDownloadedAt: string | null;
  kitProvenAt: string | null;
}

export function summarize(g: GenerationRecord): GenerationSummary {
  return {
    id: g.id,
    number: g.number,
    fingerprint: g.fingerprint,
    startedAt: g.activatedAt ?? g.firstSeenAt,
    kitDownloadedAt: g.kitDownloadedAt,
    kitProvenAt: g.kitProvenAt,
  };
}

export class RegistryError extends Error {
  constructor(
    readonly code: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`registry: ${code}`);
    this.name = "RegistryError";
  }
}
