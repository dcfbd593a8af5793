// The heavy part of SecureTar v3, loaded only when a v3 member is met (dynamic import): Argon2id
// (WebCrypto has none) and keyed BLAKE2b with salt and personalisation.
// Argon2id is the reference C code compiled to WebAssembly with SIMD (./argon2.ts), chosen by
// measurement (`npm run bench -- crypto`, t=8 m=16 MiB, Chromium): @phi-ag/argon2's build ~1.5×
// native libsodium, libsodium-wrappers-sumo ~2.3×, the argon2id package ~3×, hash-wasm ~3.8×.
// BLAKE2b with salt + personal is tiny and synchronous in @noble/hashes.
import { blake2b } from "@noble/hashes/blake2.js";
import { argon2idRaw } from "./argon2.js";

const PERSONAL = new Uint8Array([0x53, 0x65, 0x63, 0x75, 0x72, 0x65, 0x54, 0x61, 0x72, 0x76, 0x33, 0, 0, 0, 0, 0]); // "SecureTarv3"
const OPS_LIMIT = 8;
const MEM_LIMIT = 16 * 1024 * 1024;

/** Argon2id v1.3, t = 8, m = 16 MiB, p = 1, 32 bytes: libsodium `crypto_pwhash`, exactly as securetar calls it. */
export async function v3RootKey(password: string, rootSalt: Uint8Array): Promise<Uint8Array> {
  // Bytes, not the string: the exact UTF-8 of the candidate, never normalised.
  return argon2idRaw(new TextEncoder().encode(password), rootSalt, OPS_LIMIT, MEM_LIMIT / 1024, 1, 32);
}

/** BLAKE2b(empty message, key = root key, salt, personal "SecureTarv3"), 32 bytes. */
export function v3Subkey(rootKey: Uint8Array, salt: Uint8Array): Uint8Array {
  return blake2b(new Uint8Array(0), { key: rootKey, salt, personalization: PERSONAL, dkLen: 32 });
}
