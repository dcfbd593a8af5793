// HA's own strings (core `frontend/get_translations`): only integration titles are read here,
// to name backup locations as HA's backup pages do.
import type { HaConnection } from "./connection.js";

/**
 * `domain → title` for every loaded integration, in `language` (HA falls back to English, and to
 * the integration's manifest name where it has no title). Null when HA refuses, lacks the command
 * or the connection drops (the caller asks again later); meanwhile locations are named by their
 * domain, as HA itself does without a title.
 */
export async function fetchIntegrationTitles(conn: HaConnection, language: string): Promise<Record<string, string> | null> {
  try {
    const { resources } = await conn.sendMessagePromise<{ resources: Record<string, unknown> }>({ type: "frontend/get_translations", language, category: "title" });
    const titles: Record<string, string> = {};
    for (const [key, title] of Object.entries(resources ?? {})) {
      const domain = /^component\.([^.]+)\.title$/.exec(key)?.[1];
      if (domain && typeof title === "string" && title) titles[domain] = title;
    }
    return titles;
  } catch {
    return null;
  }
}
