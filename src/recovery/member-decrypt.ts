// Streaming decryption of one SecureTar inner archive (v1, v2, v3) into its plaintext gzip/tar,
// piece by piece with constant memory. The plaintext size is known before the first byte is
// produced (v2/v3 header; v1 by decrypting its last blocks first), so a tar header can precede it.
//
// v1 quirk (securetar ≤ 2024.11): every write() that was not a multiple of 16 bytes was PKCS#7
// padded on its own. tarfile's gzip stream writes 10240-byte pieces, then the remainder, then the
// CRC (4 bytes) and ISIZE (4 bytes) as separate writes. So a v1 member ends with
// [remainder + pad][CRC + 12×0x0c][ISIZE + 12×0x0c]; dropping those pads gives the valid gzip HA wrote.
// A remainder that is a multiple of 16 got no pad, and its last bytes may look like one (…0x01):
// then the member has two readings, and only the gzip itself (its CRC-32 and length, checked by
// resolveV1Reading) tells which one HA wrote.
import type { ByteSource } from "../common/byte-source.js";
import { V2_HEADER, V3_CHUNK, V3_HEADER } from "../securetar/detect.js";
import { readRange, IO_CHUNK } from "./chunks.js";
import { aesIvSync, type CryptoPort } from "./crypto-port.js";
import { archiveEndSink } from "../backup-file/archive-end.js";
import { RecoveryError } from "./errors.js";
import { v3SubkeyOf } from "./v3-keys.js";
import { CHUNK_OVERHEAD, SecretStreamPull, TAG_FINAL } from "./secretstream.js";

export type MemberKey =
  | {
      format: "v1";
      aesKey: Uint8Array;
      /** Which reading of the v1 trailer (index into v1Readings; 0, the likely one, by default). */
      reading?: number;
      /** The reading was proven by its gzip CRC and tar end (resolveV1Reading): no second check needed. */
      verified?: boolean;
    }
  | { format: "v2"; aesKey: Uint8Array }
  | { format: "v3"; rootKey: Uint8Array };

export interface OpenedMember {
  plaintextSize: number;
  /** Plaintext pieces; a v3 piece is yielded only after its chunk authenticated. Throws RecoveryError("damaged"). */
  chunks: AsyncGenerator<Uint8Array>;
}

export interface MemberLocation {
  offset: number;
  size: number;
}

function damaged(reason: string): RecoveryError {
  return new RecoveryError("damaged", { reason });
}

function readU64(b: Uint8Array, at: number): number {
  const view = new DataView(b.buffer, b.byteOffset + at, 8);
  return view.getUint32(0) * 2 ** 32 + view.getUint32(4);
}

/** PKCS#7 pad length of a final block, or 0 when the block does not end in valid padding (1..16). */
export function padLength(block: Uint8Array): number {
  const p = block[block.length - 1]!;
  if (p < 1 || p > 16 || p > block.length) return 0;
  for (let i = block.length - p; i < block.length; i++) if (block[i] !== p) return 0;
  return p;
}

const isTrailerBlock = (b: Uint8Array) => b.length === 16 && b.subarray(4).every((x) => x === 0x0c);

async function* cbcDecrypt(port: CryptoPort, source: ByteSource, key: Uint8Array, iv: Uint8Array, start: number, end: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let chain = iv;
  for await (const c of readRange(source, start, end, IO_CHUNK, signal)) {
    const plain = await port.aesCbcDecrypt(key, chain, c);
    chain = c.slice(c.length - 16);
    yield plain;
  }
}

interface V1Layout {
  iv: Uint8Array;
  start: number;
  bodyEnd: number;
  bodyBlocks: number;
  /** The possible decrypted endings, the likely one first (two only when the remainder's pad is ambiguous). */
  tails: Uint8Array[];
}

async function v1Layout(port: CryptoPort, source: ByteSource, at: MemberLocation, key: Uint8Array): Promise<V1Layout> {
  if (at.size < 32 || at.size % 16 !== 0) throw damaged("size_mismatch");
  const salt = await source.read(at.offset, 16);
  const iv = aesIvSync(port, key, salt);
  const start = at.offset + 16;
  const blocks = (at.size - 16) / 16;
  const tailBlocks = Math.min(3, blocks);
  const bodyEnd = start + (blocks - tailBlocks) * 16;
  const chain = bodyEnd === start ? iv : await source.read(bodyEnd - 16, 16);
  const tail = await port.aesCbcDecrypt(key, chain, await source.read(bodyEnd, tailBlocks * 16));
  const b = (i: number) => tail.subarray(i * 16, i * 16 + 16);
  const tails: Uint8Array[] = [];
  if (tailBlocks === 3 && isTrailerBlock(b(1)) && isTrailerBlock(b(2))) {
    // Split trailer: remainder (with its own pad 1..15, or none when it was a multiple of 16), CRC, ISIZE.
    const splitTail = (keep: number) => {
      const out = new Uint8Array(keep + 8);
      out.set(b(0).subarray(0, keep), 0);
      out.set(b(1).subarray(0, 4), keep);
      out.set(b(2).subarray(0, 4), keep + 4);
      return out;
    };
    const pad = padLength(b(0));
    if (pad > 0 && pad < 16) tails.push(splitTail(16 - pad));
    tails.push(splitTail(16));
  } else {
    // One pad at the end (the short-lived 2025.1.0–2025.1.2 writer), or none (an uncompressed tar
    // is written in whole 512-byte blocks, so nothing was padded).
    tails.push(tail.subarray(0, tail.length - padLength(tail.subarray(tail.length - 16))));
  }
  return { iv, start, bodyEnd, bodyBlocks: blocks - tailBlocks, tails };
}

