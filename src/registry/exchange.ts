// Export and import of the whole registry as versioned JSON (never keys). Import validates every
// field before touching the store, then merges in one transaction: a bad file changes nothing.
import { bucketOf } from "./copy-store.js";
import { RULES, clipText, isId } from "./mirror-codec.js";
import { copyFacts, keepBelief, mergeCopy, sameCopy } from "./merge.js";
import { RegistryError, type CopyRecord, type GenerationRecord, type InstanceRecord, type JournalEntry } from "./model.js";
import { REGISTRY_LOCK, type Registry } from "./registry.js";

export const EXPORT_FORMAT = "backup-keyring-registry";
export const EXPORT_VERSION = 1;
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

export interface RegistryExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: string;
  /** The fingerprint salt (base64). Keep exports private: with it, fingerprints allow offline guessing. */
  salt: string;
  instances: InstanceRecord[];
  generations: GenerationRecord[];
  copies: CopyRecord[];
  journal: JournalEntry[];
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/**
 * A copy as exports have always carried it: the check evidence with its times and the "listed
 * again" mark stay in the browser (and its mirror); an import takes them from the last check,
 * the ruled-out generations and the deletion flag (`merge.ts`), which say the same.
 */
function exportedCopy(c: CopyRecord): CopyRecord {
  const { evidence: _e, listedAt: _l, ...rest } = c;
  // A name longer than any reader takes is cut, as the mirror cuts it.
  return { ...rest, name: clipText(c.name), deletedAt: c.deleted ? c.deletedAt : null };
}

export async function exportRegistry(registry: Registry): Promise<string> {
  const dump = await registry.dump();
  const doc: RegistryExport = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: registry.now().toISOString(),
    salt: b64(await registry.currentSalt()),
    ...dump,
    instances: dump.instances.map((i) => ({ ...i, name: clipText(i.name) })),
    copies: dump.copies.map(exportedCopy),
    journal: dump.journal.map(({ id: _id, ...rest }) => rest),
  };
  const tx = registry.db.transaction(["meta", "journal"], "readwrite");
  await tx.objectStore("meta").put({ key: "lastExportAt", value: doc.exportedAt });
  await tx.objectStore("journal").add({ instanceId: null, at: doc.exportedAt, type: "exported", params: {} });
  await tx.done;
  return JSON.stringify(doc, null, 1);
}

// --- validation: strict, with the path of the first problem ---

class Invalid extends Error {
  constructor(
    readonly code: string,
    readonly path: string,
  ) {
    super(code);
  }
}

type Check = (v: unknown, path: string) => void;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const str =
  (max = 500, min = 0): Check =>
  (v, p) => {
    if (typeof v !== "string" || v.length > max || v.length < min) throw new Invalid("invalid_field", p);
  };
/** Ids as the mirror takes them (`RULES`): HA's location ids and backup ids are free text (`<domain>.<unique_id>`). */
const id: Check = (v, p) => {
  if (!isId(v)) throw new Invalid("invalid_field", p);
};
const strOrNull =
  (max = 500): Check =>
  (v, p) => {
    if (v !== null) str(max)(v, p);
  };
const date: Check = (v, p) => {
  if (typeof v !== "string" || !ISO.test(v) || Number.isNaN(Date.parse(v))) throw new Invalid("invalid_field", p);
};
const dateOrNull: Check = (v, p) => {
  if (v !== null) date(v, p);
};
const bool: Check = (v, p) => {
  if (typeof v !== "boolean") throw new Invalid("invalid_field", p);
};
const int =
  (min: number, max: number): Check =>
  (v, p) => {
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) throw new Invalid("invalid_field", p);
  };
const oneOf =
  (...values: string[]): Check =>
  (v, p) => {
    if (typeof v !== "string" || !values.includes(v)) throw new Invalid("invalid_field", p);
  };
const hex64: Check = (v, p) => {
  if (typeof v !== "string" || !/^[0-9a-f]{64}$/.test(v)) throw new Invalid("invalid_field", p);
};

const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);
/** Names an object inherits (`constructor`, `toString`, …) and `__proto__`: never a field of ours. */
const PROTOTYPE_NAMES = new Set(["__proto__", "prototype", ...Object.getOwnPropertyNames(Object.prototype)]);
/** A field newer registries write and older exports lack. */
const optional = (check: Check): Check => Object.assign((v: unknown, p: string) => check(v, p), { optional: true });

