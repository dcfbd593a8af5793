// How Python's tarfile (CPython 3.13 and 3.12.6+, Lib/tarfile.py; HA restores with it) reads a tar:
// which headers it accepts, which name and size it gives a member, and where it looks for the next
// header. The random-access walker (reader.ts) and the streaming end check (stream-check.ts) both
// follow these rules, so they read a tar alike. Pure: bytes in, decisions out.
//
// What tarfile does, and what we do where it would lose data or fail:
// - A header it rejects (bad checksum, a numeric field that is not octal or base-256 0x80/0xff)
//   ends the archive there, silently: everything after it is lost. We refuse it.
// - PAX `x`/`X` and GNU `L`/`K` headers read their data padded to whole blocks and apply to the
//   next member. Each one is a level of recursion (`_proc_pax` → `fromtarfile` → …): about 330 in
//   a row raise RecursionError at the top of a script, fewer deeper in HA's stack. A writer emits
//   at most three (x, L, K) before a member, so a run longer than MAX_META_RUN is refused.
// - PAX records are parsed over the whole padded buffer up to the first NUL: garbage in the
//   padding is an invalid header, a record there is applied.
// - Of the global (`g`) attributes tarfile applies `path` and `size` to every later member; the
//   size changes what is read as the member's data, but not where the next header is looked for.
//   Only a following `x` header (whose attribute set starts from the globals) moves that.
// - Data is skipped only for regular files (`0`, NUL, `7`) and types tarfile does not know;
//   directories, links, devices and FIFOs have none, whatever their size field says.
// - GNU sparse members (`S`, or `GNU.sparse.*` PAX records) read extra blocks or rewrite sizes;
//   HA never writes them, so they are refused rather than followed.
// - Non-digit PAX sizes, which tarfile turns into 0 or negative numbers, are refused.

export const BLOCK = 512;
/** PAX / long-name records larger than this are not from a real backup. */
export const MAX_META = 1024 * 1024;
/** Consecutive PAX/GNU headers before a member: x + L + K is the most a writer emits. */
export const MAX_META_RUN = 32;

export const blocks = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

const dec = new TextDecoder();

