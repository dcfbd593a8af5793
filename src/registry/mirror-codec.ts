// The mirror's wire format: the registry (never a key) as compact rows in parts, each part
// gzip-compressed, base64-encoded and split into chunks far below HA's 4 MiB WebSocket message
// limit. One header part (instances, generations, the newest journal entries) and COPY_GROUPS
// copy parts (the copies of every COPY_GROUPS-th storage bucket): a change rewrites, and another
// device reads, only the parts it touched.
// Decoding validates every field: the mirror is written by other devices (maybe another version of
// this plugin) and read back from HA, so it is treated like an import. The encoder applies the
// same rules (`RULES`): what one device writes, every other one reads.
import { bucketOf } from "./copy-store.js";
import { copyFacts, journalKey, type JournalFact } from "./merge.js";
import type { CheckResult, CopyEvidence, CopyRecord, GenerationOrigin, GenerationRecord, GenerationStatus, InstanceRecord, JournalType } from "./model.js";

export const MIRROR_FORMAT = "backup-keyring-mirror";
export const MIRROR_VERSION = 2;
/** Characters per chunk: a quarter of HA's 4 MiB message limit, so a message never comes near it. */
export const MIRROR_PART_CHARS = 1024 * 1024;
/** The mirror keeps the newest journal entries only; each browser keeps its whole journal. */
export const MIRROR_JOURNAL_LIMIT = 2000;
/** Copy parts: storage bucket k goes into part `c${k % COPY_GROUPS}`. */
export const COPY_GROUPS = 16;

export const copyPart = (group: number) => `c${group}`;
export const HEADER_PART = "h";
export const partOfCopy = (backupId: string) => copyPart(bucketOf(backupId) % COPY_GROUPS);
export const PART_IDS = [HEADER_PART, ...Array.from({ length: COPY_GROUPS }, (_, g) => copyPart(g))];

export class MirrorFormatError extends Error {
  constructor(readonly path: string) {
    super(`mirror: invalid ${path}`);
    this.name = "MirrorFormatError";
  }
}

/**
 * What a mirror may hold, for the encoder and the decoder alike. Limits are wide enough for
 * anything HA reports (backup names and location ids are free text there): ids of any characters
 * but control characters (our map keys use U+0000 as a separator), texts clipped by the encoder.
 * A record whose id does not fit stays in this browser only, with everything that refers to it.
 */
export const RULES = {
  idMax: 1000,
  textMax: 2000,
  labelMax: 200,
  paramKeyMax: 50,
  paramTextMax: 1000,
  paramsMax: 20,
} as const;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/;
export const isId = (v: unknown): v is string => typeof v === "string" && v.length >= 1 && v.length <= RULES.idMax && !CONTROL.test(v);
const fitsText = (v: unknown, max: number = RULES.textMax): v is string => typeof v === "string" && v.length <= max;
/** Free text (a backup's or location's name): cut to the limit, the same way on every device. */
export const clipText = (s: string, max: number = RULES.textMax) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
/** Names an object inherits (`constructor`, `toString`, …) and `__proto__`: never a parameter of ours. */
const PROTOTYPE_NAMES = new Set(["__proto__", "prototype", ...Object.getOwnPropertyNames(Object.prototype)]);
const fitsParams = (p: unknown): p is Record<string, string | number> => {
  if (!p || typeof p !== "object" || Array.isArray(p) || Object.getPrototypeOf(p) !== Object.prototype) return false;
  const keys = Object.keys(p);
  return (
    keys.length <= RULES.paramsMax &&
    keys.every((k) => {
      const x = (p as Record<string, unknown>)[k];
      return k.length >= 1 && k.length <= RULES.paramKeyMax && !PROTOTYPE_NAMES.has(k) && ((typeof x === "string" && x.length <= RULES.paramTextMax) || Number.isSafeInteger(x));
    })
  );
};

