// Streaming decryption of one SecureTar inner archive (v1, v2, v3) into its plaintext gzip/tar,
// piece by piece with constant memory. The plaintext size is known before the first byte is
// produced (v2/v3 header; v1 by decrypting its last blocks first), so a tar header can precede it.
//
// v1 quirk (securetar ≤ 2024.11): every write() that was not a multiple of 16 bytes was PKCS#7
// padded on its own. tarfile's gzip stream writes 10240-byte pieces, then the remainder, then the
// CRC (4 bytes) and ISIZE (4 bytes) as separate writes. So a v1 member ends with
// [remainder + pad][CRC + 12×0x0c][ISIZE + 12×0x0c]; dropping those pads gives the valid gzip HA wrote.
import type { ByteSource } from "../common/byte-source.js";
import { V2_HEADER, V3_CHUNK, V3_HEADER } from "../securetar/detect.js";
import { readRange, IO_CHUNK } from "./chunks.js";
import { aesIvSync, type CryptoPort } from "./crypto-port.js";
import { RecoveryError } from "./errors.js";
import { v3SubkeyOf } from "./v3-keys.js";
import { CHUNK_OVERHEAD, SecretStreamPull, TAG_FINAL } from "./secretstream.js";

export type MemberKey = { format: "v1" | "v2"; aesKey: Uint8Array } | { format: "v3"; rootKey: Uint8Array };

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

async function openV1(port: CryptoPort, source: ByteSource, at: MemberLocation, key: Uint8Array, signal?: AbortSignal): Promise<OpenedMember> {
  if (at.size < 32 || at.size % 16 !== 0) throw damaged("size_mismatch");
  const salt = await source.read(at.offset, 16);
  const iv = aesIvSync(port, key, salt);
  const start = at.offset + 16;
  const blocks = (at.size - 16) / 16;
  const tailBlocks = Math.min(3, blocks);
  const bodyEnd = start + (blocks - tailBlocks) * 16;
  const chain = bodyEnd === start ? iv : await source.read(bodyEnd - 16, 16);
  const tail = await port.aesCbcDecrypt(key, chain, await source.read(bodyEnd, tailBlocks * 16));
  let tailOut: Uint8Array;
  const b = (i: number) => tail.subarray(i * 16, i * 16 + 16);
  if (tailBlocks === 3 && isTrailerBlock(b(1)) && isTrailerBlock(b(2))) {
    // Split trailer: remainder (its own pad, if any: 1..15), CRC, ISIZE.
    const first = b(0);
    const pad = padLength(first);
    const keep = pad >= 16 ? 16 : 16 - pad;
    tailOut = new Uint8Array(keep + 8);
    tailOut.set(first.subarray(0, keep), 0);
    tailOut.set(b(1).subarray(0, 4), keep);
    tailOut.set(b(2).subarray(0, 4), keep + 4);
  } else {
    // One pad at the end (the short-lived 2025.1.0–2025.1.2 writer), or none (an uncompressed tar
    // is written in whole 512-byte blocks, so nothing was padded).
    tailOut = tail.subarray(0, tail.length - padLength(tail.subarray(tail.length - 16)));
  }
  const plaintextSize = (blocks - tailBlocks) * 16 + tailOut.length;
  async function* chunks() {
    yield* cbcDecrypt(port, source, key, iv, start, bodyEnd, signal);
    yield tailOut;
  }
  return { plaintextSize, chunks: chunks() };
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
  const stream = new SecretStreamPull(port, v3SubkeyOf(rootKey, head.subarray(96, 112)), head.subarray(112, 136));
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
  return key.format === "v1" ? openV1(port, source, at, key.aesKey, signal) : openV2(port, source, at, key.aesKey, signal);
}
