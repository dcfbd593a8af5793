// Fingerprints identify a key without storing it: HMAC-SHA-256 under a random per-registry salt.
// Not a plain or iterated SHA-256: SecureTar derives its AES key with SHA-256×100, so an unsalted
// hash would let anyone with the registry test guesses offline, or even reveal the AES key.
const enc = new TextEncoder();

export function newFingerprintSalt(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

export async function fingerprintKey(key: string, salt: Uint8Array): Promise<string> {
  const hmacKey = await crypto.subtle.importKey("raw", salt as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, enc.encode(key)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The form people compare: 12 hex digits in 3 groups ("7F3A-91C2-0B5E"), 48 bits. Two keys of
 * one instance collide with odds of about 1 in 2^47 — far below any realistic number of keys.
 */
export function displayFingerprint(hex: string): string {
  return hex.slice(0, 12).toUpperCase().match(/.{4}/g)!.join("-");
}
