// The few primitives streaming SecureTar needs, behind one small port so the same decrypt/encrypt
// code runs in the CLI (node:crypto: OpenSSL's AES-NI and ChaCha20-Poly1305) and in the browser
// (WebCrypto AES-CBC; ChaCha20/Poly1305 from @noble/ciphers, since WebCrypto has neither).
// Every AES call is raw CBC over whole 16-byte blocks: padding is SecureTar's business, not the port's.
import { aesIv, passwordToAesKey, sha256x100 as sha256x100With } from "../securetar/aes.js";

export interface CryptoPort {
  /** SHA-256, synchronous (the ×100 key derivation is 100 tiny hashes; awaiting each costs ms). */
  sha256(data: Uint8Array): Uint8Array;
  /** AES-128-CBC decrypt of whole blocks, no padding handling. */
  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array>;
  /** AES-128-CBC encrypt of whole blocks, no padding added. */
  aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array>;
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
  /** Cryptographically random bytes. */
  random(length: number): Uint8Array;
}

// The derivations themselves are SecureTar's (src/securetar/aes.ts), run on the port's SHA-256.
const hashOf = (port: CryptoPort) => (data: Uint8Array) => port.sha256(data);

export function sha256x100(port: CryptoPort, input: Uint8Array): Uint8Array {
  return sha256x100With(input, hashOf(port));
}

/** HA's `password_to_key` on the port's SHA-256. */
export function passwordToAesKeySync(port: CryptoPort, password: string): Uint8Array {
  return passwordToAesKey(password, hashOf(port));
}

/** SecureTar's IV on the port's SHA-256. */
export function aesIvSync(port: CryptoPort, key: Uint8Array, salt: Uint8Array): Uint8Array {
  return aesIv(key, salt, hashOf(port));
}
