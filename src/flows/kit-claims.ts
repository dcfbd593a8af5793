// What a loaded kit says about itself (our block: key generation and fingerprint) against its own
// key. Fingerprints are salted per registry, so they compare only when this registry wrote them:
// a kit made here names a fingerprint this registry knows. Pure.
import { displayFingerprint } from "../keys/fingerprint.js";

export type KitClaims =
  /** The kit's block names nothing to compare (an HA kit, a bare key). */
  | { state: "none" }
  /** Its block agrees with its key. */
  | { state: "consistent" }
  /** Its block was written by another registry (another salt): its numbers are that registry's. */
  | { state: "other_registry" }
  /** Its block names another generation than its key is, or a number its fingerprint does not have: edited or mixed up. */
  | { state: "mismatch"; claimed: number; actual: number | null };

export function compareKitClaims(
  claims: { generation?: number; fingerprint?: string },
  keyFingerprints: readonly string[],
  generations: readonly { number: number; fingerprint: string }[],
): KitClaims {
  if (claims.fingerprint === undefined) return { state: "none" };
  const shown = (fp: string) => displayFingerprint(fp);
  const keyGen = generations.find((g) => keyFingerprints.includes(g.fingerprint)) ?? null;
  const claimedGen = generations.find((g) => shown(g.fingerprint) === claims.fingerprint) ?? null;
  if (keyFingerprints.some((fp) => shown(fp) === claims.fingerprint)) {
    // The fingerprint is the key's: only the number can be wrong.
    if (claims.generation !== undefined && keyGen !== null && keyGen.number !== claims.generation) return { state: "mismatch", claimed: claims.generation, actual: keyGen.number };
    return { state: "consistent" };
  }
  // A fingerprint this registry knows, but of another key: the block belongs to another kit.
  if (claimedGen !== null) return { state: "mismatch", claimed: claims.generation ?? claimedGen.number, actual: keyGen?.number ?? null };
  return { state: "other_registry" };
}
