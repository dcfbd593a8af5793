// Deep integrity check of a SecureTar v3 member: pulls every secretstream chunk (1 MiB at a time,
// never the whole member), requires each MAC to verify, FINAL on the last chunk and only there,
// and the plaintext length the header promises. Loaded lazily, like the rest of v3.
import type { ByteSource } from "../common/byte-source.js";
import { V3_CHUNK, V3_HEADER, type V3Header } from "./detect.js";
import { CHUNK_OVERHEAD, nobleStreamCrypto, SecretStreamPull, TAG_FINAL, type StreamCrypto } from "./secretstream.js";
import { v3Subkey } from "./v3-crypto.js";

export type StreamDamage = "stream_empty" | "stream_auth_failed" | "final_too_early" | "no_final_tag" | "stream_size_mismatch";

export interface StreamCheck {
  damage: StreamDamage | null;
  chunks: number;
  plaintextBytes: number;
}

/**
 * `memberOffset`/`memberSize` locate the member inside the backup; `plaintextSize` comes from the
 * v3 header. `rootKey` must already have matched the validation key.
 */
export async function checkV3Stream(
  source: ByteSource,
  memberOffset: number,
  memberSize: number,
  plaintextSize: number,
  header: V3Header,
  rootKey: Uint8Array,
  signal?: AbortSignal,
  /** Receives each chunk's plaintext in order (the inner archive, for the end-of-archive check). */
  onPlaintext?: (bytes: Uint8Array) => Promise<void> | void,
  /** The secretstream's primitives: @noble's by default; the CLI passes its OpenSSL port. */
  crypto: StreamCrypto = nobleStreamCrypto,
): Promise<StreamCheck> {
  const stream = new SecretStreamPull(v3Subkey(rootKey, header.derivationSalt), header.streamHeader, crypto);
  const end = memberOffset + memberSize;
  let at = memberOffset + V3_HEADER;
  let chunks = 0;
  let plaintextBytes = 0;
  if (at >= end) return { damage: "stream_empty", chunks, plaintextBytes };
  while (at < end) {
    signal?.throwIfAborted();
    const length = Math.min(V3_CHUNK + CHUNK_OVERHEAD, end - at);
    const chunk = await source.read(at, length);
    if (chunk.length !== length) return { damage: "stream_size_mismatch", chunks, plaintextBytes };
    const pulled = stream.pull(chunk);
    if (!pulled) return { damage: "stream_auth_failed", chunks, plaintextBytes };
    chunks++;
    plaintextBytes += pulled.message.length;
    await onPlaintext?.(pulled.message);
    at += length;
    const last = at >= end;
    if (pulled.tag === TAG_FINAL && !last) return { damage: "final_too_early", chunks, plaintextBytes };
    if (last && pulled.tag !== TAG_FINAL) return { damage: "no_final_tag", chunks, plaintextBytes };
  }
  return { damage: plaintextBytes === plaintextSize ? null : "stream_size_mismatch", chunks, plaintextBytes };
}
