// Deep check of a SecureTar v2 member: decrypts the whole AES-128-CBC stream 1 MiB at a time
// (never the whole member) and hands the plaintext on; the last block must carry valid PKCS#7
// padding and the plaintext must have the size the header promises. WebCrypto only.
import type { ByteSource } from "../common/byte-source.js";
import { aesIv, decryptCbcPrefix } from "./aes.js";
import { V2_HEADER } from "./detect.js";

export const V2_CHUNK = 1024 * 1024; // a multiple of 16

export type V2StreamDamage = "padding_invalid" | "stream_size_mismatch";

/**
 * `memberOffset`/`memberSize` locate the member; `rawKey` must already have opened it.
 * `onPlaintext` receives the plaintext in order (awaited, so a slow consumer slows the reads).
 */
export async function checkV2Stream(
  source: ByteSource,
  memberOffset: number,
  memberSize: number,
  plaintextSize: number,
  rawKey: Uint8Array,
  onPlaintext: (bytes: Uint8Array) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<V2StreamDamage | null> {
  const salt = await source.read(memberOffset + 32, 16);
  let iv = aesIv(rawKey, salt);
  const end = memberOffset + memberSize;
  let at = memberOffset + V2_HEADER;
  if ((end - at) % 16 !== 0 || end - at < 16) return "padding_invalid";
  const key = await crypto.subtle.importKey("raw", rawKey as BufferSource, "AES-CBC", false, ["decrypt"]);
  let produced = 0;
  while (at < end) {
    signal?.throwIfAborted();
    const length = Math.min(V2_CHUNK, end - at);
    const cipher = await source.read(at, length);
    if (cipher.length !== length) return "stream_size_mismatch";
    const last = at + length >= end;
    let plain: Uint8Array;
    if (!last) plain = await decryptCbcPrefix(rawKey, iv, cipher);
    else {
      // The real end: WebCrypto checks and strips the PKCS#7 padding itself.
      try {
        plain = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv: iv as BufferSource }, key, cipher as BufferSource));
      } catch {
        return "padding_invalid";
      }
    }
    iv = cipher.slice(cipher.length - 16);
    produced += plain.length;
    if (produced > plaintextSize) return "stream_size_mismatch";
    await onPlaintext(plain);
    at += length;
  }
  return produced === plaintextSize ? null : "stream_size_mismatch";
}
