// Keys are passwords: SecureTar hashes the exact UTF-8 string. Only input that is recognisably a
// generated key (7×4 of A-Z0-9, typed with spaces, lower case or without dashes) is tidied.
export const ENCRYPTION_KEY_PATTERN = /^[A-Z0-9]{4}(?:-[A-Z0-9]{4}){6}$/;

export function looksLikeGeneratedKey(value: string): boolean {
  return ENCRYPTION_KEY_PATTERN.test(value);
}

export function tidyKeyInput(input: string): string {
  const compact = input.replace(/[\s-]+/g, "").toUpperCase();
  // Only when the typed text has the generated key's shape (groups of 4, separated or not).
  const shaped = /^\s*[A-Za-z0-9]{4}(?:[\s-]*[A-Za-z0-9]{4}){6}\s*$/.test(input);
  if (shaped && /^[A-Z0-9]{28}$/.test(compact)) return compact.match(/.{4}/g)!.join("-");
  return input;
}

/**
 * HA's format for a key typed as a generated key in its seven groups of four, in any case, with
 * spaces or dashes between every group; null for anything else. Used where exactly one key must
 * be written (a kit): 28 characters run together may just as well be a legacy password, which must
 * stay exactly as given.
 */
export function formatTypedGeneratedKey(input: string): string | null {
  if (!/^\s*[A-Za-z0-9]{4}(?:(?: +|-)[A-Za-z0-9]{4}){6}\s*$/.test(input)) return null;
  return input.trim().toUpperCase().split(/ +|-/).join("-");
}

/**
 * What to try for one key as given: the exact string first (a legacy password can have any
 * shape, even 28 letters and digits), then, only when it is shaped like a loosely typed generated
 * key (spaces, lower case, no dashes), the tidied form as well.
 */
export function keyCandidates(input: string): string[] {
  const tidied = tidyKeyInput(input);
  return tidied === input ? [input] : [input, tidied];
}
