// libsodium's crypto_secretstream_xchacha20poly1305 pull side, built from @noble/ciphers
// primitives (HChaCha20, ChaCha20-IETF, Poly1305). Used only for the optional deep v3 check, so it
// is reached through a dynamic import.
import { Poly1305 } from "@noble/ciphers/_poly1305.js";
import { chacha20, hchacha } from "@noble/ciphers/chacha.js";

export const TAG_MESSAGE = 0;
export const TAG_REKEY = 2;
export const TAG_FINAL = 3;
export const STREAM_HEADER_BYTES = 24;
export const CHUNK_OVERHEAD = 17; // 1 encrypted tag byte + 16-byte MAC

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]); // "expand 32-byte k"

function words(bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return Uint32Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(i * 4, true));
}

export function hchacha20(key: Uint8Array, input16: Uint8Array): Uint8Array {
  const out = new Uint32Array(8);
  hchacha(SIGMA, words(key), words(input16), out);
  const bytes = new Uint8Array(32);
  const view = new DataView(bytes.buffer);
  out.forEach((w, i) => view.setUint32(i * 4, w, true));
  return bytes;
}

function le64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

/** Constant-time comparison of two 16-byte MACs. */
export function equal16(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export class SecretStreamPull {
  private key: Uint8Array;
  /** counter (LE32) ‖ inonce (8 bytes), the ChaCha20-IETF nonce. */
  private readonly nonce = new Uint8Array(12);

  constructor(streamKey: Uint8Array, header: Uint8Array) {
    if (streamKey.length !== 32 || header.length !== STREAM_HEADER_BYTES) throw new RangeError("bad secretstream key or header");
    this.key = hchacha20(streamKey, header.subarray(0, 16));
    this.resetCounter();
    this.nonce.set(header.subarray(16, 24), 4);
  }

  private resetCounter(): void {
    this.nonce.fill(0, 0, 4);
    this.nonce[0] = 1;
  }

  private rekey(): void {
    const buf = new Uint8Array(40);
    buf.set(this.key, 0);
    buf.set(this.nonce.subarray(4), 32);
    const next = chacha20(this.key, this.nonce, buf);
    this.key = next.slice(0, 32);
    this.nonce.set(next.subarray(32, 40), 4);
    this.resetCounter();
  }

  /** Authenticates and decrypts one chunk (tag byte ‖ ciphertext ‖ MAC). Returns null if the MAC fails. */
  pull(chunk: Uint8Array): { tag: number; message: Uint8Array } | null {
    if (chunk.length < CHUNK_OVERHEAD) return null;
    const mlen = chunk.length - CHUNK_OVERHEAD;
    const c = chunk.subarray(1, 1 + mlen);
    const storedMac = chunk.subarray(1 + mlen);
    const polyKey = chacha20(this.key, this.nonce, new Uint8Array(64), undefined, 0).subarray(0, 32);
    const block = new Uint8Array(64);
    block[0] = chunk[0]!;
    const tagBlock = chacha20(this.key, this.nonce, block, undefined, 1);
    const tag = tagBlock[0]!;
    tagBlock[0] = chunk[0]!;
    const mac = new Poly1305(polyKey);
    mac.update(tagBlock);
    mac.update(c);
    // libsodium pads with (0x10 - 64 + mlen) & 0xf zero bytes — i.e. mlen mod 16, not the AEAD rule.
    mac.update(new Uint8Array((0x10 - 64 + mlen) & 0xf));
    mac.update(le64(0));
    mac.update(le64(64 + mlen));
    const computed = mac.digest();
    if (!equal16(computed, storedMac)) return null;
    const message = chacha20(this.key, this.nonce, c, undefined, 2);
    for (let i = 0; i < 8; i++) this.nonce[4 + i]! ^= computed[i]!;
    // Little-endian increment of the 32-bit counter; a wrap to zero forces a rekey, as in libsodium.
    let carry = 1;
    for (let i = 0; i < 4 && carry; i++) {
      const v = this.nonce[i]! + carry;
      this.nonce[i] = v & 0xff;
      carry = v >> 8;
    }
    if ((tag & TAG_REKEY) !== 0 || this.nonce.subarray(0, 4).every((b) => b === 0)) this.rekey();
    return { tag, message };
  }
}