// Enumerations are numbers: new values only ever get new numbers. A Record per type, so a value
// added to the model without a number here does not compile.
const STATUS_CODE: Record<GenerationStatus, number> = { pending: 0, active: 1, retired: 2, abandoned: 3 };
const ORIGIN_CODE: Record<GenerationOrigin, number> = { flow: 0, observed: 1, elsewhere: 2, imported: 3 };
const RESULT_CODE: Record<CheckResult, number> = { ok: 0, failed: 1, not_supported: 2, mislabelled: 3, error: 4, other_key: 5 };
const JOURNAL_CODE: Record<JournalType, number> = {
  generation_observed: 0,
  key_changed: 1,
  key_changed_elsewhere: 2,
  key_removed: 3,
  change_abandoned: 4,
  kit_downloaded: 5,
  kit_proven: 6,
  check_passed: 7,
  check_failed: 8,
  mismatch: 9,
  backup_deleted: 10,
  imported: 11,
  generation_imported: 12,
  exported: 13,
  generation_reactivated: 14,
};
const values = <T extends string>(codes: Record<T, number>): T[] => {
  const out: T[] = [];
  for (const [k, n] of Object.entries(codes) as [T, number][]) out[n] = k;
  return out;
};
const STATUS = values(STATUS_CODE);
const ORIGIN = values(ORIGIN_CODE);
const RESULT = values(RESULT_CODE);
const JOURNAL_TYPES = values(JOURNAL_CODE);

export interface MirrorHeader {
  instances: InstanceRecord[];
  generations: GenerationRecord[];
  journal: JournalFact[];
}

// Our own times are `toISOString()` strings: as epoch milliseconds they are 13 digits instead of
// 26 characters. Anything else (an imported time with an offset) stays a string, so every time
// round-trips exactly.
const packTime = (s: string | null | undefined): number | string | null => {
  if (s === null || s === undefined) return null;
  const ms = Date.parse(s);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === s ? ms : s;
};
/** A time that moves on every reconciliation, to the day: what decides whether anything new is there to write. */
const dayOf = (s: string | null): number | string | null => {
  if (s === null) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? s : Math.floor(ms / 86_400_000);
};

/** Which records fit the rules, with what refers to them (`RULES`). */
export function mirrorable(header: MirrorHeader): MirrorHeader {
  const instances = header.instances.filter((x) => isId(x.id) && fitsText(x.url) && fitsText(x.urlKey) && (x.haInstanceId === null || fitsText(x.haInstanceId)));
  const ids = new Set(instances.map((x) => x.id));
  const generations = header.generations.filter((g) => isId(g.id) && ids.has(g.instanceId));
  const journal = header.journal.filter((e) => (e.instanceId === null || ids.has(e.instanceId)) && fitsParams(e.params));
  return { instances, generations, journal };
}

/**
 * The header part. `volatileToDay`: the text whose hash says whether a write is needed, with the
 * times that change on every reconciliation (an instance's last reconciliation, the active
 * generation's last sighting) cut to the day, so an unchanged registry is written at most daily.
 */
export function encodeHeader(header: MirrorHeader, options: { volatileToDay?: boolean } = {}): string {
  const { instances, generations, journal } = mirrorable(header);
  const coarse = options.volatileToDay === true;
  const instanceAt = new Map(instances.map((x, n) => [x.id, n]));
  const newest = [...journal].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(-MIRROR_JOURNAL_LIMIT);
  return JSON.stringify({
    f: MIRROR_FORMAT,
    v: MIRROR_VERSION,
    i: instances.map((x) => [x.id, x.haInstanceId, x.urlKey, clipText(x.name), x.url, packTime(x.firstSeenAt), coarse ? dayOf(x.lastReconciledAt) : packTime(x.lastReconciledAt), x.noKey ? 1 : 0]),
    g: generations.map((x) => [
      x.id,
      instanceAt.get(x.instanceId)!,
      x.number,
      x.fingerprint,
      STATUS_CODE[x.status],
      ORIGIN_CODE[x.origin],
      packTime(x.firstSeenAt),
      packTime(x.activatedAt),
      coarse && x.status === "active" ? dayOf(x.lastSeenActiveAt) : packTime(x.lastSeenActiveAt),
      packTime(x.retiredAt),
      packTime(x.kitDownloadedAt),
      packTime(x.kitProvenAt),
      x.label === null ? null : clipText(x.label, RULES.labelMax),
      ...(x.earlierPeriods?.length ? [x.earlierPeriods.map((q) => [packTime(q.from), packTime(q.to)])] : []),
    ]),
    j: newest.map((e) => [e.instanceId === null ? -1 : instanceAt.get(e.instanceId)!, packTime(e.at), JOURNAL_CODE[e.type], e.params]),
  });
}

