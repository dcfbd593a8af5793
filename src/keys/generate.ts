// Encryption keys in HA's format: 7 groups of 4 from A-Z0-9 joined by "-" (FE `generateEncryptionKey`).
// HA maps random bytes with `byte % 36`, which favours A–D (256 = 7·36 + 4); we reject bytes ≥ 252.
export const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ACCEPT_BELOW = 252; // 7 * 36

const systemRandom = (n: number) => crypto.getRandomValues(new Uint8Array(n));

export function generateEncryptionKey(randomBytes: (n: number) => Uint8Array = systemRandom): string {
  const symbols: string[] = [];
  while (symbols.length < 28) {
    for (const byte of randomBytes(32)) {
      if (byte < ACCEPT_BELOW && symbols.length < 28) symbols.push(KEY_ALPHABET[byte % 36]!);
    }
  }
  const groups: string[] = [];
  for (let i = 0; i < 28; i += 4) groups.push(symbols.slice(i, i + 4).join(""));
  return groups.join("-");
}