function record(shape: Record<string, Check>): Check {
  return (v, p) => {
    if (!v || typeof v !== "object" || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) throw new Invalid("invalid_field", p);
    // Own properties only: `key in shape` would let inherited names through.
    for (const key of Object.keys(v)) if (!own(shape, key) || PROTOTYPE_NAMES.has(key)) throw new Invalid("unknown_field", `${p}.${key}`);
    for (const [key, check] of Object.entries(shape)) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) {
        if ((check as { optional?: boolean }).optional) continue;
        throw new Invalid("missing_field", `${p}.${key}`);
      }
      check((v as Record<string, unknown>)[key], `${p}.${key}`);
    }
  };
}

function list(item: Check, max: number): Check {
  return (v, p) => {
    if (!Array.isArray(v)) throw new Invalid("invalid_field", p);
    if (v.length > max) throw new Invalid("too_many", p);
    v.forEach((x, i) => item(x, `${p}[${i}]`));
  };
}

const checkInstance = record({
  id,
  haInstanceId: strOrNull(RULES.textMax),
  urlKey: str(RULES.textMax),
  name: str(RULES.textMax),
  url: str(RULES.textMax),
  firstSeenAt: date,
  lastReconciledAt: dateOrNull,
  noKey: bool,
});
const period = record({ from: date, to: date });
const checkGeneration = record({
  id,
  instanceId: id,
  number: int(1, 100000),
  fingerprint: hex64,
  status: oneOf("pending", "active", "retired", "abandoned"),
  origin: oneOf("flow", "observed", "elsewhere", "imported"),
  firstSeenAt: date,
  activatedAt: dateOrNull,
  lastSeenActiveAt: dateOrNull,
  retiredAt: dateOrNull,
  kitDownloadedAt: dateOrNull,
  kitProvenAt: dateOrNull,
  label: strOrNull(200),
  earlierPeriods: optional(list(period, 1000)),
});
const checkCopy = record({
  instanceId: id,
  backupId: id,
  agentId: id,
  name: str(RULES.textMax),
  date,
  size: int(0, Number.MAX_SAFE_INTEGER),
  protected: bool,
  generationId: (v, p) => {
    if (v !== null) id(v, p);
  },
  confidence: oneOf("verified", "observed", "inferred", "unknown", "unencrypted"),
  lastCheck: (v, p) => {
    if (v !== null) record({ result: oneOf("ok", "failed", "other_key", "not_supported", "mislabelled", "error"), at: date })(v, p);
  },
  deleted: bool,
  deletedAt: dateOrNull,
  mismatch: bool,
  ruledOut: optional(list(id, 1000)),
});
const checkJournal = record({
  instanceId: (v, p) => {
    if (v !== null) id(v, p);
  },
  at: date,
  type: oneOf(
    "generation_observed",
    "key_changed",
    "key_changed_elsewhere",
    "generation_reactivated",
    "key_removed",
    "change_abandoned",
    "kit_downloaded",
    "kit_proven",
    "check_passed",
    "check_failed",
    "mismatch",
    "backup_deleted",
    "imported",
    "generation_imported",
    "exported",
  ),
  params: (v, p) => {
    if (!v || typeof v !== "object" || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) throw new Invalid("invalid_field", p);
    const entries = Object.entries(v);
    if (entries.length > 20) throw new Invalid("too_many", p);
    for (const [k, x] of entries) {
      if (PROTOTYPE_NAMES.has(k)) throw new Invalid("unknown_field", `${p}.${k}`);
      if (k.length > RULES.paramKeyMax || !((typeof x === "string" && x.length <= RULES.paramTextMax) || Number.isSafeInteger(x))) throw new Invalid("invalid_field", `${p}.${k}`);
    }
  },
});