/**
 * A copy part: the facts of its copies (`copyFacts`: what HA reported, the checks with their
 * evidence, the deletion marks, the mismatch mark), never a belief by date. Grouped per backup
 * so an id, name and date are written once; repeated strings point into `s`.
 * Copy row: [agent, size, flags (1 protected, 4 mismatch), checkResult, checkAt, deletedAt,
 * listedAt, evidence [[generation, ok, failed], …] | 0, name?, date?].
 */
export function encodeGroup(copies: readonly CopyRecord[]): string {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (s: string) => {
    let n = index.get(s);
    if (n === undefined) index.set(s, (n = strings.push(s) - 1));
    return n;
  };
  const facts = copies
    .filter((c) => isId(c.instanceId) && isId(c.backupId) && isId(c.agentId) && fitsText(c.date) && Number.isSafeInteger(c.size) && c.size >= 0 && Object.keys(c.evidence ?? {}).every(isId))
    .map(copyFacts)
    .sort((a, b) =>
      a.instanceId !== b.instanceId
        ? a.instanceId < b.instanceId
          ? -1
          : 1
        : a.backupId !== b.backupId
          ? a.backupId < b.backupId
            ? -1
            : 1
          : a.agentId < b.agentId
            ? -1
            : a.agentId > b.agentId
              ? 1
              : 0,
    );
  const rows: unknown[] = [];
  let i = 0;
  while (i < facts.length) {
    const first = facts[i]!;
    const name = clipText(first.name);
    const list: unknown[] = [];
    for (; i < facts.length && facts[i]!.instanceId === first.instanceId && facts[i]!.backupId === first.backupId; i++) {
      const c = facts[i]!;
      const row: unknown[] = [
        ref(c.agentId),
        c.size,
        (c.protected ? 1 : 0) | (c.mismatch ? 4 : 0),
        c.lastCheck ? RESULT_CODE[c.lastCheck.result] : -1,
        c.lastCheck ? packTime(c.lastCheck.at) : null,
        packTime(c.deletedAt),
        packTime(c.listedAt),
        c.evidence ? Object.entries(c.evidence).map(([g, e]) => [ref(g), packTime(e.ok), packTime(e.failed)]) : 0,
      ];
      // A backup's copies can disagree on name or date only if HA changed them; keep them exact.
      if (clipText(c.name) !== name || c.date !== first.date) row.push(ref(clipText(c.name)), c.date);
      list.push(row);
    }
    rows.push([ref(first.instanceId), first.backupId, ref(name), first.date, list]);
  }
  return JSON.stringify({ f: MIRROR_FORMAT, v: MIRROR_VERSION, s: strings, c: rows });
}

// --- decoding, with the path of the first problem ---

type Reader<T> = (v: unknown, path: string) => T;
const fail = (path: string): never => {
  throw new MirrorFormatError(path);
};
const isoLike = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const str =
  (max: number): Reader<string> =>
  (v, p) =>
    fitsText(v, max) ? v : fail(p);
const idStr: Reader<string> = (v, p) => (isId(v) ? v : fail(p));
const int =
  (min: number, max: number): Reader<number> =>
  (v, p) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : fail(p);
const time: Reader<string> = (v, p) => {
  if (typeof v === "number" && Number.isSafeInteger(v) && Math.abs(v) < 8.64e15) return new Date(v).toISOString();
  if (typeof v === "string" && isoLike.test(v) && !Number.isNaN(Date.parse(v))) return v;
  return fail(p);
};
const nullable =
  <T>(r: Reader<T>): Reader<T | null> =>
  (v, p) =>
    v === null ? null : r(v, p);
const oneOf =
  <T>(values: readonly T[]): Reader<T> =>
  (v, p) =>
    Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < values.length ? values[v as number]! : fail(p);
