// The dashboard card's configuration: strict validation with one clear message per problem, so a
// typo in YAML shows up in the card's error box instead of being ignored.
export const CARD_TYPE = "backup-keyring-card";
export const DEFAULT_PANEL_PATH = "/backup-keyring";

export interface CardConfig {
  type: string;
  title?: string;
  show_kit_button?: boolean;
  show_panel_button?: boolean;
  /** Where the sidebar panel lives (the integration registers /backup-keyring). */
  panel_path?: string;
}

const KEYS: Record<keyof CardConfig, "string" | "boolean"> = {
  type: "string",
  title: "string",
  show_kit_button: "boolean",
  show_panel_button: "boolean",
  panel_path: "string",
};

/** Throws an Error whose message HA shows in the card's error box (no key can be in a config). */
export function validateCardConfig(raw: unknown): CardConfig {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error("Backup Keyring card: the configuration must be a mapping.");
  const config = raw as Record<string, unknown>;
  for (const [key, value] of Object.entries(config)) {
    const want = KEYS[key as keyof CardConfig];
    if (!want) throw new Error(`Backup Keyring card: unknown option "${key}". Allowed: ${Object.keys(KEYS).join(", ")}.`);
    if (typeof value !== want) throw new Error(`Backup Keyring card: "${key}" must be a ${want}.`);
  }
  if (config.type !== `custom:${CARD_TYPE}`) throw new Error(`Backup Keyring card: "type" must be "custom:${CARD_TYPE}".`);
  if (typeof config.panel_path === "string" && !/^\/[A-Za-z0-9_\-/]*$/.test(config.panel_path)) {
    throw new Error('Backup Keyring card: "panel_path" must be a path such as "/backup-keyring".');
  }
  return { ...(config as unknown as CardConfig) };
}

export function stubConfig(): CardConfig {
  return { type: `custom:${CARD_TYPE}` };
}
