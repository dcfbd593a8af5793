// A loaded kit's own block (generation, fingerprint) against its key.
import assert from "node:assert/strict";
import { it } from "node:test";
import { compareKitClaims } from "../../../src/flows/kit-claims.js";
import { displayFingerprint } from "../../../src/keys/fingerprint.js";

const fpA = "a1".repeat(32);
const fpB = "b2".repeat(32);
const gens = [
  { number: 1, fingerprint: fpA },
  { number: 2, fingerprint: fpB },
];

it("a block that agrees with its key", () => {
  assert.deepEqual(compareKitClaims({ generation: 1, fingerprint: displayFingerprint(fpA) }, [fpA], gens), { state: "consistent" });
});

it("a block of another kit (a fingerprint this registry knows, not the key's): edited or mixed up", () => {
  assert.deepEqual(compareKitClaims({ generation: 2, fingerprint: displayFingerprint(fpB) }, [fpA], gens), { state: "mismatch", claimed: 2, actual: 1 });
  assert.deepEqual(compareKitClaims({ generation: 2, fingerprint: displayFingerprint(fpB) }, ["c3".repeat(32)], gens), { state: "mismatch", claimed: 2, actual: null });
});

it("the right fingerprint with another generation number: edited", () => {
  assert.deepEqual(compareKitClaims({ generation: 5, fingerprint: displayFingerprint(fpA) }, [fpA], gens), { state: "mismatch", claimed: 5, actual: 1 });
});

it("a fingerprint under another registry's salt cannot be compared; a kit without our block says nothing", () => {
  assert.deepEqual(compareKitClaims({ generation: 3, fingerprint: "0000-1111-2222" }, [fpA], gens), { state: "other_registry" });
  assert.deepEqual(compareKitClaims({}, [fpA], gens), { state: "none" });
});
