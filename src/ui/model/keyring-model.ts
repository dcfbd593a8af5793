// Pure view logic over the registry: the table rows with generations, the plain-language status
// ("All 27 backups open with keys you hold"), and facts for the overview. No DOM, tested in Node.
import type { BackupAgent } from "../../data/backup.js";
import type { CopyRecord, GenerationRecord } from "../../registry/model.js";
import { agentName, type LocationNaming } from "./location-names.js";
import type { CopyRow } from "./panel-model.js";
import type { LocalizeFunc, TranslationKey } from "../../common/localize.js";

export function registryRows(copies: CopyRecord[], generations: GenerationRecord[], agents: BackupAgent[], naming: LocationNaming): CopyRow[] {
  const numberOf = new Map(generations.map((g) => [g.id, g.number]));
  const active = generations.find((g) => g.status === "active");
  return copies.map((c) => ({
    id: `${c.backupId}|${c.agentId}`,
    backupId: c.backupId,
    name: c.name,
    date: c.date,
    size: c.size,
    agentId: c.agentId,
    agentName: agentName(c.agentId, agents, naming),
    protectedClaim: c.protected,
    generation: c.generationId === null ? null : (numberOf.get(c.generationId) ?? null),
    confidence: c.confidence,
    check: c.mismatch ? "mismatch" : (c.lastCheck?.result ?? null),
    // What checks tried: every generation whose key failed on this copy is in `ruledOut`.
    triedGenerations: (c.ruledOut ?? [])
      .map((id) => numberOf.get(id))
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b),
    triedCurrent: active !== undefined && (c.ruledOut ?? []).includes(active.id),
    deleted: c.deleted,
  }));
}

/**
 * What the last check says about a copy, in words: which key it was tried with (the current key,
 * or only a loaded older one), and that an error means "could not be checked", never "failed".
 */
export function checkNote(row: Pick<CopyRow, "check" | "generation" | "triedCurrent" | "triedGenerations">, t: LocalizeFunc): string | null {
  if (row.check === "error") return t("panel.table.check_error");
  if (row.check === "not_supported") return t("panel.table.not_supported");
  if (row.check !== "other_key") return null;
  if (row.generation === null) return t("panel.table.other_key_unknown");
  if (row.triedCurrent) return t("panel.table.other_key", { generation: row.generation });
  const tried = row.triedGenerations.filter((n) => n !== row.generation);
  if (tried.length > 0) return t("panel.table.other_key_tried", { tried: tried.join(", "), generation: row.generation });
  return t("panel.table.other_key_expected", { generation: row.generation });
}

export type KeyringStatusKind = "empty" | "all_open" | "needs_kits" | "unknown_keys";

export interface KeyringStatus {
  kind: KeyringStatusKind;
  /** Backups HA still lists (not deleted everywhere). */
  total: number;
  /** Backups that open with a key held now (or are unencrypted). */
  open: number;
  /** Of those, the ones a check proved at every encrypted copy (the rest only probably open). */
  openProven: number;
  /**
   * Per generation whose key is not held now: how many backups need it, oldest generation first,
   * and whether its emergency kit was saved (then it is a reminder, not a warning).
   */
  needs: { generation: number; count: number; kitSaved: boolean }[];
  /** Backups whose key generation nobody knows yet. */
  unknown: number;
  /** Encrypted copies whose generation is only assumed (by date), not proven by a check. */
  unverified: number;
  /** Per backup, the three words every surface uses: proven, probably (not checked), unknown. */
  counts: ConfidenceCounts;
}

export interface ConfidenceCounts {
  /** Every encrypted copy verified (or the backup is not encrypted at all). */
  proven: number;
  /** Every encrypted copy assigned to a generation, at least one only by observation or date. */
  probably: number;
  /** At least one encrypted copy of no known generation. */
  unknown: number;
}

/** One word per backup (not per copy): the weakest of its encrypted copies decides. */
export function confidenceCounts(copies: CopyRecord[]): ConfidenceCounts {
  const worst = new Map<string, number>();
  const rank = { unencrypted: 0, verified: 0, observed: 1, inferred: 1, unknown: 2 } as const;
  for (const c of copies) {
    if (c.deleted) continue;
    worst.set(c.backupId, Math.max(worst.get(c.backupId) ?? 0, rank[c.confidence]));
  }
  const out = { proven: 0, probably: 0, unknown: 0 };
  for (const r of worst.values()) out[r === 0 ? "proven" : r === 1 ? "probably" : "unknown"]++;
  return out;
}

/**
 * Per backup (not per copy): it opens when each of its encrypted copies belongs to a generation
 * whose key is held now (HA's current key, or an old kit/key loaded this session).
 */