/** How many readings a v1 member's ending allows (1, or 2 when its last pad is ambiguous). */
export async function v1Readings(port: CryptoPort, source: ByteSource, at: MemberLocation, key: Uint8Array): Promise<number> {
  return (await v1Layout(port, source, at, key)).tails.length;
}

async function openV1(port: CryptoPort, source: ByteSource, at: MemberLocation, key: Uint8Array, reading: number, signal?: AbortSignal): Promise<OpenedMember> {
  const layout = await v1Layout(port, source, at, key);
  const tailOut = layout.tails[Math.min(reading, layout.tails.length - 1)]!;
  const plaintextSize = layout.bodyBlocks * 16 + tailOut.length;
  async function* chunks() {
    yield* cbcDecrypt(port, source, key, layout.iv, layout.start, layout.bodyEnd, signal);
    yield tailOut;
  }
  return { plaintextSize, chunks: chunks() };
}

/**
 * Decrypts a v1 member under each of its readings until one is a whole archive (gzip CRC-32 and
 * length, then the inner tar's end; a `.tar` member: the tar's end). Returns that reading, or
 * null when none is (the member is damaged). Reads the whole member once per reading tried.
 */
export async function resolveV1Reading(port: CryptoPort, source: ByteSource, at: MemberLocation, key: Uint8Array, compressed: boolean, signal?: AbortSignal): Promise<number | null> {
  const readings = await v1Readings(port, source, at, key);
  for (let reading = 0; reading < readings; reading++) {
    const sink = archiveEndSink(compressed);
    const opened = await openV1(port, source, at, key, reading, signal);
    for await (const piece of opened.chunks) await sink.write(piece);
    if ((await sink.close()) === null) return reading;
  }
  return null;
}

async function openV2(port: CryptoPort, source: ByteSource, at: MemberLocation, key: Uint8Array, signal?: AbortSignal): Promise<OpenedMember> {
  const head = await source.read(at.offset, V2_HEADER);
  const plaintextSize = readU64(head, 16);
  const cipherSize = at.size - V2_HEADER;
  if (cipherSize !== plaintextSize + 16 - (plaintextSize % 16)) throw damaged("size_mismatch");
  const iv = aesIvSync(port, key, head.subarray(32, 48));
  async function* chunks() {
    let produced = 0;
    let padSeen = 0;
    const value = 16 - (plaintextSize % 16);
    for await (const plain of cbcDecrypt(port, source, key, iv, at.offset + V2_HEADER, at.offset + at.size, signal)) {
      const want = Math.min(plain.length, plaintextSize - produced);
      // Everything after the plaintext is the PKCS#7 pad (it may start in the next piece).
      const pad = plain.subarray(want);
      if (pad.some((x) => x !== value)) throw damaged("bad_padding");
      padSeen += pad.length;
      produced += want;
      if (want > 0) yield plain.subarray(0, want);
    }
    if (padSeen !== value) throw damaged("bad_padding");
  }
  return { plaintextSize, chunks: chunks() };
}

async function openV3(port: CryptoPort, source: ByteSource, at: MemberLocation, rootKey: Uint8Array, signal?: AbortSignal): Promise<OpenedMember> {
  const head = await source.read(at.offset, V3_HEADER);
  const plaintextSize = readU64(head, 16);
  const chunkCount = Math.max(1, Math.ceil(plaintextSize / V3_CHUNK));
  if (at.size !== V3_HEADER + plaintextSize + CHUNK_OVERHEAD * chunkCount) throw damaged("size_mismatch");
  const stream = new SecretStreamPull(v3SubkeyOf(rootKey, head.subarray(96, 112)), head.subarray(112, 136), port);
  async function* chunks() {
    let produced = 0;
    let index = 0;
    for await (const chunk of readRange(source, at.offset + V3_HEADER, at.offset + at.size, V3_CHUNK + CHUNK_OVERHEAD, signal)) {
      const pulled = stream.pull(chunk);
      if (!pulled) throw damaged("stream_auth_failed");
      index++;
      const last = index === chunkCount;
      if (pulled.tag === TAG_FINAL && !last) throw damaged("final_too_early");
      if (last && pulled.tag !== TAG_FINAL) throw damaged("no_final_tag");
      produced += pulled.message.length;
      if (pulled.message.length > 0) yield pulled.message;
    }
    if (produced !== plaintextSize) throw damaged("stream_size_mismatch");
  }
  return { plaintextSize, chunks: chunks() };
}

export function openMember(port: CryptoPort, source: ByteSource, at: MemberLocation, key: MemberKey, signal?: AbortSignal): Promise<OpenedMember> {
  if (key.format === "v3") return openV3(port, source, at, key.rootKey, signal);
  return key.format === "v1" ? openV1(port, source, at, key.aesKey, key.reading ?? 0, signal) : openV2(port, source, at, key.aesKey, signal);
}
