// The mirror's wire format: the registry (never a key) as compact rows, gzip-compressed and
// base64-encoded, split into parts that each stay far below HA's 4 MiB WebSocket message limit.
// Decoding validates every field: the mirror is written by other devices (maybe another version
// of this plugin) and read back from HA, so it is treated like an import.
import type { CheckResult, Confidence, CopyRecord, GenerationOrigin, GenerationRecord, GenerationStatus, InstanceRecord, JournalType } from "./model.js";
import { journalKey, type JournalFact, type RegistryState } from "./merge.js";

export const MIRROR_FORMAT = "backup-keyring-mirror";
export const MIRROR_VERSION = 1;
/** Characters per part: a quarter of HA's 4 MiB message limit, so a part never comes near it. */
export const MIRROR_PART_CHARS = 1024 * 1024;
/** The mirror keeps the newest journal entries only; each browser keeps its whole journal. */
export const MIRROR_JOURNAL_LIMIT = 2000;

export class MirrorFormatError extends Error {
  constructor(readonly path: string) {
    super(`mirror: invalid ${path}`);
    this.name = "MirrorFormatError";
  }
}

const STATUS: GenerationStatus[] = ["pending", "active", "retired", "abandoned"];
const ORIGIN: GenerationOrigin[] = ["flow", "observed", "elsewhere", "imported"];
const CONFIDENCE: Confidence[] = ["verified", "observed", "inferred", "unknown", "unencrypted"];
// Enumerations are indexes: new values are only ever appended.
const RESULT: CheckResult[] = ["ok", "failed", "not_supported", "mislabelled", "error", "other_key"];
const JOURNAL_TYPES: JournalType[] = [
  "generation_observed", "key_changed", "key_changed_elsewhere", "key_removed", "change_abandoned", "kit_downloaded", "kit_proven",
  "check_passed", "check_failed", "mismatch", "backup_deleted", "imported", "generation_imported", "exported", "generation_reactivated",
];

/** The payload before compression. Rows are arrays; repeated strings point into `s`. */
interface Payload {
  f: typeof MIRROR_FORMAT;
  v: typeof MIRROR_VERSION;
  salt: string;
  s: string[];
  i: unknown[][];
  g: unknown[][];
  /** Per backup: [instance, backupId, name, date, [[agent, size, flags, generation, confidence, checkResult, checkAt, deletedAt, ruledOut (0 or generation indexes), name?, date?], …]] */
  c: unknown[][];
  j: unknown[][];
}

// Our own times are `toISOString()` strings: as epoch milliseconds they are 13 digits instead of
// 26 characters. Anything else (an imported time with an offset) stays a string, so every time
// round-trips exactly.
const packTime = (s: string | null): number | string | null => {
  if (s === null) return null;
  const ms = Date.parse(s);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === s ? ms : s;
};

export function encodeState(state: RegistryState, salt: Uint8Array): string {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (s: string): number => {
    let n = index.get(s);
    if (n === undefined) {
      n = strings.length;
      strings.push(s);
      index.set(s, n);
    }
    return n;
  };
  const instances = new Map(state.instances.map((x, n) => [x.id, n]));
  const generations = new Map(state.generations.map((x, n) => [x.id, n]));
  const p: Payload = {
    f: MIRROR_FORMAT,
    v: MIRROR_VERSION,
    salt: toBase64(salt),
    s: strings,
    i: state.instances.map((x) => [x.id, x.haInstanceId, x.urlKey, x.name, x.url, packTime(x.firstSeenAt), packTime(x.lastReconciledAt), x.noKey ? 1 : 0]),
    g: state.generations.map((x) => [
      x.id, instances.get(x.instanceId) ?? -1, x.number, x.fingerprint, STATUS.indexOf(x.status), ORIGIN.indexOf(x.origin),
      packTime(x.firstSeenAt), packTime(x.activatedAt), packTime(x.lastSeenActiveAt), packTime(x.retiredAt),
      packTime(x.kitDownloadedAt), packTime(x.kitProvenAt), x.label,
      ...(x.earlierPeriods?.length ? [x.earlierPeriods.map((q) => [packTime(q.from), packTime(q.to)])] : []),
    ]),
    c: [],
    j: [],
  };
  // Copies grouped by backup: the id, name and date are written once per backup.
  const byBackup = new Map<string, CopyRecord[]>();
  for (const c of state.copies) {
    const k = `${c.instanceId}|${c.backupId}`;
    const list = byBackup.get(k);
    if (list) list.push(c);
    else byBackup.set(k, [c]);
  }
  for (const list of byBackup.values()) {
    const first = list[0]!;
    p.c.push([
      instances.get(first.instanceId) ?? -1, first.backupId, ref(first.name), first.date,
      list.map((c) => [
        ref(c.agentId), c.size,
        (c.protected ? 1 : 0) | (c.deleted ? 2 : 0) | (c.mismatch ? 4 : 0),
        c.generationId === null ? -1 : (generations.get(c.generationId) ?? -1),
        CONFIDENCE.indexOf(c.confidence),
        c.lastCheck ? RESULT.indexOf(c.lastCheck.result) : -1,
        c.lastCheck ? packTime(c.lastCheck.at) : null,
        packTime(c.deletedAt),
        c.ruledOut?.length ? c.ruledOut.map((id) => generations.get(id) ?? -1).filter((n) => n >= 0) : 0,
        // A backup's copies can disagree on name or date only if HA changed them; keep them exact.
        ...(c.name !== first.name || c.date !== first.date ? [ref(c.name), c.date] : []),
      ]),
    ]);
  }
  const journal = [...state.journal].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(-MIRROR_JOURNAL_LIMIT);
  p.j = journal.map((e) => [e.instanceId === null ? -1 : (instances.get(e.instanceId) ?? -1), packTime(e.at), JOURNAL_TYPES.indexOf(e.type), e.params]);
  return JSON.stringify(p);
}

