// Walks tar headers over a ByteSource and skips member data: reads 512 bytes per member (plus
// PAX/GNU long-name records), never the members themselves. Handles ustar (prefix + name), PAX
// `x`/`g` (path, size beyond 8 GiB), GNU `L` long names and GNU base-256 sizes.
//
// Strictness follows Python's tarfile, which is what HA restores with: a header it rejects ends
// its archive early (everything after is lost), so we refuse it (`corrupt_header`). Work is linear
// in the input and memory bounded: each record is capped, and of the global (`g`) attributes only
// the one we use (`size`) is kept, never the accumulated set.
import type { ByteSource } from "../common/byte-source.js";
import { BackupFileError } from "../backup-file/errors.js";

// Python's str.strip() whitespace, which includes the ASCII separators \x1c–\x1f.
// eslint-disable-next-line no-control-regex -- these control characters are exactly what Python strips
const PY_WHITESPACE_EDGES = /^[ \t\n\r\v\f\x1c-\x1f]+|[ \t\n\r\v\f\x1c-\x1f]+$/g;

const BLOCK = 512;
const MAX_META = 1024 * 1024; // PAX / long-name records larger than this are not real backups

export interface TarEntry {
  name: string;
  type: "file" | "dir" | "other";
  size: number;
  headerOffset: number;
  dataOffset: number;
}

/** Counters a caller (a test, a benchmark) can pass in to see how much work a walk did. */
export interface WalkStats {
  headers: number;
  /** Most global PAX attributes held at once. */
  maxGlobalAttributes: number;
}

const dec = new TextDecoder();

function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return dec.decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

/** Python's `nti`: base-256 only with a 0x80 (positive) or 0xff (negative) first byte, else octal text. */
function parseNumeric(field: Uint8Array): number | null {
  if (field[0] === 0x80 || field[0] === 0xff) {
    // Negative values are two's complement: -(complement + 1), computed on the complement so
    // that small negative numbers stay exact.
    const negative = field[0] === 0xff;
    let v = 0;
    for (let i = 1; i < field.length; i++) v = v * 256 + (negative ? 255 - field[i]! : field[i]!);
    return negative ? -(v + 1) : v;
  }
  const nul = field.indexOf(0);
  // tarfile decodes ASCII strictly and strips whitespace (including \x1c–\x1f) before int(…, 8).
  const text = String.fromCharCode(...(nul >= 0 ? field.subarray(0, nul) : field)).replace(PY_WHITESPACE_EDGES, "");
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : null;
}

/** Numeric fields tarfile parses for every header (mode, uid, gid, mtime, devmajor, devminor). */
const NUMERIC_FIELDS: [number, number][] = [[100, 8], [108, 8], [116, 8], [136, 12], [329, 8], [337, 8]];

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

/**
 * PAX records `"<len> <key>=<value>\n"`, framed exactly as Python ≥ 3.12 checks them: a decimal
 * length of at most 20 digits, at least 5, inside the data, a non-empty key, `=`, and a newline
 * as the record's last byte. Reading stops at a NUL (padding). Null = malformed.
 */
function parsePax(data: Uint8Array, keep: (key: string) => boolean): Map<string, string> | null {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length && data[at] !== 0) {
    let digits = at;
    while (digits < data.length && data[digits]! >= 0x30 && data[digits]! <= 0x39 && digits - at < 21) digits++;
    if (digits === at || digits - at > 20 || data[digits] !== 0x20) return null;
    const len = Number(dec.decode(data.subarray(at, digits)));
    if (len < 5 || at + len > data.length) return null;
    const last = at + len - 1;
    if (data[last] !== 0x0a || last <= digits) return null;
    const body = data.subarray(digits + 1, last);
    const eq = body.indexOf(0x3d);
    if (eq <= 0) return null;
    const key = dec.decode(body.subarray(0, eq));
    if (keep(key)) out.set(key, dec.decode(body.subarray(eq + 1)));
    at += len;
  }
  return out;
}

/** A PAX number as tarfile would use it for a size: plain decimal digits only. */
function paxSize(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  return /^\d{1,16}$/.test(value) ? Number(value) : null;
}

