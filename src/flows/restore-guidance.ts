// Restore guidance for one backup: which key generation opens it, whether that generation's kit
// was proven (and when), and the steps in Home Assistant — including the case HA users trip over:
// restoring a backup made under an older key, where HA's restore dialog asks for another key
// after its current one fails. Pure: translation keys with parameters, no DOM, no registry, so the
// panel and the offline recovery page (a backup file plus a set of kits) can both use it.
import { emergencyKitFileName } from "../kit/render.js";
import type { CopyRecord, GenerationRecord } from "../registry/model.js";
import type { TranslationKey } from "../common/localize.js";

export interface GuidanceLine {
  key: TranslationKey;
  params?: Record<string, string | number>;
}

/** What is known about the generation that opens (some copies of) a backup. */
export interface GuidanceGeneration {
  id: string;
  number: number;
  /** HA holds this key now (the active generation). */
  current: boolean;
  kitDownloadedAt: string | null;
  kitProvenAt: string | null;
  /** When the generation began, if known (our own key change); HA's kit carries only its download date. */
  startedAt: string | null;
}

/** One copy of the backup (a location, or a file on the recovery page). */
export interface GuidanceCopy {
  agentId: string;
  protected: boolean;
  generation: GuidanceGeneration | null;
  /** A check opened it with this generation's key; otherwise the generation is a guess (by date). */
  verified: boolean;
}

export type GuidanceConfidence = "proven" | "probably" | "unknown" | "unencrypted";

export interface RestoreOption {
  /** null: nobody knows yet which key opens these copies. */
  generation: number | null;
  generationId: string | null;
  current: boolean;
  /** Locations (agent ids) this option applies to. */
  locations: string[];
  confidence: GuidanceConfidence;
  /** `loaded`: the kit file the user loaded on the recovery page (`fileName` is that file). */
  kit: { state: "proven" | "downloaded" | "none" | "loaded"; provenAt: string | null; downloadedAt: string | null; fileName: string | null } | null;
  /** What to tell the user, in order. */
  lines: GuidanceLine[];
}

export interface RestoreGuidance {
  name: string;
  date: string;
  options: RestoreOption[];
}

export interface GuidanceContext {
  /** The instance's name as HA reports it (`location_name`): part of our kit file name. */
  instanceName: string;
  /** The zone the panel shows dates in (HA's setting, resolved): the kit file name's day is in it. */
  timeZone: string | undefined;
}

/**
 * The kit file name our panel and key-change flow gave this generation's kit when it was last
 * downloaded (same rule as src/kit: instance, day of the download in the zone the kit was written
 * in, generation). null when no kit was downloaded through Backup Keyring (then only HA's own kit
 * file may exist).
 */
export function kitFileNameFor(g: Pick<GuidanceGeneration, "number" | "kitDownloadedAt">, instanceName: string, timeZone: string | undefined): string | null {
  if (!g.kitDownloadedAt || Number.isNaN(new Date(g.kitDownloadedAt).getTime())) return null;
  return emergencyKitFileName({ instanceName, date: new Date(g.kitDownloadedAt), generation: g.number, timeZone });
}

function optionFor(locations: string[], gen: GuidanceGeneration | null, verified: boolean, encrypted: boolean, ctx: GuidanceContext): RestoreOption {
  if (!encrypted) {
    return { generation: null, generationId: null, current: false, locations, confidence: "unencrypted", kit: null, lines: [{ key: "restore.unencrypted" }] };
  }
  if (!gen) {
    return {
      generation: null,
      generationId: null,
      current: false,
      locations,
      confidence: "unknown",
      kit: null,
      lines: [{ key: "restore.unknown.what" }, { key: "restore.unknown.load_kits" }, { key: "restore.unknown.ha" }],
    };
  }
  const n = gen.number;
  const fileName = kitFileNameFor(gen, ctx.instanceName, ctx.timeZone);
  const kitState = gen.kitProvenAt ? "proven" : gen.kitDownloadedAt ? "downloaded" : "none";
  const lines: GuidanceLine[] = [];
  lines.push(verified ? { key: "restore.opens.proven", params: { generation: n } } : { key: "restore.opens.probably", params: { generation: n } });
  if (kitState === "proven") lines.push({ key: "restore.kit.proven", params: { generation: n, date: gen.kitProvenAt! } });
  else if (kitState === "downloaded") lines.push({ key: "restore.kit.downloaded", params: { generation: n, date: gen.kitDownloadedAt! } });
  else if (gen.startedAt) lines.push({ key: "restore.kit.none", params: { generation: n, date: gen.startedAt } });
  else lines.push({ key: "restore.kit.none_undated", params: { generation: n } });
  const file = fileName ?? "home_assistant_backup_emergency_kit_….txt";
  if (gen.current) {
    lines.push({ key: "restore.steps.current", params: { generation: n } });
    lines.push({ key: "restore.steps.new_hardware", params: { generation: n, file } });
  } else {
    lines.push({ key: "restore.steps.older", params: { generation: n, file } });
    lines.push({ key: "restore.steps.new_hardware", params: { generation: n, file } });
  }
  return {
    generation: n,
    generationId: gen.id,
    current: gen.current,
    locations,
    confidence: verified ? "proven" : "probably",
    kit: { state: kitState, provenAt: gen.kitProvenAt, downloadedAt: gen.kitDownloadedAt, fileName },
    lines,
  };
}

