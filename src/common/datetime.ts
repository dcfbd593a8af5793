// Dates as Home Assistant shows them to this user. HA's profile setting `locale.time_zone` picks
// the browser's zone ("local") or HA's own ("server"); `locale.time_format` picks 12 or 24 hours.
// Every date on screen and in a kit goes through here with the same zone, so a backup is listed
// under the same day in the table, the key-change dialog and the emergency kit.

/** The part of HA's `hass.locale` (FrontendLocaleData) we follow. */
export interface HaLocale {
  language?: string;
  time_zone?: string;
  time_format?: string;
}

/** The browser's zone, as HA's LOCAL_TIME_ZONE. */
export function localTimeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * HA's `resolveTimeZone`: "server" → HA's configured zone; anything else ("local", HA's default for
 * a new profile, or no profile at all, as on the standalone page) → the browser's zone, or HA's
 * zone when the browser cannot name its own.
 */
export function resolveTimeZone(option: string | undefined, serverTimeZone: string | undefined): string | undefined {
  if (option === "server" && serverTimeZone) return serverTimeZone;
  return localTimeZone() ?? serverTimeZone;
}

// One formatter per zone: a kit lists a day for each of its backups (thousands, at scale).
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? "";
  let f = dayFormats.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions = { year: "numeric", month: "2-digit", day: "2-digit", timeZone };
    try {
      f = new Intl.DateTimeFormat("en-CA", opts);
    } catch {
      f = new Intl.DateTimeFormat("en-CA", { ...opts, timeZone: "UTC" });
    }
    dayFormats.set(key, f);
  }
  return f;
}

/**
 * The calendar day (YYYY-MM-DD) of a moment in a time zone: what a date is listed under in a
 * table, a kit and a file name. No zone: the browser's (as `formatDateTime`); an unknown zone name:
 * UTC rather than failing.
 */
export function calendarDay(date: Date, timeZone: string | undefined): string {
  if (Number.isNaN(date.getTime())) return "";
  const f = dayFormat(timeZone);
  const parts = Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** HA's `useAmPm`: "12"/"24" are explicit, "system" follows the browser; undefined = the language's custom. */
export function hour12For(locale: HaLocale | undefined): boolean | undefined {
  if (locale?.time_format === "12") return true;
  if (locale?.time_format === "24") return false;
  if (locale?.time_format === "system") return new Date("2023-01-01T22:00:00").toLocaleString().includes("10");
  return undefined;
}

/**
 * A language tag for Intl date formatting that carries the 12/24-hour choice (`-u-hc-h12|h23`),
 * so views that only take a `language` still follow HA's time format.
 */
export function dateLanguage(language: string, locale: HaLocale | undefined): string {
  const h12 = hour12For(locale);
  if (h12 === undefined) return language;
  try {
    return new Intl.Locale(language, { hourCycle: h12 ? "h12" : "h23" }).toString();
  } catch {
    return language;
  }
}

export function formatDateTime(iso: string, language: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short", timeZone }).format(d);
  } catch {
    // An unknown zone name (an old browser, a typo in HA's config): the browser's zone rather than nothing.
    return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(d);
  }
}
