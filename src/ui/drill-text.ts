// How the kit drill's dates and states read (pure, no DOM): shared by the panel and the card.
import type { DrillStatus } from "../flows/drill.js";
import { formatDateTime } from "../common/datetime.js";
import type { TranslationKey } from "../common/localize.js";

/** A day (YYYY-MM-DD, a day in the instance's time zone) in the user's language, without a time. */
export function formatDrillDay(day: string, language: string): string {
  const [y, m, d] = day.split("-").map(Number);
  if (!y || !m || !d) return day;
  // The day is already the instance's calendar day: format it as that date in UTC so no zone shifts it.
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** The status sentence for a generation's drill, as a translation key with parameters. */
export function drillStatusLine(s: DrillStatus, language: string, timeZone?: string): { key: TranslationKey; params?: Record<string, string | number> } {
  switch (s.state) {
    case "off":
      return { key: "drill.status.off" };
    case "never":
      return { key: "drill.status.never" };
    case "due":
      return { key: "drill.status.due", params: { months: s.monthsSince ?? 0 } };
    case "ok":
      return { key: "drill.status.ok", params: { date: formatDateTime(s.provenAt!, language, timeZone), due: formatDrillDay(s.dueDay!, language) } };
  }
}
