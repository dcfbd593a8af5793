// What an inner archive is, from its first bytes (securetar `SecureTarHeader.from_bytes`): a
// SecureTar v2/v3 header, plaintext gzip or tar, or else legacy v1 (no header at all).
export type MemberFormat = "plain-gzip" | "plain-tar" | "v1" | "v2" | "v3" | "unknown";

export const V2_HEADER = 48;
export const V3_HEADER = 136;
export const V3_CHUNK = 1024 * 1024;
const MAGIC = [0x53, 0x65, 0x63, 0x75, 0x72, 0x65, 0x54, 0x61, 0x72]; // "SecureTar"

export interface MemberHead {
  format: MemberFormat;
  /** Plaintext size from the v2/v3 header. */
  plaintextSize?: number;
  /** The member's size does not match what its header promises (cut short or padded). */
  sizeMismatch?: boolean;
}

function readU64(b: Uint8Array, at: number): number {
  const view = new DataView(b.buffer, b.byteOffset + at, 8);
  return view.getUint32(0) * 2 ** 32 + view.getUint32(4);
}

/** Expected member sizes: v2 adds a full PKCS#7 pad; v3 adds 17 bytes per 1 MiB chunk. */
export function expectedMemberSize(format: "v2" | "v3", plaintextSize: number): number {
  if (format === "v2") return V2_HEADER + plaintextSize + 16 - (plaintextSize % 16);
  return V3_HEADER + plaintextSize + 17 * Math.max(1, Math.ceil(plaintextSize / V3_CHUNK));
}

export function detectMember(head: Uint8Array, memberSize: number): MemberHead {
  if (head.length >= 16 && MAGIC.every((b, i) => head[i] === b)) {
    const version = head[9];
    if ((version !== 2 && version !== 3) || head.subarray(10, 16).some((b) => b !== 0)) return { format: "unknown" };
    const format = version === 2 ? "v2" : "v3";
    if (head.length < (format === "v2" ? V2_HEADER : V3_HEADER)) return { format, sizeMismatch: true };
    const plaintextSize = readU64(head, 16);
    return { format, plaintextSize, sizeMismatch: expectedMemberSize(format, plaintextSize) !== memberSize };
  }
  if (head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return { format: "plain-gzip" };
  if (head.length >= 262 && new TextDecoder().decode(head.subarray(257, 262)) === "ustar") return { format: "plain-tar" };
  // v1: a 16-byte salt then AES-CBC blocks, so the size is 16 + a multiple of 16.
  if (memberSize >= 32 && memberSize % 16 === 0) return { format: "v1" };
  return { format: "unknown" };
}

/** The fields of a SecureTar v3 header (the first 136 bytes of the member). */
export interface V3Header {
  rootSalt: Uint8Array;
  validationSalt: Uint8Array;
  validationKey: Uint8Array;
  derivationSalt: Uint8Array;
  streamHeader: Uint8Array;
}

export function parseV3Header(head: Uint8Array): V3Header {
  return {
    rootSalt: head.slice(32, 48),
    validationSalt: head.slice(48, 64),
    validationKey: head.slice(64, 96),
    derivationSalt: head.slice(96, 112),
    streamHeader: head.slice(112, 136),
  };
}