const row = (v: unknown, p: string, min: number, max = min): unknown[] => (Array.isArray(v) && v.length >= min && v.length <= max ? v : fail(p));
const rows = (v: unknown, p: string, max: number): unknown[] => (Array.isArray(v) && v.length <= max ? v : fail(p));

function document(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail("$");
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return fail("$");
  const d = doc as Record<string, unknown>;
  if (d.f !== MIRROR_FORMAT) fail("$.f");
  if (d.v !== MIRROR_VERSION) fail("$.v");
  return d;
}

export function decodeHeader(text: string): MirrorHeader {
  const d = document(text);
  const instances: InstanceRecord[] = rows(d.i, "$.i", 1000).map((v, n) => {
    const p = `$.i[${n}]`;
    const r = row(v, p, 8);
    return {
      id: idStr(r[0], `${p}[0]`),
      haInstanceId: nullable(str(RULES.textMax))(r[1], `${p}[1]`),
      urlKey: str(RULES.textMax)(r[2], `${p}[2]`),
      name: str(RULES.textMax)(r[3], `${p}[3]`),
      url: str(RULES.textMax)(r[4], `${p}[4]`),
      firstSeenAt: time(r[5], `${p}[5]`),
      lastReconciledAt: nullable(time)(r[6], `${p}[6]`),
      noKey: int(0, 1)(r[7], `${p}[7]`) === 1,
    };
  });
  const instanceAt = (v: unknown, p: string) => instances[int(0, instances.length - 1)(v, p)]!.id;
  const generations: GenerationRecord[] = rows(d.g, "$.g", 100_000).map((v, n) => {
    const p = `$.g[${n}]`;
    const r = row(v, p, 13, 14);
    const fingerprint = str(64)(r[3], `${p}[3]`);
    if (!/^[0-9a-f]{64}$/.test(fingerprint)) fail(`${p}[3]`);
    return {
      id: idStr(r[0], `${p}[0]`),
      instanceId: instanceAt(r[1], `${p}[1]`),
      number: int(1, 100_000)(r[2], `${p}[2]`),
      fingerprint,
      status: oneOf(STATUS)(r[4], `${p}[4]`),
      origin: oneOf(ORIGIN)(r[5], `${p}[5]`),
      firstSeenAt: time(r[6], `${p}[6]`),
      activatedAt: nullable(time)(r[7], `${p}[7]`),
      lastSeenActiveAt: nullable(time)(r[8], `${p}[8]`),
      retiredAt: nullable(time)(r[9], `${p}[9]`),
      kitDownloadedAt: nullable(time)(r[10], `${p}[10]`),
      kitProvenAt: nullable(time)(r[11], `${p}[11]`),
      label: nullable(str(RULES.labelMax))(r[12], `${p}[12]`),
      ...(r.length === 14
        ? {
            earlierPeriods: rows(r[13], `${p}[13]`, 1000).map((q, k) => {
              const pr = row(q, `${p}[13][${k}]`, 2);
              return { from: time(pr[0], `${p}[13][${k}][0]`), to: time(pr[1], `${p}[13][${k}][1]`) };
            }),
          }
        : {}),
    };
  });
  const journal: JournalFact[] = rows(d.j, "$.j", MIRROR_JOURNAL_LIMIT).map((v, n) => {
    const p = `$.j[${n}]`;
    const r = row(v, p, 4);
    // Own properties only, none named like an inherited one (`constructor`, `toString`, …).
    if (!fitsParams(r[3])) fail(`${p}[3]`);
    const params: Record<string, string | number> = {};
    for (const k of Object.keys(r[3] as object)) params[k] = (r[3] as Record<string, string | number>)[k]!;
    const e = { instanceId: r[0] === -1 ? null : instanceAt(r[0], `${p}[0]`), at: time(r[1], `${p}[1]`), type: oneOf(JOURNAL_TYPES)(r[2], `${p}[2]`), params };
    return { ...e, key: journalKey(e) };
  });
  return { instances, generations, journal };
}