export function keyringStatus(copies: CopyRecord[], generations: GenerationRecord[], heldFingerprints: ReadonlySet<string>): KeyringStatus {
  const held = new Set(generations.filter((g) => heldFingerprints.has(g.fingerprint)).map((g) => g.id));
  const numberOf = new Map(generations.map((g) => [g.id, g.number]));
  const kitSaved = new Set(generations.filter((g) => g.kitDownloadedAt !== null || g.kitProvenAt !== null).map((g) => g.number));
  const byBackup = new Map<string, CopyRecord[]>();
  for (const c of copies) {
    if (c.deleted) continue;
    const list = byBackup.get(c.backupId) ?? [];
    list.push(c);
    byBackup.set(c.backupId, list);
  }
  let open = 0;
  let openProven = 0;
  let unknown = 0;
  let unverified = 0;
  const needs = new Map<number, number>();
  for (const list of byBackup.values()) {
    // Every encrypted copy counts: an unencrypted copy on one location does not help when that
    // location is the one that is lost.
    unverified += list.filter((c) => c.protected && c.confidence !== "verified").length;
    const locked = list.filter((c) => c.protected && !(c.generationId !== null && held.has(c.generationId)));
    if (locked.length === 0) {
      open++;
      if (list.every((c) => !c.protected || c.confidence === "verified")) openProven++;
      continue;
    }
    const known = locked.map((c) => (c.generationId === null ? undefined : numberOf.get(c.generationId))).filter((n): n is number => n !== undefined);
    if (known.length === 0) unknown++;
    else {
      const n = Math.min(...known);
      needs.set(n, (needs.get(n) ?? 0) + 1);
    }
  }
  const total = byBackup.size;
  const kind: KeyringStatusKind = total === 0 ? "empty" : needs.size > 0 ? "needs_kits" : unknown > 0 ? "unknown_keys" : "all_open";
  return {
    kind,
    total,
    open,
    openProven,
    unknown,
    unverified,
    counts: confidenceCounts(copies),
    needs: [...needs].sort((a, b) => a[0] - b[0]).map(([generation, count]) => ({ generation, count, kitSaved: kitSaved.has(generation) })),
  };
}

export interface StatusLine {
  kind: "success" | "warning" | "error" | "info";
  key: TranslationKey;
  params?: Record<string, string | number>;
}

/**
 * The overview's sentences, in the three words every surface uses: proven (a check opened it),
 * probably (not checked), unknown. "Open" alone is said only of what a check proved.
 */
export function overviewLines(s: KeyringStatus): StatusLine[] {
  if (s.kind === "empty") return [{ kind: "info", key: "panel.status.empty" }];
  const counts: StatusLine = { kind: "info", key: "panel.status.counts", params: { ...s.counts } };
  if (s.kind === "all_open") {
    // "Open" is only a promise once every encrypted copy was checked; until then say it is a guess.
    if (s.unverified === 0) return [{ kind: "success", key: "panel.status.all_open", params: { count: s.total } }];
    return [{ kind: "info", key: "panel.status.probably_open", params: { count: s.total } }, counts];
  }
  // A generation whose kit was saved is expected to be needed by its backups: a reminder, not a warning.
  const lines: StatusLine[] = s.needs.map((n) => ({
    kind: n.kitSaved ? "info" : "warning",
    key: n.kitSaved ? "panel.status.needs_saved" : "panel.status.needs",
    params: { count: n.count, generation: n.generation },
  }));
  if (s.unknown > 0) lines.push({ kind: "warning", key: "panel.status.unknown", params: { count: s.unknown } });
  lines.unshift({
    kind: lines.some((l) => l.kind === "warning") ? "warning" : "info",
    key: "panel.status.partial",
    params: { proven: s.openProven, probably: s.open - s.openProven, count: s.total },
  });
  lines.push(counts);
  return lines;
}

/** The newest backup HA lists and when one of its copies was last proven to open. */
export function newestBackupCheck(copies: CopyRecord[]): { backupId: string; name: string; date: string; verifiedAt: string | null; protected: boolean } | null {
  const live = copies.filter((c) => !c.deleted);
  if (live.length === 0) return null;
  const newest = live.reduce((a, b) => (b.date > a.date ? b : a));
  const same = live.filter((c) => c.backupId === newest.backupId);
  const verifiedAt =
    same
      .filter((c) => c.confidence === "verified" && c.lastCheck?.result === "ok")
      .map((c) => c.lastCheck!.at)
      .sort()
      .at(-1) ?? null;
  return { backupId: newest.backupId, name: newest.name, date: newest.date, verifiedAt, protected: same.some((c) => c.protected) };
}

/** Whole days between two instants, for "generation 2, 14 days old". */
export function ageInDays(fromIso: string, now: Date): number {
  const t = new Date(fromIso).getTime();
  if (Number.isNaN(t)) return 0;
  return Math.max(0, Math.floor((now.getTime() - t) / 86_400_000));
}

/**
 * Since when a key has been in use: its first sighting by this registry, or the date of the oldest
 * backup credited to it if that is earlier (a registry started today still knows that last year's
 * backups were made with the key).
 */
export function inUseSince(g: Pick<GenerationRecord, "id" | "activatedAt" | "firstSeenAt">, copies: Pick<CopyRecord, "generationId" | "date">[]): string {
  let since = g.activatedAt ?? g.firstSeenAt;
  let sinceMs = new Date(since).getTime();
  for (const c of copies) {
    if (c.generationId !== g.id) continue;
    const t = new Date(c.date).getTime();
    if (!Number.isNaN(t) && (Number.isNaN(sinceMs) || t < sinceMs)) {
      since = c.date;
      sinceMs = t;
    }
  }
  return since;
}

/** The kit's state for one generation, worst first. */
export type KitState = "none" | "downloaded" | "proven";

export function kitState(g: Pick<GenerationRecord, "kitDownloadedAt" | "kitProvenAt">): KitState {
  return g.kitProvenAt ? "proven" : g.kitDownloadedAt ? "downloaded" : "none";
}

/** Generations for the timeline: newest first, abandoned key changes left out. */
export function timeline(generations: GenerationRecord[]): GenerationRecord[] {
  return generations.filter((g) => g.status !== "abandoned").sort((a, b) => b.number - a.number);
}
