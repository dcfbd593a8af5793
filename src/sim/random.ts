// Deterministic randomness for demo data (same --seed, same instance), and real randomness
// for everything made at run time (salts of new backups, job ids).
import { randomBytes as nodeRandomBytes } from "node:crypto";

export interface Rng {
  next(): number; // [0, 1)
  bytes(n: number): Uint8Array;
  int(min: number, max: number): number; // inclusive
  hex(chars: number): string;
}

/** sfc32: small, fast and good enough for demo data (not for secrets handed to users). */
export function seededRng(seed: number): Rng {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ (seed * 31);
  let c = 0xb7e15162 ^ (seed * 131);
  let d = seed | 0;
  const next32 = () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; i++) next32();
  return makeRng(() => next32() / 2 ** 32);
}

export function systemRng(): Rng {
  return makeRng(
    () => nodeRandomBytes(4).readUInt32BE(0) / 2 ** 32,
    (n) => new Uint8Array(nodeRandomBytes(n)),
  );
}

function makeRng(next: () => number, bytesImpl?: (n: number) => Uint8Array): Rng {
  const bytes = bytesImpl ?? ((n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)));
  return {
    next,
    bytes,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    hex: (chars) =>
      Array.from(bytes(Math.ceil(chars / 2)), (b) => b.toString(16).padStart(2, "0"))
        .join("")
        .slice(0, chars),
  };
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** A key in HA's format (7 groups of 4 from A-Z0-9). */
export function simEncryptionKey(rng: Rng): string {
  const groups: string[] = [];
  for (let g = 0; g < 7; g++) {
    let group = "";
    while (group.length < 4) group += ALPHABET[Math.floor(rng.next() * 36)];
    groups.push(group);
  }
  return groups.join("-");
}