export function decodeGroup(text: string): CopyRecord[] {
  const d = document(text);
  const strings = rows(d.s, "$.s", 10_000_000).map((s, n) => str(RULES.textMax)(s, `$.s[${n}]`));
  const sref = (v: unknown, p: string) => strings[int(0, strings.length - 1)(v, p)]!;
  const copies: CopyRecord[] = [];
  rows(d.c, "$.c", 1_000_000).forEach((v, n) => {
    const p = `$.c[${n}]`;
    const b = row(v, p, 5);
    const instanceId = idStr(sref(b[0], `${p}[0]`), `${p}[0]`);
    const backupId = idStr(b[1], `${p}[1]`);
    const name = sref(b[2], `${p}[2]`);
    const date = str(RULES.textMax)(b[3], `${p}[3]`);
    rows(b[4], `${p}[4]`, 1000).forEach((cv, k) => {
      const q = `${p}[4][${k}]`;
      const c = row(cv, q, 8, 10);
      if (c.length === 9) fail(q);
      const flags = int(0, 5)(c[2], `${q}[2]`);
      const result = int(-1, RESULT.length - 1)(c[3], `${q}[3]`);
      const evidence: Record<string, CopyEvidence> = {};
      if (c[7] !== 0) {
        rows(c[7], `${q}[7]`, 1000).forEach((ev, e) => {
          const er = row(ev, `${q}[7][${e}]`, 3);
          const ok = nullable(time)(er[1], `${q}[7][${e}][1]`);
          const failed = nullable(time)(er[2], `${q}[7][${e}][2]`);
          if (ok === null && failed === null) fail(`${q}[7][${e}]`);
          evidence[idStr(sref(er[0], `${q}[7][${e}][0]`), `${q}[7][${e}][0]`)] = { ...(ok !== null ? { ok } : {}), ...(failed !== null ? { failed } : {}) };
        });
      }
      const deletedAt = nullable(time)(c[5], `${q}[5]`);
      const listedAt = nullable(time)(c[6], `${q}[6]`);
      const record: CopyRecord = {
        instanceId,
        backupId,
        agentId: idStr(sref(c[0], `${q}[0]`), `${q}[0]`),
        name: c.length === 10 ? sref(c[8], `${q}[8]`) : name,
        date: c.length === 10 ? str(RULES.textMax)(c[9], `${q}[9]`) : date,
        size: int(0, Number.MAX_SAFE_INTEGER)(c[1], `${q}[1]`),
        protected: (flags & 1) === 1,
        generationId: null,
        confidence: "unknown",
        lastCheck: result === -1 ? null : { result: RESULT[result]!, at: time(c[4], `${q}[4]`) },
        deleted: false,
        deletedAt,
        ...(listedAt !== null ? { listedAt } : {}),
        mismatch: (flags & 4) === 4,
        ...(c[7] !== 0 ? { evidence } : {}),
      };
      // Everything else (verified generation, ruled-out ones, deleted) follows from these facts.
      copies.push(copyFacts(record));
    });
  });
  return copies;
}

// --- bytes: gzip + base64, split into chunks ---

export function toBase64(bytes: Uint8Array): string {
  let out = "";
  // In slices: String.fromCharCode(...bytes) overflows the argument limit for large arrays.
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(out);
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function through(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

export interface PackedPart {
  /** In order; each a base64 string of at most `chunkChars` characters. */
  chunks: string[];
  /**
   * SHA-256 of the part's text before compression: the same content always gives the same hash
   * (compressors may differ between browsers), and a part mixed from two writes is caught.
   */
  sha256: string;
}

export async function packPart(text: string, chunkChars = MIRROR_PART_CHARS): Promise<PackedPart> {
  const packed = toBase64(await through(new TextEncoder().encode(text), new CompressionStream("gzip")));
  const chunks: string[] = [];
  for (let i = 0; i < packed.length; i += chunkChars) chunks.push(packed.slice(i, i + chunkChars));
  return { chunks: chunks.length > 0 ? chunks : [""], sha256: await sha256Hex(text) };
}

export async function unpackPart(chunks: string[], sha256: string): Promise<string> {
  let text: string;
  try {
    text = new TextDecoder().decode(await through(fromBase64(chunks.join("")), new DecompressionStream("gzip")));
  } catch {
    throw new MirrorFormatError("$.chunks");
  }
  if ((await sha256Hex(text)) !== sha256) throw new MirrorFormatError("$.sha256");
  return text;
}
