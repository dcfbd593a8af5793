// libsodium's crypto_secretstream_xchacha20poly1305 over a CryptoPort: the pull side and the
// state are SecureTar's (src/securetar/secretstream.ts); the push side, which only recovery's
// re-key needs, is here.
import { CHUNK_OVERHEAD, SecretStreamState } from "../securetar/secretstream.js";

export { CHUNK_OVERHEAD, SecretStreamPull, STREAM_HEADER_BYTES, TAG_FINAL, TAG_MESSAGE, TAG_REKEY } from "../securetar/secretstream.js";

export class SecretStreamPush extends SecretStreamState {
  /** Encrypts one message; returns tag byte ‖ ciphertext ‖ MAC. */
  push(message: Uint8Array, tag: number): Uint8Array {
    const mlen = message.length;
    const out = new Uint8Array(mlen + CHUNK_OVERHEAD);
    const first = new Uint8Array(64);
    first[0] = tag;
    let mac: Uint8Array;
    if (this.crypto.aeadSeal && (mlen & 7) === 0) {
      const sealed = this.crypto.aeadSeal(this.key, this.nonce, [first, message]);
      out[0] = sealed.ciphertext[0]![0]!;
      out.set(sealed.ciphertext[1]!, 1);
      mac = sealed.tag;
    } else {
      const block = this.crypto.chacha20(this.key, this.nonce, 1, first);
      const c = this.crypto.chacha20(this.key, this.nonce, 2, message);
      mac = this.portableMac(block, c);
      out[0] = block[0]!;
      out.set(c, 1);
    }
    out.set(mac, 1 + mlen);
    this.advance(mac, tag);
    return out;
  }
}
