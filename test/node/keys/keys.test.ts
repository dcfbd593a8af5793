import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { test } from "node:test";
import { displayFingerprint, fingerprintKey, newFingerprintSalt } from "../../../src/keys/fingerprint.js";
import { ENCRYPTION_KEY_PATTERN, tidyKeyInput } from "../../../src/keys/format.js";
import { KEY_ALPHABET, generateEncryptionKey } from "../../../src/keys/generate.js";

test("keys have HA's format", () => {
  for (let i = 0; i < 200; i++) assert.match(generateEncryptionKey(), ENCRYPTION_KEY_PATTERN);
});

/** Chi-square statistic of symbol counts against the uniform distribution over 36 symbols. */
function chiSquare(keys: string[]): { chi: number; counts: Map<string, number> } {
  const counts = new Map<string, number>([...KEY_ALPHABET].map((c) => [c, 0]));
  let n = 0;
  for (const k of keys)
    for (const c of k.replace(/-/g, "")) {
      counts.set(c, counts.get(c)! + 1);
      n++;
    }
  const expected = n / 36;
  let chi = 0;
  for (const v of counts.values()) chi += (v - expected) ** 2 / expected;
  return { chi, counts };
}

// 35 degrees of freedom: the 99.99th percentile of chi-square is about 77.
const CHI_LIMIT = 77;

test("every symbol is equally likely (no modulo bias) over 10 000 keys", () => {
  const keys = Array.from({ length: 10_000 }, () => generateEncryptionKey());
  assert.ok(chiSquare(keys).chi < CHI_LIMIT, `chi-square ${chiSquare(keys).chi.toFixed(1)}`);
});

test('each accepted byte maps to its own symbol: 0..35 give the alphabet in order, 251 is still "9"', () => {
  // 251 is the last byte of the seventh full block of 36; 252 would start a partial block.
  let next = 0;
  const counting = (n: number) => Uint8Array.from({ length: n }, () => next++ % 36);
  assert.equal(generateEncryptionKey(counting).replace(/-/g, ""), (KEY_ALPHABET + KEY_ALPHABET).slice(0, 28));
  assert.equal(
    generateEncryptionKey((n) => new Uint8Array(n).fill(251)),
    "9999-9999-9999-9999-9999-9999-9999",
  );
  let calls = 0;
  const from252 = (n: number) => new Uint8Array(n).fill(calls++ === 0 ? 252 : 1);
  assert.equal(generateEncryptionKey(from252), "BBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB", "252 is rejected, not folded onto A");
});

test("bytes from 252 up are rejected, not folded onto A-D", () => {
  // A source that yields only 252..255 first, then 0: only "A"s may come out.
  let calls = 0;
  const source = (n: number) => new Uint8Array(n).fill(calls++ === 0 ? 253 : 0);
  assert.equal(generateEncryptionKey(source), "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA");
  assert.ok(calls >= 2, "the generator asked for more bytes after rejecting");
});

test("typed generated keys are tidied; legacy passwords are kept exactly", () => {
  assert.equal(tidyKeyInput(" abcd efgh ijkl mnop qrst uvwx yz12 "), "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12");
  assert.equal(tidyKeyInput("ABCDEFGHIJKLMNOPQRSTUVWXYZ12"), "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12");
  assert.equal(tidyKeyInput("abcd-efgh-ijkl-mnop-qrst-uvwx-yz12"), "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12");
  for (const legacy of ["my old password", " spaced ", "Test", "pässwörd", "abcd-efgh"]) assert.equal(tidyKeyInput(legacy), legacy);
});

test("fingerprints are salted HMACs, not (iterated) SHA-256", async () => {
  const key = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12";
  const salt = newFingerprintSalt();
  const fp = await fingerprintKey(key, salt);
  assert.equal(fp, createHmac("sha256", salt).update(key).digest("hex"));
  let h = Buffer.from(key);
  const plain = createHash("sha256").update(h).digest("hex");
  for (let i = 0; i < 100; i++) h = createHash("sha256").update(h).digest();
  assert.notEqual(fp, plain);
  assert.notEqual(fp, h.toString("hex"));
  assert.notEqual(await fingerprintKey(key, newFingerprintSalt()), fp, "another salt gives another fingerprint");
  assert.equal(await fingerprintKey(key, salt), fp, "stable under one salt");
  assert.match(displayFingerprint(fp), /^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
});

test("keys are tried exactly as given first; a loosely typed generated key is tidied in addition", async () => {
  const { keyCandidates } = await import("../../../src/keys/format.js");
  assert.deepEqual(keyCandidates("abcdefghijklmnopqrstuvwxyz12"), ["abcdefghijklmnopqrstuvwxyz12", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12"]);
  assert.deepEqual(keyCandidates("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12"), ["ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12"]);
  assert.deepEqual(keyCandidates(" Test "), [" Test "]);
});