export function parseExport(text: string): RegistryExport {
  if (text.length > MAX_IMPORT_BYTES) throw new RegistryError("import_too_large");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new RegistryError("import_not_json");
  }
  if (!doc || typeof doc !== "object" || (doc as { format?: unknown }).format !== EXPORT_FORMAT) throw new RegistryError("import_wrong_format");
  if ((doc as { version?: unknown }).version !== EXPORT_VERSION) throw new RegistryError("import_wrong_version", { version: String((doc as { version?: unknown }).version) });
  try {
    record({
      format: str(),
      version: int(1, 1),
      exportedAt: date,
      salt: (v, p) => {
        if (typeof v !== "string" || !/^[A-Za-z0-9+/]{43}=$/.test(v)) throw new Invalid("invalid_field", p);
      },
      instances: list(checkInstance, 1000),
      generations: list(checkGeneration, 100000),
      copies: list(checkCopy, 1000000),
      journal: list(checkJournal, 1000000),
    })(doc, "$");
    const d = doc as RegistryExport;
    const instanceIds = new Set(d.instances.map((i) => i.id));
    const genIds = new Set(d.generations.map((g) => g.id));
    d.generations.forEach((g, i) => {
      if (!instanceIds.has(g.instanceId)) throw new Invalid("dangling_reference", `$.generations[${i}].instanceId`);
    });
    d.copies.forEach((c, i) => {
      if (!instanceIds.has(c.instanceId)) throw new Invalid("dangling_reference", `$.copies[${i}].instanceId`);
      if (c.generationId !== null && !genIds.has(c.generationId)) throw new Invalid("dangling_reference", `$.copies[${i}].generationId`);
    });
  } catch (err) {
    if (err instanceof Invalid) throw new RegistryError(`import_${err.code}`, { path: err.path });
    throw err;
  }
  return doc as RegistryExport;
}

const newer = (a: string | null, b: string | null) => (a ?? "") >= (b ?? "");
/** When a generation's status was last established (last seen active, or retired): the later one wins a merge; on a tie the local one stays. */
/** The later of two ISO dates: a kit drill passed in another browser counts here too. */
const laterDate = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : b > a ? b : a);
const lastFact = (g: GenerationRecord) => [g.lastSeenActiveAt ?? "", g.retiredAt ?? "", g.activatedAt ?? "", g.firstSeenAt].reduce((a, b) => (b > a ? b : a));

export interface ImportConflict {
  /** Where in the imported file, e.g. `$.generations[3]`. */
  path: string;
  /** `same_fingerprint`: one key known under two generations; `same_number`: two keys under one number; `two_active`: both claim to be the current key. */
  reason: "same_fingerprint" | "same_number" | "two_active";
  /** The local generation it conflicts with. */
  localId: string;
}

export interface ImportResult {
  instances: number;
  generations: number;
  copies: number;
  journal: number;
  /** Generations that disagree with local ones. Both are kept (nothing is silently dropped); the UI shows these. */
  conflicts: ImportConflict[];
}

/**
 * Merges an export in. Newer facts win (a verified copy beats a guess; later checks beat older
 * ones); nothing is dropped. Fingerprints are only comparable under one salt: an export from
 * another registry can only be imported into an empty one (which then adopts its salt).
 */
