// libsodium's crypto_secretstream_xchacha20poly1305 (pull, and the state the push side shares) over
// a few ChaCha20/Poly1305 primitives: @noble/ciphers by default (pure JS),
// or a CryptoPort's (src/recovery: OpenSSL in the CLI). Where the primitives offer the IETF
// ChaCha20-Poly1305 AEAD, the MAC rides on it: secretstream's chunk equals that AEAD's ciphertext
// of (tag ‖ 63 zero bytes ‖ message) with empty AD, except that libsodium pads the MAC input with
// `mlen mod 16` zero bytes instead of the AEAD's pad-to-16. The two agree whenever mlen mod 16 is
// 0 or 8 — every full 1 MiB chunk — so only a stream's last chunk takes the portable path
// (ChaCha20 + Poly1305 separately). Used only for v3, so it is reached through a dynamic import.
import { Poly1305 } from "@noble/ciphers/_poly1305.js";
import { chacha20, hchacha } from "@noble/ciphers/chacha.js";

export const TAG_MESSAGE = 0;
export const TAG_REKEY = 2;
export const TAG_FINAL = 3;
export const STREAM_HEADER_BYTES = 24;
export const CHUNK_OVERHEAD = 17; // 1 encrypted tag byte + 16-byte MAC

/** The primitives a secretstream needs (a CryptoPort has them all). */
export interface StreamCrypto {
  /** ChaCha20 (IETF, 12-byte nonce) keystream XOR starting at block `counter`. */
  chacha20(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array;
  /** Poly1305 one-time MAC over the concatenation of `parts`. */
  poly1305(key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array;
  /**
   * Optional fast path: IETF ChaCha20-Poly1305 open with empty AD over `ciphertext` (given in parts,
   * never joined). Returns the plaintext of every part, or null when the tag does not match. The
   * secretstream MAC equals this AEAD's tag whenever the message length is 0 or 8 mod 16.
   */
  aeadOpen?(key: Uint8Array, nonce: Uint8Array, ciphertext: readonly Uint8Array[], tag: Uint8Array): Uint8Array[] | null;
  /** Optional fast path: the sealing side; returns the ciphertext of every part and the tag. */
  aeadSeal?(key: Uint8Array, nonce: Uint8Array, plaintext: readonly Uint8Array[]): { ciphertext: Uint8Array[]; tag: Uint8Array };
}

/** @noble/ciphers' ChaCha20 and Poly1305 (no AEAD fast path). */
export const nobleStreamCrypto: StreamCrypto = {
  chacha20: (key, nonce, counter, data) => chacha20(key, nonce, data, undefined, counter),
  poly1305(key, parts) {
    const mac = new Poly1305(key);
    for (const p of parts) mac.update(p);
    return mac.digest();
  },
};

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

/** Constant-time comparison of two 16-byte MACs. */
export function equal16(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const ZERO64 = new Uint8Array(64);

function lengths(mlen: number): Uint8Array {
  const b = new Uint8Array(16); // LE64(adlen = 0) ‖ LE64(64 + mlen)
  new DataView(b.buffer).setBigUint64(8, BigInt(64 + mlen), true);
  return b;
}

/** The key and nonce both sides evolve, chunk by chunk. */
export class SecretStreamState {
  protected key: Uint8Array;
  /** counter (LE32) ‖ inonce (8 bytes), the ChaCha20-IETF nonce. */
  protected readonly nonce = new Uint8Array(12);

  constructor(
    streamKey: Uint8Array,
    header: Uint8Array,
    protected readonly crypto: StreamCrypto = nobleStreamCrypto,
  ) {
    if (streamKey.length !== 32 || header.length !== STREAM_HEADER_BYTES) throw new RangeError("bad secretstream key or header");
    this.key = hchacha20(streamKey, header.subarray(0, 16));
    this.resetCounter();
    this.nonce.set(header.subarray(16, 24), 4);
  }

  private resetCounter(): void {
    this.nonce.fill(0, 0, 4);
    this.nonce[0] = 1;
  }

  /** libsodium's MAC: Poly1305 over the tag block, the ciphertext, `mlen mod 16` zero bytes and the lengths. */
  protected portableMac(block: Uint8Array, c: Uint8Array): Uint8Array {
    const polyKey = this.crypto.chacha20(this.key, this.nonce, 0, ZERO64).subarray(0, 32);
    return this.crypto.poly1305(polyKey, [block, c, new Uint8Array(c.length & 0xf), lengths(c.length)]);
  }

  /** After a chunk: fold the MAC into the nonce, count, and rekey on REKEY or a counter wrap (as libsodium). */
  protected advance(mac: Uint8Array, tag: number): void {
    for (let i = 0; i < 8; i++) this.nonce[4 + i]! ^= mac[i]!;
    let carry = 1;
    for (let i = 0; i < 4 && carry; i++) {
      const v = this.nonce[i]! + carry;
      this.nonce[i] = v & 0xff;
      carry = v >> 8;
    }
    if ((tag & TAG_REKEY) !== 0 || this.nonce.subarray(0, 4).every((b) => b === 0)) {
      const buf = new Uint8Array(40);
      buf.set(this.key, 0);
      buf.set(this.nonce.subarray(4), 32);
      const next = this.crypto.chacha20(this.key, this.nonce, 0, buf);
      this.key = next.slice(0, 32);
      this.nonce.set(next.subarray(32, 40), 4);
      this.resetCounter();
    }
  }
}

export class SecretStreamPull extends SecretStreamState {
  /** Authenticates, then decrypts one chunk (tag byte ‖ ciphertext ‖ MAC); null if the MAC fails. */
  pull(chunk: Uint8Array): { tag: number; message: Uint8Array } | null {
    if (chunk.length < CHUNK_OVERHEAD) return null;
    const mlen = chunk.length - CHUNK_OVERHEAD;
    const c = chunk.subarray(1, 1 + mlen);
    const stored = chunk.subarray(1 + mlen);
    const block = this.crypto.chacha20(this.key, this.nonce, 1, ZERO64).slice();
    const tag = block[0]! ^ chunk[0]!;
    block[0] = chunk[0]!;
    let message: Uint8Array;
    if (this.crypto.aeadOpen && (mlen & 7) === 0) {
      const opened = this.crypto.aeadOpen(this.key, this.nonce, [block, c], stored);
      if (!opened) return null;
      message = opened[1]!;
    } else {
      if (!equal16(this.portableMac(block, c), stored)) return null;
      message = this.crypto.chacha20(this.key, this.nonce, 2, c);
    }
    this.advance(stored, tag);
    return { tag, message };
  }
}
