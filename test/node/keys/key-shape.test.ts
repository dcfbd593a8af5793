// Where "looks like a generated key" ends: text around a key, or a 28-character password that is
// not in groups of four, is a legacy password and is used exactly as typed.
import assert from "node:assert/strict";
import { it } from "node:test";
import { looksLikeGeneratedKey, tidyKeyInput } from "../../../src/keys/format.js";

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
