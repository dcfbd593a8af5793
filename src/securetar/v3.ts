// SecureTar v3 key check: the password is right exactly when BLAKE2b(Argon2id(password)) equals
// the validation key stored in the clear in the 136-byte header. No decryption needed.
// The header's layout lives with the other formats' (detect.ts); re-exported for callers of the key check.
import type { V3Header } from "./detect.js";
export { parseV3Header, type V3Header } from "./detect.js";

export const loadV3Crypto = () => import("./v3-crypto.js");
export const loadV3Deep = () => import("./v3-deep.js");

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export async function v3RootKeyFor(password: string, header: V3Header): Promise<Uint8Array> {
  return (await loadV3Crypto()).v3RootKey(password, header.rootSalt);
}

export async function v3RootKeyOpens(rootKey: Uint8Array, header: V3Header): Promise<boolean> {
  const { v3Subkey } = await loadV3Crypto();
  return constantTimeEqual(v3Subkey(rootKey, header.validationSalt), header.validationKey);
}
