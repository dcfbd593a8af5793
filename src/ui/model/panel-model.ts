// Pure view logic for the panel: one row per backup copy (backup × location), names for
// locations in HA's order, filtering and sorting. No DOM, tested in Node.
import { agentRank, type BackupAgent, type BackupInfo } from "../../data/backup.js";
import { agentName, type LocationNaming } from "./location-names.js";

export type Confidence = "verified" | "observed" | "inferred" | "unknown" | "unencrypted";

export interface CopyRow {
  /** `<backup_id>|<agent_id>`: stable across reloads. */
  id: string;
  backupId: string;
  name: string;
  date: string;
  size: number;
  agentId: string;
  agentName: string;
  /** `protected` as HA reports it for this copy. */
  protectedClaim: boolean;
  generation: number | null;
  confidence: Confidence;
  /** Last check: "ok", "failed", "other_key", "mismatch", "not_supported", "mislabelled", "error" or null. */
  check: string | null;
  /** Generations whose key is known not to open this copy (a check tried it), oldest first. */
  triedGenerations: number[];
  /** HA's current key is among them. */
  triedCurrent: boolean;
  deleted: boolean;
}

export function copyRows(info: BackupInfo, agents: BackupAgent[], naming: LocationNaming): CopyRow[] {
  const rows: CopyRow[] = [];
  for (const b of info.backups) {
    const ids = Object.keys(b.agents).sort((x, y) => agentRank(x) - agentRank(y) || x.localeCompare(y));
    for (const agentId of ids) {
      const copy = b.agents[agentId]!;
      rows.push({
        id: `${b.backup_id}|${agentId}`,
        backupId: b.backup_id,
        name: b.name,
        date: b.date,
        size: copy.size,
        agentId,
        agentName: agentName(agentId, agents, naming),
        protectedClaim: copy.protected,
        generation: null,
        confidence: copy.protected ? "unknown" : "unencrypted",
        check: null,
        triedGenerations: [],
        triedCurrent: false,
        deleted: false,
      });
    }
  }
  return rows;
}

export type SortKey = "date" | "name" | "location" | "size" | "generation";

export function filterRows(rows: CopyRow[], query: string): CopyRow[] {
  const q = query.trim().toLowerCase();
  if (!q) return rows;
  return rows.filter((r) => `${r.name} ${r.backupId} ${r.agentName} ${r.agentId}`.toLowerCase().includes(q));
}

/** Plain code-unit order: for ISO dates and ids (a locale's collation costs far more, and 30 000 rows are sorted at once). */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
let collator: Intl.Collator | null = null;
/** Names as people sort them; one collator for every comparison (`localeCompare` builds one per call). */
const byName = (a: string, b: string) => (collator ??= new Intl.Collator()).compare(a, b);

export function sortRows(rows: CopyRow[], key: SortKey, descending: boolean): CopyRow[] {
  if (key === "date") {
    // The order the table opens in, over every copy at once: keys taken out once, compared inline.
    const keyed = rows.map((r) => [r.date, r.id, r] as const);
    keyed.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
    const sorted = keyed.map((k) => k[2]);
    return descending ? sorted.reverse() : sorted;
  }
  const cmp: Record<SortKey, (a: CopyRow, b: CopyRow) => number> = {
    date: (a, b) => byText(a.date, b.date),
    name: (a, b) => byName(a.name, b.name),
    location: (a, b) => agentRank(a.agentId) - agentRank(b.agentId) || byName(a.agentName, b.agentName),
    size: (a, b) => a.size - b.size,
    generation: (a, b) => (a.generation ?? 0) - (b.generation ?? 0),
  };
  const by = cmp[key];
  const sorted = [...rows].sort((a, b) => by(a, b) || byText(a.id, b.id));
  return descending ? sorted.reverse() : sorted;
}

export function formatSize(bytes: number, language: string | undefined): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${new Intl.NumberFormat(language, { maximumFractionDigits: u === 0 ? 0 : 1 }).format(v)} ${units[u]}`;
}

// Dates moved to src/common/datetime.ts (shared by the card, the dialogs and the views).
export { formatDateTime } from "../../common/datetime.js";
