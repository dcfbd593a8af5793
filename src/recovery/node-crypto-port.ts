// CryptoPort for the CLI: node:crypto (OpenSSL) for SHA-256, AES-128-CBC, ChaCha20 and the
// ChaCha20-Poly1305 AEAD that carries the secretstream MAC at native speed; Poly1305 alone (needed
// only for a stream's last, odd-sized chunk) from @noble/ciphers.
import { Poly1305 } from "@noble/ciphers/_poly1305.js";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { CryptoPort } from "./crypto-port.js";

function u8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function chachaIv(nonce: Uint8Array, counter: number): Buffer {
  // OpenSSL's "chacha20" IV: 32-bit little-endian block counter, then the 12-byte nonce.
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter, 0);
  iv.set(nonce, 4);
  return iv;
}

export const nodeCryptoPort: CryptoPort = {
  sha256: (data) => u8(createHash("sha256").update(data).digest()),
  async aesCbcDecrypt(key, iv, blocks) {
    const d = createDecipheriv("aes-128-cbc", key, iv).setAutoPadding(false);
    const out = d.update(blocks);
    d.final();
    return u8(out);
  },
  async aesCbcEncrypt(key, iv, blocks) {
    const c = createCipheriv("aes-128-cbc", key, iv).setAutoPadding(false);
    const out = c.update(blocks);
    c.final();
    return u8(out);
  },
  chacha20(key, nonce, counter, data) {
    const c = createCipheriv("chacha20", key, chachaIv(nonce, counter));
    return u8(c.update(data));
  },
  poly1305(key, parts) {
    const mac = new Poly1305(key);
    for (const p of parts) mac.update(p);
    return mac.digest();
  },
  aeadOpen(key, nonce, ciphertext, tag) {
    const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    d.setAuthTag(tag);
    const out = ciphertext.map((c) => u8(d.update(c)));
    try {
      d.final();
    } catch {
      return null;
    }
    return out;
  },
  aeadSeal(key, nonce, plaintext) {
    const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    const ciphertext = plaintext.map((p) => u8(c.update(p)));
    c.final();
    return { ciphertext, tag: u8(c.getAuthTag()) };
  },
  random: (length) => u8(randomBytes(length)),
};