/** Guidance for one backup from its copies: one option per distinct generation (usually one). */
export function restoreGuidance(backup: { name: string; date: string; copies: GuidanceCopy[] }, ctx: GuidanceContext): RestoreGuidance {
  const groups = new Map<string, { copies: GuidanceCopy[] }>();
  for (const c of backup.copies) {
    const key = !c.protected ? "plain" : c.generation ? `g:${c.generation.id}` : "unknown";
    const g = groups.get(key) ?? { copies: [] };
    g.copies.push(c);
    groups.set(key, g);
  }
  const options = [...groups.entries()].map(([key, g]) => {
    const first = g.copies[0]!;
    return optionFor(
      g.copies.map((c) => c.agentId),
      key === "plain" || key === "unknown" ? null : first.generation,
      // "Proven" only when every copy in the group was opened by a check.
      g.copies.every((c) => c.verified),
      key !== "plain",
      ctx,
    );
  });
  // Unknown first (it needs action), then older generations, then the current key, unencrypted last.
  const rank = (o: RestoreOption) => (o.confidence === "unknown" ? 0 : o.confidence === "unencrypted" ? 3 : o.current ? 2 : 1);
  options.sort((a, b) => rank(a) - rank(b) || (a.generation ?? 0) - (b.generation ?? 0));
  return { name: backup.name, date: backup.date, options };
}

/** The registry's view of a backup turned into guidance (deleted copies are left out). */
export function restoreGuidanceFromRegistry(backupId: string, copies: CopyRecord[], generations: GenerationRecord[], ctx: GuidanceContext): RestoreGuidance | null {
  const mine = copies.filter((c) => c.backupId === backupId && !c.deleted);
  if (mine.length === 0) return null;
  const byId = new Map(generations.map((g) => [g.id, g]));
  const toGen = (g: GenerationRecord): GuidanceGeneration => ({
    id: g.id,
    number: g.number,
    current: g.status === "active",
    kitDownloadedAt: g.kitDownloadedAt,
    kitProvenAt: g.kitProvenAt,
    // Only a change made through our flow dates the key; otherwise we only know when we first saw it.
    startedAt: g.origin === "flow" ? g.activatedAt : null,
  });
  return restoreGuidance(
    {
      name: mine[0]!.name,
      date: mine[0]!.date,
      copies: mine.map((c) => {
        const g = c.generationId === null ? undefined : byId.get(c.generationId);
        return { agentId: c.agentId, protected: c.protected, generation: g ? toGen(g) : null, verified: c.confidence === "verified" };
      }),
    },
    ctx,
  );
}

/** A kit (or typed key) loaded on the offline recovery page, in the order its key was tried. */
export interface LoadedKit {
  /** The file the user loaded; null for a typed key. */
  fileName: string | null;
  /** From our Backup Keyring block; HA's own kit has neither. */
  generation?: number;
  fingerprint?: string;
}

/**
 * Guidance for a backup file checked against the loaded kits (recovery page). Here the opener is
 * proven by the check and the kit file is the one the user actually loaded, so its real name is
 * given (not a recomputed one); an HA kit without our block is named by its file alone.
 */
export function restoreGuidanceForFile(report: { file: string; name: string | null; date: string | null; encrypted: boolean; openedBy: number | null }, kits: readonly LoadedKit[]): RestoreGuidance {
  const guidance = (o: Omit<RestoreOption, "locations" | "current" | "generationId">, generationId: string | null = null): RestoreGuidance => ({
    name: report.name ?? report.file,
    date: report.date ?? "",
    options: [{ ...o, locations: [report.file], current: false, generationId }],
  });
  if (!report.encrypted) return guidance({ generation: null, confidence: "unencrypted", kit: null, lines: [{ key: "restore.unencrypted" }] });
  const kit = report.openedBy === null ? undefined : kits[report.openedBy];
  if (!kit) {
    // No loaded key opens every archive: the same honest "unknown", pointing to this page's kit loader.
    return guidance({
      generation: null,
      confidence: "unknown",
      kit: null,
      lines: [{ key: "restore.unknown.what" }, { key: "restore.file.load_kits" }, { key: "restore.unknown.ha" }],
    });
  }
  const file = kit.fileName;
  const loaded = { state: "loaded" as const, provenAt: null, downloadedAt: null, fileName: file };
  if (file === null) return guidance({ generation: null, confidence: "proven", kit: null, lines: [{ key: "restore.file.opens_typed" }] });
  const n = kit.generation;
  if (n === undefined) {
    return guidance({
      generation: null,
      confidence: "proven",
      kit: loaded,
      lines: [
        { key: "restore.file.opens_kit", params: { file } },
        { key: "restore.file.steps", params: { file } },
        { key: "restore.file.new_hardware", params: { file } },
      ],
    });
  }
  return guidance(
    {
      generation: n,
      confidence: "proven",
      kit: loaded,
      lines: [
        { key: "restore.opens.proven", params: { generation: n } },
        { key: "restore.steps.older", params: { generation: n, file } },
        { key: "restore.steps.new_hardware", params: { generation: n, file } },
      ],
    },
    kit.fingerprint ?? null,
  );
}