export async function importRegistry(registry: Registry, text: string): Promise<ImportResult> {
  const doc = parseExport(text);
  return registry.locks.withLock(REGISTRY_LOCK, async () => {
    const salt = await registry.currentSalt();
    const tx = registry.db.transaction(["meta", "instances", "generations", "copyBuckets", "journal"], "readwrite");
    const commits: (() => void)[] = [];
    try {
      const sameSalt = doc.salt === b64(salt);
      if (!sameSalt) {
        if ((await tx.objectStore("generations").count()) > 0) throw new RegistryError("import_other_registry");
        await tx.objectStore("meta").put({ key: "salt", value: unb64(doc.salt) });
      }
      const result: ImportResult = { instances: 0, generations: 0, copies: 0, journal: 0, conflicts: [] };
      for (const inst of doc.instances) {
        const cur = await tx.objectStore("instances").get(inst.id);
        const merged =
          cur && !newer(inst.lastReconciledAt, cur.lastReconciledAt) ? cur : { ...cur, ...inst, firstSeenAt: cur && cur.firstSeenAt < inst.firstSeenAt ? cur.firstSeenAt : inst.firstSeenAt };
        if (!cur || JSON.stringify(cur) !== JSON.stringify(merged)) {
          await tx.objectStore("instances").put(merged);
          result.instances++;
        }
      }
      const localGens = await tx.objectStore("generations").getAll();
      doc.generations.forEach((g, i) => {
        const live = (x: GenerationRecord) => x.status !== "abandoned";
        for (const l of localGens) {
          if (l.id === g.id || l.instanceId !== g.instanceId || !live(l) || !live(g)) continue;
          const reason = l.fingerprint === g.fingerprint ? "same_fingerprint" : l.number === g.number ? "same_number" : l.status === "active" && g.status === "active" ? "two_active" : null;
          if (reason) result.conflicts.push({ path: `$.generations[${i}]`, reason, localId: l.id });
        }
      });
      for (const g of doc.generations) {
        const cur = await tx.objectStore("generations").get(g.id);
        const merged = cur
          ? {
              ...cur,
              kitDownloadedAt: cur.kitDownloadedAt ?? g.kitDownloadedAt,
              kitProvenAt: laterDate(cur.kitProvenAt, g.kitProvenAt),
              label: cur.label ?? g.label,
              ...(lastFact(g) > lastFact(cur) ? { status: g.status, retiredAt: g.retiredAt, lastSeenActiveAt: g.lastSeenActiveAt } : {}),
            }
          : g;
        if (!cur || JSON.stringify(cur) !== JSON.stringify(merged)) {
          await tx.objectStore("generations").put(merged);
          result.generations++;
        }
      }
      // Copies, bucket by bucket: the buckets the file touches are read once and written once
      // each. A copy's facts join as the mirror's do (`merge.ts`); a belief by date stays this
      // browser's where it has one, else the file's, unless the evidence rules it out.
      const byInstance = new Map<string, Map<number, CopyRecord[]>>();
      for (const c of doc.copies) {
        let buckets = byInstance.get(c.instanceId);
        if (!buckets) byInstance.set(c.instanceId, (buckets = new Map()));
        const k = bucketOf(c.backupId);
        buckets.set(k, [...(buckets.get(k) ?? []), c]);
      }
      for (const [instanceId, buckets] of byInstance) {
        const writer = await registry.copyCache.writer(tx.objectStore("meta"), tx.objectStore("copyBuckets"), instanceId);
        await writer.load([...buckets.keys()]);
        for (const [k, incoming] of buckets) {
          const current = new Map(writer.bucket(k).map((c) => [`${c.backupId}|${c.agentId}`, c]));
          let changed = 0;
          for (const c of incoming) {
            const key = `${c.backupId}|${c.agentId}`;
            const cur = current.get(key);
            const merged = cur ? keepBelief(cur, mergeCopy(cur, c)) : keepBelief(c, copyFacts(c));
            if (cur && sameCopy(cur, merged)) continue;
            current.set(key, merged);
            changed++;
          }
          if (changed > 0) writer.put(k, [...current.values()]);
          result.copies += changed;
        }
        writer.finish();
        commits.push(() => writer.commit());
      }
      // The journal is append-only: add entries not already present (same time, type and params).
      const existing = new Set((await tx.objectStore("journal").getAll()).map((j) => `${j.instanceId}|${j.at}|${j.type}|${JSON.stringify(j.params)}`));
      for (const j of doc.journal) {
        const key = `${j.instanceId}|${j.at}|${j.type}|${JSON.stringify(j.params)}`;
        if (existing.has(key)) continue;
        existing.add(key);
        await tx.objectStore("journal").add({ ...j });
        result.journal++;
      }
      if (result.instances + result.generations + result.copies + result.journal > 0) {
        await tx
          .objectStore("journal")
          .add({ instanceId: null, at: registry.now().toISOString(), type: "imported", params: { copies: result.copies, generations: result.generations, conflicts: result.conflicts.length } });
      }
      await tx.done;
      for (const commit of commits) commit();
      if (!sameSalt) registry.saltAdopted(unb64(doc.salt));
      registry.changed();
      return result;
    } catch (err) {
      // Aborting rejects `tx.done`; that rejection is expected, the original error is what counts.
      tx.done.catch(() => undefined);
      try {
        tx.abort();
      } catch {
        // already aborted
      }
      if ((err as { name?: string }).name === "QuotaExceededError") throw new RegistryError("storage_full");
      throw err;
    }
  });
}

export interface ExportReminder {
  lastExportAt: string | null;
  /** Journal entries written since the last export: how much a lost browser profile would take with it. */
  changesSince: number;
  /** True when there is something an export would save that no export holds yet. */
  due: boolean;
}

/** The "remind to export" signal: journal entries since the last export, counted (not read). */
export async function exportReminder(registry: Registry): Promise<ExportReminder> {
  const lastExportAt = await registry.getMeta<string>("lastExportAt");
  const changesSince = await registry.journalCount(lastExportAt, "exported");
  return { lastExportAt, changesSince, due: changesSince > 0 };
}