/** tarfile's `nts`: the bytes up to the first NUL. */
function nts(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return dec.decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

// Python's str.strip() whitespace, which includes the ASCII separators \x1c–\x1f.
// eslint-disable-next-line no-control-regex -- these control characters are exactly what Python strips
const PY_WHITESPACE_EDGES = /^[ \t\n\r\v\f\x1c-\x1f]+|[ \t\n\r\v\f\x1c-\x1f]+$/g;

/** tarfile's `nti`: base-256 only with a 0x80 (positive) or 0xff (negative) first byte, else octal text. */
export function parseNumeric(field: Uint8Array): number | null {
  if (field[0] === 0x80 || field[0] === 0xff) {
    // Negative values are two's complement: -(complement + 1), computed on the complement so
    // that small negative numbers stay exact.
    const negative = field[0] === 0xff;
    let v = 0;
    for (let i = 1; i < field.length; i++) v = v * 256 + (negative ? 255 - field[i]! : field[i]!);
    return negative ? -(v + 1) : v;
  }
  const nul = field.indexOf(0);
  // tarfile decodes ASCII strictly and strips whitespace before int(…, 8).
  const text = String.fromCharCode(...(nul >= 0 ? field.subarray(0, nul) : field)).replace(PY_WHITESPACE_EDGES, "");
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : null;
}

/** Numeric fields tarfile parses for every header (mode, uid, gid, mtime, devmajor, devminor). */
const NUMERIC_FIELDS: [number, number][] = [
  [100, 8],
  [108, 8],
  [116, 8],
  [136, 12],
  [329, 8],
  [337, 8],
];

function checksumOk(h: Uint8Array): boolean {
  const stored = parseNumeric(h.subarray(148, 156));
  if (stored === null) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

export const isZeroBlock = (h: Uint8Array): boolean => h.every((b) => b === 0);

export type MetaKind = "pax" | "global" | "long_name" | "long_link";

export interface Header {
  typeflag: string;
  /** The header's own size field. */
  size: number;
  /** A PAX or GNU header that describes the next member (its data is read, never listed). */
  meta: MetaKind | null;
  /** A regular file (`0`, NUL, `7`), as tarfile's `isreg`. */
  isFile: boolean;
  isDir: boolean;
  /** tarfile skips `size` bytes of data after this header (regular files and unknown types). */
  skipsData: boolean;
  /** The name as the header alone gives it (prefix joined, a directory's trailing slashes removed). */
  name: string;
  /** Permission bits as stored (e.g. 0o644). */
  mode: number;
}

const META: Record<string, MetaKind> = { x: "pax", X: "pax", g: "global", L: "long_name", K: "long_link" };
/** Types tarfile knows and skips no data for: hard link, symlink, char/block device, directory, FIFO. */
const NO_DATA_TYPES = new Set(["1", "2", "3", "4", "5", "6"]);

/**
 * A complete, non-zero 512-byte header as tarfile reads it. `checksum`: not a tar header at all;
 * `field`: tarfile raises InvalidHeaderError (a numeric field), or we refuse to follow it (sparse,
 * a negative size or one beyond safe integers).
 */
export function parseHeader(h: Uint8Array): Header | "checksum" | "field" {
  if (!checksumOk(h)) return "checksum";
  const size = parseNumeric(h.subarray(124, 136));
  if (size === null || NUMERIC_FIELDS.some(([at, len]) => parseNumeric(h.subarray(at, at + len)) === null)) return "field";
  if (!Number.isSafeInteger(size) || size < 0) return "field";
  let typeflag = String.fromCharCode(h[156]!);
  if (typeflag === "S") return "field";
  const baseName = nts(h.subarray(0, 100));
  // An old v7 directory: a regular-file type with a name ending in "/".
  if (typeflag === "\0" && baseName.endsWith("/")) typeflag = "5";
  const meta = META[typeflag] ?? null;
  const isDir = typeflag === "5";
  const isFile = typeflag === "0" || typeflag === "\0" || typeflag === "7";
  // tarfile joins the prefix field whatever the magic says (v7 and GNU headers included).
  const prefix = nts(h.subarray(345, 500));
  const own = isDir ? baseName.replace(/\/+$/, "") : baseName;
  const name = prefix ? `${prefix}/${own}` : own;
  return { typeflag, size, meta, isFile, isDir, skipsData: meta === null && !NO_DATA_TYPES.has(typeflag), name, mode: parseNumeric(h.subarray(100, 108))! };
}

/**
 * PAX records `"<len> <key>=<value>\n"` over the whole padded buffer, framed as tarfile checks
 * them: a decimal length of 1–20 digits and a space, at least 5, inside the buffer, a non-empty
 * key, `=`, and a newline as the record's last byte. Parsing stops at a NUL. Only `keep` keys
 * are returned (later records win). Null = tarfile rejects the header.
 */
export function parsePaxRecords(buf: Uint8Array, keep: (key: string) => boolean): Map<string, string> | null {
  const out = new Map<string, string>();
  let at = 0;
  while (at < buf.length && buf[at] !== 0) {
    let digits = at;
    while (digits < buf.length && buf[digits]! >= 0x30 && buf[digits]! <= 0x39 && digits - at < 21) digits++;
    if (digits === at || digits - at > 20 || buf[digits] !== 0x20) return null;
    const len = Number(dec.decode(buf.subarray(at, digits)));
    if (len < 5 || at + len > buf.length) return null;
    const last = at + len - 1;
    if (buf[last] !== 0x0a || last <= digits) return null;
    const body = buf.subarray(digits + 1, last);
    const eq = body.indexOf(0x3d);
    if (eq <= 0) return null;
    const key = dec.decode(body.subarray(0, eq));
    if (keep(key)) out.set(key, dec.decode(body.subarray(eq + 1)));
    at += len;
  }
  return out;
}

/** A PAX size we follow: plain decimal digits within safe integers. */
function paxSize(value: string): number | null {
  if (!/^\d{1,16}$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/** The attributes that change what we read: `path`, `size`; `GNU.sparse.*` is kept only to refuse it. */
const KEPT = (key: string) => key === "path" || key === "size" || key.startsWith("GNU.sparse.");

/** What tarfile makes of one member header after the meta headers before it. */
export interface MemberView {
  name: string;
  /** The size tarfile gives the member: what it reads as its data. */
  size: number;
  /** Bytes after the header until tarfile looks for the next header (padding included). */
  skip: number;
}

/** Counters of the work done, for tests and benchmarks. */
export interface TarWork {
  /** Most global attributes held at once (the real size of the store, not a promise). */
  maxGlobalAttributes: number;
  /** Bytes of PAX/GNU data parsed in all. */
  metaBytes: number;
}

/**
 * The state tarfile carries between headers: the global attributes it applies and the run of
 * PAX/GNU headers waiting for their member. Memory: at most two global values and one pending
 * name and size, however many headers come.
 */
export class TarfileState {
  /** Global `path`/`size` (only these are kept: work stays linear however many `g` headers come). */
  private readonly globals = new Map<string, string>();
  /** From the pending run: tarfile applies the innermost first, so the first in file order wins. */
  private pendingName: string | undefined;
  private pendingSize: string | undefined;
  private run = 0;

  constructor(private readonly work?: TarWork) {}

  /** PAX/GNU headers are waiting for a member (the archive must not end here). */
  get pending(): boolean {
    return this.run > 0;
  }

  /** One meta header with its data padded to whole blocks. False: tarfile would fail or lose data here. */
  meta(header: Header, buf: Uint8Array): boolean {
    if (++this.run > MAX_META_RUN) return false;
    if (this.work) this.work.metaBytes += buf.length;
    if (header.meta === "long_name") {
      this.pendingName ??= nts(buf);
      return true;
    }
    if (header.meta === "long_link") return true;
    const records = parsePaxRecords(buf, KEPT);
    if (records === null || [...records.keys()].some((k) => k.startsWith("GNU.sparse."))) return false;
    const size = records.get("size");
    if (header.meta === "global") {
      if (size !== undefined && paxSize(size) === null) return false;
      for (const [k, v] of records) this.globals.set(k, v);
      if (this.work) this.work.maxGlobalAttributes = Math.max(this.work.maxGlobalAttributes, this.globals.size);
      return true;
    }
    // An `x` header's attribute set starts from the globals as they are now.
    const path = records.get("path") ?? this.globals.get("path");
    const ownSize = size ?? this.globals.get("size");
    if (this.pendingName === undefined && path !== undefined) this.pendingName = path.replace(/\/+$/, "");
    if (this.pendingSize === undefined && ownSize !== undefined) this.pendingSize = ownSize;
    return true;
  }

  /** A member header: its name, size and where the next header is; clears the pending run. Null:
   * the size a PAX header gives it is not one we follow. */
  member(header: Header): MemberView | null {
    // `_proc_builtin`: the skip follows the header's own size, then the globals are applied.
    let name = header.name;
    let size = header.size;
    let skip = header.skipsData ? blocks(header.size) : 0;
    const globalPath = this.globals.get("path");
    const globalSize = this.globals.get("size");
    if (globalPath !== undefined) name = globalPath.replace(/\/+$/, "");
    if (globalSize !== undefined) size = paxSize(globalSize)!;
    // Then each pending level, innermost first: an `x` with a size also moves the next header.
    if (this.pendingName !== undefined) name = header.isDir ? this.pendingName.replace(/\/$/, "") : this.pendingName;
    const pendingSize = this.pendingSize;
    this.pendingName = undefined;
    this.pendingSize = undefined;
    this.run = 0;
    if (pendingSize !== undefined) {
      const n = paxSize(pendingSize);
      if (n === null) return null;
      size = n;
      skip = header.skipsData ? blocks(size) : 0;
    }
    return { name, size, skip };
  }
}
