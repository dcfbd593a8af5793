// SecureTar v3 subkeys: BLAKE2b(empty, key = root key, salt, personal "SecureTarv3"), 32 bytes.
// @noble/hashes' BLAKE2b is small and synchronous; the Argon2id root key stays in the lazily
// loaded src/securetar/v3-crypto.ts.
import { blake2b } from "@noble/hashes/blake2.js";

const PERSONAL = new Uint8Array([0x53, 0x65, 0x63, 0x75, 0x72, 0x65, 0x54, 0x61, 0x72, 0x76, 0x33, 0, 0, 0, 0, 0]);

export function v3SubkeyOf(rootKey: Uint8Array, salt: Uint8Array): Uint8Array {
  return blake2b(new Uint8Array(0), { key: rootKey, salt, personalization: PERSONAL, dkLen: 32 });
}
