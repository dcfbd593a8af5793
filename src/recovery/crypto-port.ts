// The few primitives streaming SecureTar needs, behind one small port so the same decrypt/encrypt
// code runs in the CLI (node:crypto: OpenSSL's AES-NI and ChaCha20-Poly1305) and in the browser
// (WebCrypto AES-CBC; ChaCha20/Poly1305 from @noble/ciphers, since WebCrypto has neither).
// Every AES call is raw CBC over whole 16-byte blocks: padding is SecureTar's business, not the port's.
import { aesIv, passwordToAesKey, sha256x100 as sha256x100With } from "../securetar/aes.js";
import type { StreamCrypto } from "../securetar/secretstream.js";

/** Besides AES and hashing, the secretstream primitives (ChaCha20, Poly1305, the optional AEAD fast path). */
export interface CryptoPort extends StreamCrypto {
  /** SHA-256, synchronous (the ×100 key derivation is 100 tiny hashes; awaiting each costs ms). */
  sha256(data: Uint8Array): Uint8Array;
  /** AES-128-CBC decrypt of whole blocks, no padding handling. */
  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array>;
  /** AES-128-CBC encrypt of whole blocks, no padding added. */
  aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array>;
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
