// A kit whose layout is off by one line must never hand back a line that is not the key: the
// user would "prove" or verify with a label or a URL and be told the key is wrong.
import assert from "node:assert/strict";
import { it } from "node:test";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import { KitParseError, parseEmergencyKit } from "../../../src/kit/parse.js";
import { renderEmergencyKit } from "../../../src/kit/render.js";

const KEY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12";
const kit = renderEmergencyKit({ key: KEY, instanceName: "Home", url: "http://ha.local:8123", date: new Date("2026-01-01T00:00:00Z"), language: "en", localize: localizeEnglish });

it("the kit as written reads back its key", () => {
  assert.equal(parseEmergencyKit(kit).key, KEY);
});

it("without the blank line before the help link, the key is read correctly or not at all", () => {
  const squeezed = kit.replace(`${KEY}\n\nFor more information`, `${KEY}\nFor more information`);
  assert.notEqual(squeezed, kit);
  let key: string | null = null;
  try {
    key = parseEmergencyKit(squeezed).key;
  } catch (e) {
    assert.ok(e instanceof KitParseError, String(e));
    assert.equal(e.code, "no_key");
  }
  assert.ok(key === null || key === KEY, "never a label or another line taken for the key");
});