// --- decoding, with the path of the first problem ---

type Reader<T> = (v: unknown, path: string) => T;
const fail = (path: string): never => {
  throw new MirrorFormatError(path);
};
const isoLike = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const str = (max: number): Reader<string> => (v, p) => (typeof v === "string" && v.length <= max ? v : fail(p));
const idStr: Reader<string> = (v, p) => (typeof v === "string" && /^[A-Za-z0-9_.:-]{1,100}$/.test(v) ? v : fail(p));
const int = (min: number, max: number): Reader<number> => (v, p) => (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : fail(p));
const time: Reader<string> = (v, p) => {
  if (typeof v === "number" && Number.isSafeInteger(v) && Math.abs(v) < 8.64e15) return new Date(v).toISOString();
  if (typeof v === "string" && isoLike.test(v) && !Number.isNaN(Date.parse(v))) return v;
  return fail(p);
};
const nullable = <T>(r: Reader<T>): Reader<T | null> => (v, p) => (v === null ? null : r(v, p));
const oneOf = <T>(values: readonly T[]): Reader<T> => (v, p) => (Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < values.length ? values[v as number]! : fail(p));
const row = (v: unknown, p: string, min: number, max = min): unknown[] => (Array.isArray(v) && v.length >= min && v.length <= max ? v : fail(p));
const rows = (v: unknown, p: string, max: number): unknown[] => (Array.isArray(v) && v.length <= max ? v : fail(p));