const KEEP_LOCAL = (k: string) => k === "path" || k === "size";
const KEEP_GLOBAL = (k: string) => k === "size";

export async function* walkTar(source: ByteSource, options: { stats?: WalkStats } = {}): AsyncGenerator<TarEntry> {
  if (source.size === 0) throw new BackupFileError("empty");
  const stats = options.stats;
  let offset = 0;
  let longName: string | null = null;
  let pax: Map<string, string> | null = null;
  let globalSize: number | undefined;
  let first = true;
  for (;;) {
    // Between members. Python's tarfile ends the archive at EOF, at a zero block, or at a partial
    // block after the first header; a partial block that is not all zeros is a header cut short.
    const pending = pax !== null || longName !== null;
    if (offset >= source.size) {
      if (first) throw new BackupFileError("not_tar", { offset });
      if (pending) throw new BackupFileError("corrupt_header", { offset });
      return;
    }
    const h = await source.read(offset, BLOCK);
    if (h.length < BLOCK && first) throw new BackupFileError("not_tar", { offset });
    if (h.every((b) => b === 0)) {
      if (pending) throw new BackupFileError("corrupt_header", { offset });
      return;
    }
    if (h.length < BLOCK) throw new BackupFileError("truncated", { offset });
    if (!checksumOk(h)) throw new BackupFileError(first ? "not_tar" : "corrupt_header", { offset });
    first = false;
    if (stats) stats.headers++;
    const typeflag = String.fromCharCode(h[156]!);
    const size = parseNumeric(h.subarray(124, 136));
    if (size === null || NUMERIC_FIELDS.some(([at, len]) => parseNumeric(h.subarray(at, at + len)) === null)) {
      throw new BackupFileError("corrupt_header", { offset });
    }
    const dataOffset = offset + BLOCK;
    const fromPax = paxSize(pax?.get("size"));
    if (fromPax === null) throw new BackupFileError("corrupt_header", { offset });
    const meta = typeflag === "x" || typeflag === "g" || typeflag === "L" || typeflag === "K";
    // As Python's tarfile: PAX sizes (pending or global) apply to the next member, never to a
    // following PAX or GNU header, which has its own size.
    const effectiveSize = meta ? size : (fromPax ?? globalSize ?? size);
    if (!Number.isSafeInteger(effectiveSize) || effectiveSize < 0) throw new BackupFileError("corrupt_header", { offset });
    if (dataOffset + effectiveSize > source.size) throw new BackupFileError("truncated", { offset });
    const next = dataOffset + Math.ceil(effectiveSize / BLOCK) * BLOCK;

    if (meta) {
      if (effectiveSize > MAX_META) throw new BackupFileError("corrupt_header", { offset });
      const data = await source.read(dataOffset, effectiveSize);
      if (typeflag === "L" || typeflag === "K") {
        if (typeflag === "L") longName = cString(data);
      } else {
        const records = parsePax(data, typeflag === "x" ? KEEP_LOCAL : KEEP_GLOBAL);
        if (records === null) throw new BackupFileError("corrupt_header", { offset });
        if (typeflag === "x") pax = records;
        else {
          const g = paxSize(records.get("size"));
          if (g === null) throw new BackupFileError("corrupt_header", { offset });
          if (g !== undefined) globalSize = g;
          if (stats) stats.maxGlobalAttributes = Math.max(stats.maxGlobalAttributes, globalSize === undefined ? 0 : 1);
        }
      }
      offset = next;
      continue;
    }
    const ustar = cString(h.subarray(257, 263)).startsWith("ustar");
    const prefix = ustar ? cString(h.subarray(345, 500)) : "";
    const baseName = cString(h.subarray(0, 100));
    const name = pax?.get("path") ?? longName ?? (prefix ? `${prefix}/${baseName}` : baseName);
    yield {
      name,
      type: typeflag === "0" || typeflag === "\0" || typeflag === "7" ? "file" : typeflag === "5" ? "dir" : "other",
      size: effectiveSize,
      headerOffset: offset,
      dataOffset,
    };
    pax = null;
    longName = null;
    offset = next;
  }
}
