// Writes POSIX tar archives the way Python's tarfile does for HA backups: a PAX `x` header
// (float mtime) before each member, ustar headers, zero padding to a multiple of 10240 bytes.
const BLOCK = 512;
const RECORD = 10240;

export interface TarEntry {
  name: string;
  data: Uint8Array;
  mtime: number; // seconds since the epoch
  mode?: number;
  type?: "file" | "dir";
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, "0") + "\0";
}

function header(name: string, size: number, mtime: number, mode: number, typeflag: string): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const enc = new TextEncoder();
  const put = (text: string, offset: number, length: number) => h.set(enc.encode(text).subarray(0, length), offset);
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(mtime), 12), 136, 12);
  put("        ", 148, 8);
  put(typeflag, 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put("root", 265, 32);
  put("root", 297, 32);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

function paxRecords(records: Record<string, string>): Uint8Array {
  let text = "";
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    text += `${len}${body}`;
  }
  return new TextEncoder().encode(text);
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  out.set(data);
  return out;
}

export function writeTar(entries: TarEntry[], options: { pax?: boolean; recordSize?: number } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const typeflag = e.type === "dir" ? "5" : "0";
    const size = e.type === "dir" ? 0 : e.data.length;
    if (options.pax !== false) {
      const pax = paxRecords({ mtime: e.mtime.toFixed(6) });
      parts.push(header("././@PaxHeader", pax.length, e.mtime, 0o644, "x"), padded(pax));
    }
    parts.push(header(e.name, size, e.mtime, e.mode ?? (e.type === "dir" ? 0o755 : 0o644), typeflag));
    if (size > 0) parts.push(padded(e.data));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const record = options.recordSize ?? RECORD;
  const out = new Uint8Array(Math.ceil(total / record) * record);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