export function decodeState(text: string): { salt: Uint8Array; state: RegistryState } {
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
  if (typeof d.salt !== "string" || !/^[A-Za-z0-9+/]{43}=$/.test(d.salt)) fail("$.salt");
  const strings = rows(d.s, "$.s", 10_000_000).map((s, n) => str(1000)(s, `$.s[${n}]`));
  const sref = (v: unknown, p: string) => strings[int(0, strings.length - 1)(v, p)]!;

  const instances: InstanceRecord[] = rows(d.i, "$.i", 1000).map((v, n) => {
    const p = `$.i[${n}]`;
    const r = row(v, p, 8);
    return {
      id: idStr(r[0], `${p}[0]`), haInstanceId: nullable(str(100))(r[1], `${p}[1]`), urlKey: str(1000)(r[2], `${p}[2]`), name: str(500)(r[3], `${p}[3]`),
      url: str(1000)(r[4], `${p}[4]`), firstSeenAt: time(r[5], `${p}[5]`), lastReconciledAt: nullable(time)(r[6], `${p}[6]`), noKey: int(0, 1)(r[7], `${p}[7]`) === 1,
    };
  });
  const instanceAt = (v: unknown, p: string) => instances[int(0, instances.length - 1)(v, p)]!.id;
  const generations: GenerationRecord[] = rows(d.g, "$.g", 100_000).map((v, n) => {
    const p = `$.g[${n}]`;
    const r = row(v, p, 13, 14);
    const fingerprint = str(64)(r[3], `${p}[3]`);
    if (!/^[0-9a-f]{64}$/.test(fingerprint)) fail(`${p}[3]`);
    return {
      id: idStr(r[0], `${p}[0]`), instanceId: instanceAt(r[1], `${p}[1]`), number: int(1, 100_000)(r[2], `${p}[2]`), fingerprint,
      status: oneOf(STATUS)(r[4], `${p}[4]`), origin: oneOf(ORIGIN)(r[5], `${p}[5]`), firstSeenAt: time(r[6], `${p}[6]`),
      activatedAt: nullable(time)(r[7], `${p}[7]`), lastSeenActiveAt: nullable(time)(r[8], `${p}[8]`), retiredAt: nullable(time)(r[9], `${p}[9]`),
      kitDownloadedAt: nullable(time)(r[10], `${p}[10]`), kitProvenAt: nullable(time)(r[11], `${p}[11]`), label: nullable(str(200))(r[12], `${p}[12]`),
      ...(r.length === 14
        ? { earlierPeriods: rows(r[13], `${p}[13]`, 1000).map((q, k) => { const pr = row(q, `${p}[13][${k}]`, 2); return { from: time(pr[0], `${p}[13][${k}][0]`), to: time(pr[1], `${p}[13][${k}][1]`) }; }) }
        : {}),
    };
  });
  const copies: CopyRecord[] = [];
  rows(d.c, "$.c", 1_000_000).forEach((v, n) => {
    const p = `$.c[${n}]`;
    const b = row(v, p, 5);
    const instanceId = instanceAt(b[0], `${p}[0]`);
    const backupId = idStr(b[1], `${p}[1]`);
    const name = sref(b[2], `${p}[2]`);
    const date = time(b[3], `${p}[3]`);
    rows(b[4], `${p}[4]`, 1000).forEach((cv, k) => {
      const q = `${p}[4][${k}]`;
      const c = row(cv, q, 9, 11);
      if (c.length === 10) fail(q);
      const flags = int(0, 7)(c[2], `${q}[2]`);
      const gen = int(-1, generations.length - 1)(c[3], `${q}[3]`);
      const result = int(-1, RESULT.length - 1)(c[5], `${q}[5]`);
      const deletedAt = nullable(time)(c[7], `${q}[7]`);
      copies.push({
        instanceId, backupId, agentId: idStr(sref(c[0], `${q}[0]`), `${q}[0]`),
        name: c.length === 11 ? sref(c[9], `${q}[9]`) : name, date: c.length === 11 ? time(c[10], `${q}[10]`) : date,
        size: int(0, Number.MAX_SAFE_INTEGER)(c[1], `${q}[1]`), protected: (flags & 1) === 1,
        generationId: gen === -1 ? null : generations[gen]!.id, confidence: oneOf(CONFIDENCE)(c[4], `${q}[4]`),
        lastCheck: result === -1 ? null : { result: RESULT[result]!, at: time(c[6], `${q}[6]`) },
        deleted: (flags & 2) === 2, deletedAt: (flags & 2) === 2 ? (deletedAt ?? fail(`${q}[7]`)) : null, mismatch: (flags & 4) === 4,
        ...(c[8] === 0 ? {} : { ruledOut: rows(c[8], `${q}[8]`, 1000).map((x, k) => generations[int(0, generations.length - 1)(x, `${q}[8][${k}]`)]!.id) }),
      });
    });
  });
  const journal: JournalFact[] = rows(d.j, "$.j", MIRROR_JOURNAL_LIMIT).map((v, n) => {
    const p = `$.j[${n}]`;
    const r = row(v, p, 4);
    const params = r[3];
    if (!params || typeof params !== "object" || Array.isArray(params) || Object.getPrototypeOf(params) !== Object.prototype || Object.keys(params).length > 20) fail(`${p}[3]`);
    const clean: Record<string, string | number> = {};
    for (const [k, x] of Object.entries(params as Record<string, unknown>)) {
      if (k.length > 50 || !((typeof x === "string" && x.length <= 500) || Number.isSafeInteger(x))) fail(`${p}[3].${k}`);
      clean[k] = x as string | number;
    }
    const e = { instanceId: r[0] === -1 ? null : instanceAt(r[0], `${p}[0]`), at: time(r[1], `${p}[1]`), type: oneOf(JOURNAL_TYPES)(r[2], `${p}[2]`), params: clean };
    return { ...e, key: journalKey(e) };
  });
  return { salt: fromBase64(d.salt as string), state: { instances, generations, copies, journal } };
}

// --- bytes: gzip + base64, split into parts ---

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

export interface PackedMirror {
  /** The parts, in order; each is a base64 string of at most MIRROR_PART_CHARS characters. */
  parts: string[];
  /**
   * SHA-256 of the encoded registry before compression: the same state always gives the same
   * hash (compressors may differ between browsers), and a mirror mixed from two writes is caught.
   */
  sha256: string;
}

export async function packMirror(state: RegistryState, salt: Uint8Array): Promise<PackedMirror> {
  const text = encodeState(state, salt);
  const packed = toBase64(await through(new TextEncoder().encode(text), new CompressionStream("gzip")));
  const parts: string[] = [];
  for (let i = 0; i < packed.length; i += MIRROR_PART_CHARS) parts.push(packed.slice(i, i + MIRROR_PART_CHARS));
  return { parts, sha256: await sha256Hex(text) };
}

export async function unpackMirror(parts: string[], sha256: string): Promise<{ salt: Uint8Array; state: RegistryState }> {
  let text: string;
  try {
    text = new TextDecoder().decode(await through(fromBase64(parts.join("")), new DecompressionStream("gzip")));
  } catch {
    throw new MirrorFormatError("$.parts");
  }
  if ((await sha256Hex(text)) !== sha256) throw new MirrorFormatError("$.sha256");
  return decodeState(text);
}
