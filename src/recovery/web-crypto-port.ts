// CryptoPort for the browser: WebCrypto AES-CBC in chunks, @noble for SHA-256 (synchronous),
// ChaCha20 and Poly1305.
import { sha256 } from "@noble/hashes/sha2.js";
import { nobleStreamCrypto } from "../securetar/secretstream.js";
import type { CryptoPort } from "./crypto-port.js";

const keys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
function importKey(raw: Uint8Array): Promise<CryptoKey> {
  let k = keys.get(raw);
  if (!k) {
    k = crypto.subtle.importKey("raw", raw as BufferSource, "AES-CBC", false, ["encrypt", "decrypt"]);
    keys.set(raw, k);
  }
  return k;
}

export const webCryptoPort: CryptoPort = {
  sha256: (data) => sha256(data),
  async aesCbcDecrypt(raw, iv, blocks) {
    if (blocks.length === 0) return new Uint8Array(0);
    const key = await importKey(raw);
    // WebCrypto insists on PKCS#7: append E_K(C_last ⊕ 0x10…), which decrypts to a full padding
    // block, so the result is exactly the chunk's plaintext. The next chunk's IV is its C_last.
    const last = blocks.subarray(blocks.length - 16);
    const pad = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv: last as BufferSource }, key, new Uint8Array(0)));
    const joined = new Uint8Array(blocks.length + 16);
    joined.set(blocks, 0);
    joined.set(pad.subarray(0, 16), blocks.length);
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv: iv as BufferSource }, key, joined));
  },
  async aesCbcEncrypt(raw, iv, blocks) {
    if (blocks.length === 0) return new Uint8Array(0);
    const key = await importKey(raw);
    // WebCrypto adds one padding block to whole-block input: drop it.
    const out = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv: iv as BufferSource }, key, blocks as BufferSource));
    return out.subarray(0, blocks.length);
  },
  ...nobleStreamCrypto,
  random(length) {
    const out = new Uint8Array(length);
    // getRandomValues fills at most 65536 bytes per call.
    for (let at = 0; at < length; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65536)));
    return out;
  },
};
