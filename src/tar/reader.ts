// Walks tar headers over a ByteSource and skips member data: reads 512 bytes per member (plus
// PAX/GNU long-name records), never the members themselves. Handles ustar (prefix + name), PAX
// `x`/`g` (path, size beyond 8 GiB), GNU `L` long names and GNU base-256 sizes.
import type { ByteSource } from "../common/byte-source.js";
import { BackupFileError } from "../backup-file/errors.js";

const BLOCK = 512;
const MAX_META = 1024 * 1024; // PAX / long-name records larger than this are not real backups

export interface TarEntry {
  name: string;
  type: "file" | "dir" | "other";
  size: number;
  headerOffset: number;
  dataOffset: number;
}

const dec = new TextDecoder();

function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return dec.decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

function parseNumeric(field: Uint8Array): number | null {
  if (field[0]! & 0x80) {
    // GNU base-256: big-endian, high bit of the first byte set.
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const text = cString(field).trim();
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : null;
}

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

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = parseInt(dec.decode(data.subarray(at, space)), 10);
    if (!Number.isFinite(len) || len <= 0 || at + len > data.length) break;
    const record = dec.decode(data.subarray(space + 1, at + len - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

export async function* walkTar(source: ByteSource): AsyncGenerator<TarEntry> {
  if (source.size === 0) throw new BackupFileError("empty");
  let offset = 0;
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};
  let first = true;
  for (;;) {
    if (offset + BLOCK > source.size) {
      // A tar that stops at a header boundary without its end blocks is accepted (Python does);
      // anything else is cut short.
      if (offset === source.size && !first) return;
      throw new BackupFileError(first ? "not_tar" : "truncated", { offset });
    }
    const h = await source.read(offset, BLOCK);
    if (h.every((b) => b === 0)) return;
    if (!checksumOk(h)) throw new BackupFileError(first ? "not_tar" : "corrupt_header", { offset });
    first = false;
    const typeflag = String.fromCharCode(h[156]!);
    const size = parseNumeric(h.subarray(124, 136));
    if (size === null) throw new BackupFileError("corrupt_header", { offset });
    const dataOffset = offset + BLOCK;
    const effectiveSize = pax.size !== undefined ? Number(pax.size) : globalPax.size !== undefined ? Number(globalPax.size) : size;
    if (!Number.isSafeInteger(effectiveSize) || effectiveSize < 0) throw new BackupFileError("corrupt_header", { offset });
    if (dataOffset + effectiveSize > source.size) throw new BackupFileError("truncated", { offset });
    const next = dataOffset + Math.ceil(effectiveSize / BLOCK) * BLOCK;

    if (typeflag === "x" || typeflag === "g" || typeflag === "L" || typeflag === "K") {
      if (effectiveSize > MAX_META) throw new BackupFileError("corrupt_header", { offset });
      const data = await source.read(dataOffset, effectiveSize);
      if (typeflag === "x") pax = parsePax(data);
      else if (typeflag === "g") globalPax = { ...globalPax, ...parsePax(data) };
      else if (typeflag === "L") longName = cString(data);
      offset = next;
      continue;
    }
    const ustar = cString(h.subarray(257, 263)).startsWith("ustar");
    const prefix = ustar ? cString(h.subarray(345, 500)) : "";
    const baseName = cString(h.subarray(0, 100));
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${baseName}` : baseName);
    yield {
      name,
      type: typeflag === "0" || typeflag === "\0" || typeflag === "7" ? "file" : typeflag === "5" ? "dir" : "other",
      size: effectiveSize,
      headerOffset: offset,
      dataOffset,
    };
    pax = {};
    longName = null;
    offset = next;
  }
}
