// Our own strings (HA's `hass.localize` only knows HA's keys). Messages are flat-keyed by dotted
// path and use `{name}` placeholders plus ICU-style plurals: `{count, plural, one {# backup} other {# backups}}`.
// Every language, English included, is its own lazy chunk: the module HA loads on every dashboard
// carries no strings. Code that needs English synchronously (CLI, Node tests, kit defaults) imports
// `localize-english.ts` instead.

import type english from "../../translations/en.json";

export type Messages = { [key: string]: string | Messages };

/** Every dotted path to a string in `translations/en.json`: a key with no English string does not compile. */
type Leaves<T, P extends string = ""> = { [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`> }[keyof T & string];
export type TranslationKey = Leaves<typeof english>;
/** Every dotted path to a group of strings ("errors.registry"). */
type Groups<T, P extends string = ""> = { [K in keyof T & string]: T[K] extends string ? never : `${P}${K}` | Groups<T[K], `${P}${K}.`> }[keyof T & string];
export type TranslationGroup = Groups<typeof english>;

/**
 * A key made at run time (an error code, HA's name for a backup stage, a journal entry's type)
 * inside a group that exists. Only the group is checked when compiling; a missing string shows its
 * key (or the caller's fallback) at run time, and the translation tests cover every code we know.
 */
export const keyIn = (group: TranslationGroup, name: string): TranslationKey => `${group}.${name}` as TranslationKey;

export type LocalizeFunc = (key: TranslationKey, params?: Record<string, string | number>) => string;

export const LANGUAGES = ["en", "de", "fr", "nl", "es", "it", "pl", "sv", "pt-BR", "da"] as const;
export type Language = (typeof LANGUAGES)[number];

const loaders: Record<Language, () => Promise<{ default: Messages }>> = {
  en: () => import("../../translations/en.json"),
  de: () => import("../../translations/de.json"),
  fr: () => import("../../translations/fr.json"),
  nl: () => import("../../translations/nl.json"),
  es: () => import("../../translations/es.json"),
  it: () => import("../../translations/it.json"),
  pl: () => import("../../translations/pl.json"),
  sv: () => import("../../translations/sv.json"),
  "pt-BR": () => import("../../translations/pt-BR.json"),
  da: () => import("../../translations/da.json"),
};

/** Picks the best supported language for a BCP-47 tag (`de-AT` → `de`, `pt` → `pt-BR`). */
export function resolveLanguage(tag: string | undefined | null): Language {
  if (!tag) return "en";
  const exact = LANGUAGES.find((l) => l.toLowerCase() === tag.toLowerCase());
  if (exact) return exact;
  const base = tag.split(/[-_]/)[0]!.toLowerCase();
  return LANGUAGES.find((l) => l.split("-")[0]!.toLowerCase() === base) ?? "en";
}

export function flatten(messages: Messages, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(messages)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out[key] = v;
    else flatten(v, key, out);
  }
  return out;
}

const cache = new Map<Language, Promise<Record<string, string>>>();

export function loadMessages(language: Language): Promise<Record<string, string>> {
  let flat = cache.get(language);
  if (!flat) {
    flat = loaders[language]().then((mod) => flatten(mod.default));
    // A failed chunk load (offline, HA restarted with a new build) may be retried later.
    flat.catch(() => cache.delete(language));
    cache.set(language, flat);
  }
  return flat;
}

/** Finds the end of a `{…}` group starting at `start` (which holds `{`). */
function matchBrace(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

export function formatMessage(template: string, params: Record<string, string | number> | undefined, language: string): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, open);
    const close = matchBrace(template, open);
    if (close < 0) {
      out += template.slice(open);
      break;
    }
    const body = template.slice(open + 1, close);
    const plural = /^\s*(\w+)\s*,\s*plural\s*,(.*)$/s.exec(body);
    if (plural) {
      const value = Number(params?.[plural[1]!] ?? 0);
      const cases = new Map<string, string>();
      const rest = plural[2]!;
      let j = 0;
      while (j < rest.length) {
        const sel = /\s*(=\d+|\w+)\s*\{/y;
        sel.lastIndex = j;
        const m = sel.exec(rest);
        if (!m) break;
        const braceAt = sel.lastIndex - 1;
        const end = matchBrace(rest, braceAt);
        if (end < 0) break;
        cases.set(m[1]!, rest.slice(braceAt + 1, end));
        j = end + 1;
      }
      const category = new Intl.PluralRules(language).select(value);
      const chosen = cases.get(`=${value}`) ?? cases.get(category) ?? cases.get("other") ?? "";
      out += formatMessage(chosen.replace(/#/g, new Intl.NumberFormat(language).format(value)), params, language);
    } else {
      const name = body.trim();
      out += params && name in params ? String(params[name]) : `{${name}}`;
    }
    i = close + 1;
  }
  return out;
}

/** `fallback` (English) is used for keys a translation does not have yet. */
export function createLocalize(messages: Record<string, string>, language: string, fallback: Record<string, string> = {}): LocalizeFunc {
  return (key, params) => {
    const template = messages[key] ?? fallback[key];
    // A missing key shows itself, so a test (and a user) can spot it instead of a blank.
    return template === undefined ? key : formatMessage(template, params, language);
  };
}

export async function localizeFor(languageTag: string | undefined | null): Promise<LocalizeFunc> {
  const language = resolveLanguage(languageTag);
  const [messages, english] = await Promise.all([loadMessages(language), loadMessages("en")]);
  return createLocalize(messages, language, english);
}

/** Before a language's strings have arrived: renders nothing rather than raw keys (as HA's own `localize`). */
export const localizePending: LocalizeFunc = () => "";
