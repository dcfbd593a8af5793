// HA's own strings (core `frontend/get_translations`): only integration titles are read here,
// to name backup locations as HA's backup pages do.
import type { HaConnection } from "./connection.js";

/**
 * `domain → title` for these integrations in `language` (HA falls back to English, and to the
 * integration's manifest name where it has no title). Empty when HA refuses or lacks the command:
 * locations are then named by their domain, as HA itself does without a title.
 */
export async function fetchIntegrationTitles(conn: HaConnection, language: string, domains: readonly string[]): Promise<Record<string, string>> {
  if (domains.length === 0) return {};
  try {
    const { resources } = await conn.sendMessagePromise<{ resources: Record<string, unknown> }>({ type: "frontend/get_translations", language, category: "title", integration: [...domains] });
    const titles: Record<string, string> = {};
    for (const d of domains) {
      const title = resources?.[`component.${d}.title`];
      if (typeof title === "string" && title) titles[d] = title;
    }
    return titles;
  } catch {
    return {};
  }
}
