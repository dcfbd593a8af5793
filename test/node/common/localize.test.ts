import assert from "node:assert/strict";
import { test } from "node:test";
import { createLocalize, formatMessage, localizeFor, resolveLanguage, type TranslationKey } from "../../../src/common/localize.js";
import { englishMessages } from "../../../src/common/localize-english.js";

test("placeholders are filled and unknown ones stay visible", () => {
  assert.equal(formatMessage("Instance {name} at {url}", { name: "Home", url: "http://x" }, "en"), "Instance Home at http://x");
  assert.equal(formatMessage("Hello {who}", {}, "en"), "Hello {who}");
});

test("plural forms follow the language's rules", () => {
  const t = "{count, plural, =0 {no backups} one {# backup} other {# backups}}";
  assert.equal(formatMessage(t, { count: 0 }, "en"), "no backups");
  assert.equal(formatMessage(t, { count: 1 }, "en"), "1 backup");
  assert.equal(formatMessage(t, { count: 1234 }, "en"), "1,234 backups");
  // Polish has a "few" category: 2–4 take it, 5 takes "many".
  const pl = "{count, plural, one {# kopia} few {# kopie} many {# kopii} other {# kopii}}";
  assert.equal(formatMessage(pl, { count: 3 }, "pl"), "3 kopie");
  assert.equal(formatMessage(pl, { count: 5 }, "pl"), "5 kopii");
});

test("nested placeholders inside plural branches", () => {
  assert.equal(formatMessage("{count, plural, one {# backup needs generation {gen}} other {# backups need generation {gen}}}", { count: 3, gen: 1 }, "en"), "3 backups need generation 1");
});

test("languages resolve to the closest supported one, falling back to English", () => {
  assert.equal(resolveLanguage("de-AT"), "de");
  assert.equal(resolveLanguage("pt"), "pt-BR");
  assert.equal(resolveLanguage("pt_BR"), "pt-BR");
  assert.equal(resolveLanguage("ja"), "en");
  assert.equal(resolveLanguage(undefined), "en");
});

test("a missing key falls back to English, then shows the key itself", () => {
  const localize = createLocalize({}, "de", englishMessages);
  assert.equal(localize("common.cancel"), englishMessages["common.cancel"]);
  // (A key not in en.json does not compile; one made at run time may still miss.)
  assert.equal(localize("no.such.key" as TranslationKey), "no.such.key");
});

test("localizeFor loads English as a chunk too and uses it for keys a language lacks", async () => {
  const de = await localizeFor("de-AT");
  assert.notEqual(de("common.cancel"), "");
  assert.notEqual(de("common.cancel"), "common.cancel");
  const en = await localizeFor("en");
  assert.equal(en("common.cancel"), englishMessages["common.cancel"]);
});
