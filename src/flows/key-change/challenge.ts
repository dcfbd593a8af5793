// Proof that the new emergency kit was saved: either the kit file loaded back, or one group of
// the key, chosen at random, typed from the saved copy.
import { parseEmergencyKit } from "../../kit/parse.js";

export const KEY_GROUPS = 7;

/** 1-based index of the group to ask for, without modulo bias. */
export function pickGroup(randomBytes: (n: number) => Uint8Array): number {
  for (;;) {
    const byte = randomBytes(1)[0]!;
    // 252 = 36 * 7: accept only bytes from a range that divides evenly by 7.
    if (byte < 252) return (byte % KEY_GROUPS) + 1;
  }
}

export function groupOf(key: string, group: number): string | null {
  const groups = key.split("-");
  return groups.length === KEY_GROUPS ? (groups[group - 1] ?? null) : null;
}

export function checkTypedGroup(key: string, group: number, typed: string): boolean {
  const expected = groupOf(key, group);
  return expected !== null && typed.replace(/\s+/g, "").toUpperCase() === expected;
}

export type KitProofResult = "ok" | "other_key" | "unreadable";

export function checkLoadedKit(key: string, kitText: string): KitProofResult {
  try {
    return parseEmergencyKit(kitText).key === key ? "ok" : "other_key";
  } catch {
    return "unreadable";
  }
}
