// Where "looks like a generated key" ends: text around a key, or a 28-character password that is
// not in groups of four, is a legacy password and is used exactly as typed.
import assert from "node:assert/strict";
import { it } from "node:test";
import { formatTypedGeneratedKey, keyCandidates, looksLikeGeneratedKey, tidyKeyInput } from "../../../src/keys/format.js";

const KEY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12";

it("a generated key is recognised only as the whole text", () => {
  assert.equal(looksLikeGeneratedKey(KEY), true);
  for (const around of [`x${KEY}`, `${KEY}x`, `${KEY}-ABCD`, `ABCD-${KEY}`]) assert.equal(looksLikeGeneratedKey(around), false, around);
});

it("text with more than the key in it is not tidied", () => {
  for (const legacy of [`my ${KEY.toLowerCase()}`, `${KEY.toLowerCase()} !`, "abcdefghijklmn-opqrstuvwxyz12", "abcdefghijklmnopqrstuvwxyz1"]) {
    assert.equal(tidyKeyInput(legacy), legacy, legacy);
  }
});

it("a dash before or after the seven groups makes a legacy password, tried only as typed", () => {
  for (const legacy of [`-${KEY}`, `${KEY}-`, `-${KEY.toLowerCase()}`, `${KEY.replaceAll("-", "")}-`]) {
    assert.equal(tidyKeyInput(legacy), legacy, legacy);
    assert.deepEqual(keyCandidates(legacy), [legacy], legacy);
  }
});

it("a key typed for a kit may use several spaces between groups; a dash at either end is not a key", () => {
  assert.equal(formatTypedGeneratedKey(KEY.toLowerCase().replaceAll("-", "   ")), KEY);
  assert.equal(formatTypedGeneratedKey(`  ${KEY.replaceAll("-", "  ")} `), KEY);
  for (const other of [`-${KEY}`, `${KEY}-`, `x ${KEY}`, `${KEY} x`]) assert.equal(formatTypedGeneratedKey(other), null, other);
});
