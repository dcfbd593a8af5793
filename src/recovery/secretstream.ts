// libsodium's crypto_secretstream_xchacha20poly1305 (push and pull) over a CryptoPort. In the CLI
// the MAC rides on OpenSSL's ChaCha20-Poly1305 AEAD: secretstream's chunk equals that AEAD's
// ciphertext of (tag ‖ 63 zero bytes ‖ message) with empty AD, except that libsodium pads the MAC
// input with `mlen mod 16` zero bytes instead of the AEAD's pad-to-16. The two agree whenever
// mlen mod 16 is 0 or 8 — every full 1 MiB chunk — so only a stream's last chunk takes the
// portable path (ChaCha20 + Poly1305 separately).
// The format's constants and the HChaCha20 / MAC-compare helpers are the pull side's (src/securetar).
import { CHUNK_OVERHEAD, STREAM_HEADER_BYTES, TAG_REKEY, equal16, hchacha20 } from "../securetar/secretstream.js";
import type { CryptoPort } from "./crypto-port.js";

export { CHUNK_OVERHEAD, STREAM_HEADER_BYTES, TAG_FINAL, TAG_MESSAGE, TAG_REKEY } from "../securetar/secretstream.js";

const ZERO64 = new Uint8Array(64);

function lengths(mlen: number): Uint8Array {
  const b = new Uint8Array(16); // LE64(adlen = 0) ‖ LE64(64 + mlen)
  new DataView(b.buffer).setBigUint64(8, BigInt(64 + mlen), true);
  return b;
}

class SecretStreamState {
  protected key: Uint8Array;
  protected readonly nonce = new Uint8Array(12);

  constructor(
    protected readonly port: CryptoPort,
    streamKey: Uint8Array,
    header: Uint8Array,
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

  protected portableMac(block: Uint8Array, c: Uint8Array): Uint8Array {
    const polyKey = this.port.chacha20(this.key, this.nonce, 0, ZERO64).subarray(0, 32);
    return this.port.poly1305(polyKey, [block, c, new Uint8Array(c.length & 0xf), lengths(c.length)]);
  }

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
      const next = this.port.chacha20(this.key, this.nonce, 0, buf);
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
    const block = this.port.chacha20(this.key, this.nonce, 1, ZERO64).slice();
    const tag = block[0]! ^ chunk[0]!;
    block[0] = chunk[0]!;
    let message: Uint8Array;
    if (this.port.aeadOpen && (mlen & 7) === 0) {
      const opened = this.port.aeadOpen(this.key, this.nonce, [block, c], stored);
      if (!opened) return null;
      message = opened[1]!;
    } else {
      if (!equal16(this.portableMac(block, c), stored)) return null;
      message = this.port.chacha20(this.key, this.nonce, 2, c);
    }
    this.advance(stored, tag);
    return { tag, message };
  }
}

export class SecretStreamPush extends SecretStreamState {
  /** Encrypts one message; returns tag byte ‖ ciphertext ‖ MAC. */
  push(message: Uint8Array, tag: number): Uint8Array {
    const mlen = message.length;
    const out = new Uint8Array(mlen + CHUNK_OVERHEAD);
    let mac: Uint8Array;
    if (this.port.aeadSeal && (mlen & 7) === 0) {
      const first = new Uint8Array(64);
      first[0] = tag;
      const sealed = this.port.aeadSeal(this.key, this.nonce, [first, message]);
      out[0] = sealed.ciphertext[0]![0]!;
      out.set(sealed.ciphertext[1]!, 1);
      mac = sealed.tag;
    } else {
      const first = new Uint8Array(64);
      first[0] = tag;
      const block = this.port.chacha20(this.key, this.nonce, 1, first);
      const c = this.port.chacha20(this.key, this.nonce, 2, message);
      mac = this.portableMac(block, c);
      out[0] = block[0]!;
      out.set(c, 1);
    }
    out.set(mac, 1 + mlen);
    this.advance(mac, tag);
    return out;
  }
}
