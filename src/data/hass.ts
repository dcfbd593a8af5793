// The part of HA's `hass` object the panel and the card read (both get it from HA's frontend).
import type { HaConnection } from "./connection.js";

/** The part of HA's `hass` object the panel and the card read. */
export interface HassLike {
  connection: HaConnection;
  language?: string;
  /** HA's FrontendLocaleData: `time_zone` "local" | "server", `time_format` "language" | "system" | "12" | "24". */
  locale?: { language?: string; time_zone?: string; time_format?: string; number_format?: string };
  config?: { time_zone?: string; location_name?: string };
  user?: { is_admin: boolean };
  auth?: { data?: { hassUrl?: string } };
  themes?: { darkMode?: boolean };
  /** HA's own strings (`ui.…`, and `component.<domain>.title` once HA loaded them); "" for an unknown key. */
  localize?: (key: string) => string;
}
