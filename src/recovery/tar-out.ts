// Outer tar headers for a rewritten backup: the input's own header fields (mode, owner, mtime,
// type) with the new size, plus a PAX `x` header when a name or size does not fit ustar (Python's
// tarfile, which HA restores with, reads both).
const BLOCK = 512;
export const RECORD = 10240;
const enc = new TextEncoder();

function checksum(h: Uint8Array): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = enc.encode(body).length + 1;
  while (String(len).length + enc.encode(body).length !== len) len = String(len).length + enc.encode(body).length;
  return `${len}${body}`;
}

function put(h: Uint8Array, text: string, offset: number, length: number): void {
  h.fill(0, offset, offset + length);
  h.set(enc.encode(text).subarray(0, length), offset);
}

/** Header block(s) for `name` with `size` bytes, copying the other fields from `original`. */
export function tarHeaderFor(original: Uint8Array, name: string, size: number): Uint8Array {
  const h = original.slice(0, BLOCK);
  const nameBytes = enc.encode(name);
  const records: string[] = [];
  if (nameBytes.length > 100) records.push(paxRecord("path", name));
  if (size > 0o77777777777) records.push(paxRecord("size", String(size)));
  put(h, name, 0, 100);
  put(h, "", 345, 155);
  put(h, (size > 0o77777777777 ? 0 : size).toString(8).padStart(11, "0") + "\0", 124, 12);
  if (String.fromCharCode(...h.subarray(257, 262)) !== "ustar") {
    put(h, "ustar\0", 257, 6);
    put(h, "00", 263, 2);
  }
  checksum(h);
  if (records.length === 0) return h;
  const data = enc.encode(records.join(""));
  const x = new Uint8Array(BLOCK);
  put(x, "././@PaxHeader", 0, 100);
  x.set(h.subarray(100, 124), 100); // mode, uid, gid
  put(x, data.length.toString(8).padStart(11, "0") + "\0", 124, 12);
  x.set(h.subarray(136, 148), 136); // mtime
  x[156] = 0x78; // 'x'
  put(x, "ustar\0", 257, 6);
  put(x, "00", 263, 2);
  checksum(x);
  const out = new Uint8Array(BLOCK + Math.ceil(data.length / BLOCK) * BLOCK + BLOCK);
  out.set(x, 0);
  out.set(data, BLOCK);
  out.set(h, out.length - BLOCK);
  return out;
}

export const padTo = (size: number, unit: number) => (unit - (size % unit)) % unit;
