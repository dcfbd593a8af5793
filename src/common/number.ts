// Numbers as HA shows them to this user: HA's profile setting `locale.number_format` picks the
// decimal separator independently of the UI language (HA's `numberFormatToLocale`).

/** Returns the language tag to format numbers with (undefined = the browser's own). */
export function numberLanguage(language: string, locale?: { number_format?: string }): string | undefined {
  switch (locale?.number_format) {
    case "comma_decimal":
      return "en-US"; // 1,234.5
    case "decimal_comma":
      return "de"; // 1.234,5
    case "space_comma":
      return "fr"; // 1 234,5
    case "system":
      return undefined;
    default:
      return language; // "language", "none" (our sizes never need grouping) or unset
  }
}
