// The heavy part of SecureTar v3, loaded only when a v3 member is met (dynamic import): Argon2id
// in WebAssembly (hash-wasm; WebCrypto has none) and keyed BLAKE2b with salt and
// personalisation (@noble/hashes). Chosen by measurement: see bench/securetar.bench.ts.
import { blake2b } from "@noble/hashes/blake2.js";
import { argon2id } from "hash-wasm";

const PERSONAL = new Uint8Array([0x53, 0x65, 0x63, 0x75, 0x72, 0x65, 0x54, 0x61, 0x72, 0x76, 0x33, 0, 0, 0, 0, 0]); // "SecureTarv3"

/** Argon2id v1.3, t = 8, m = 16 MiB, p = 1, 32 bytes (libsodium `crypto_pwhash` as securetar calls it). */
export async function v3RootKey(password: string, rootSalt: Uint8Array): Promise<Uint8Array> {
  return argon2id({
    password: new TextEncoder().encode(password),
    salt: rootSalt,
    iterations: 8,
    memorySize: 16 * 1024,
    parallelism: 1,
    hashLength: 32,
    outputType: "binary",
  });
}

/** BLAKE2b(empty message, key = root key, salt, personal "SecureTarv3"), 32 bytes. */
export function v3Subkey(rootKey: Uint8Array, salt: Uint8Array): Uint8Array {
  return blake2b(new Uint8Array(0), { key: rootKey, salt, personalization: PERSONAL, dkLen: 32 });
}
