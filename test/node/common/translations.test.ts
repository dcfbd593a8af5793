// Every language must have exactly English's keys, with the same placeholders, so no user ever
// sees a raw key or a missing value.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { LANGUAGES, flatten, formatMessage, type Messages } from "../../../src/common/localize.js";

const load = (lang: string) => flatten(JSON.parse(readFileSync(new URL(`../../../translations/${lang}.json`, import.meta.url), "utf8")) as Messages);
const placeholders = (s: string) =>
  [...s.matchAll(/\{\s*(\w+)\s*(?:,|\})/g)]
    .map((m) => m[1])
    .filter((v, i, a) => a.indexOf(v) === i)
    .sort();

const en = load("en");

test("English has strings", () => {
  assert.ok(Object.keys(en).length > 0);
});

for (const lang of LANGUAGES.filter((l) => l !== "en")) {
  test(`${lang}: same keys as English, same placeholders, no empty values`, () => {
    const other = load(lang);
    const missing = Object.keys(en).filter((k) => !(k in other));
    const unknown = Object.keys(other).filter((k) => !(k in en));
    assert.deepEqual(missing, [], `${lang} lacks keys`);
    assert.deepEqual(unknown, [], `${lang} has keys English does not`);
    for (const [key, value] of Object.entries(other)) {
      assert.ok(value.trim().length > 0, `${lang}:${key} is empty`);
      assert.deepEqual(placeholders(value), placeholders(en[key]!), `${lang}:${key} placeholders differ`);
      // Formatting must not throw and must not leave plural syntax behind.
      const out = formatMessage(value, { count: 2, n: 2 }, lang);
      assert.ok(!/plural,/.test(out), `${lang}:${key} plural did not resolve`);
    }
  });
}
