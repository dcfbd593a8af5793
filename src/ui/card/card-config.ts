// The dashboard card's configuration. Our own options are checked strictly, one clear message per
// problem; the options HA itself adds to every card (layout and visibility) are accepted, and any
// other key — a future HA option, another plugin's — is kept and noted in the console, never thrown
// on: a card that stops rendering after an HA update would be worse than an ignored typo.
export const CARD_TYPE = "backup-keyring-card";
export const DEFAULT_PANEL_PATH = "/backup-keyring";

export interface CardConfig {
  type: string;
  title?: string;
  show_kit_button?: boolean;
  show_panel_button?: boolean;
  /** Where the sidebar panel lives (the integration registers /backup-keyring). */
  panel_path?: string;
  /** Set by HA's sections view when the card is resized (`columns`, `rows`). */
  grid_options?: Record<string, unknown>;
  /** The same, as HA 2024.x wrote it. */
  layout_options?: Record<string, unknown>;
  /** Set by HA's visibility editor: a list of conditions. */
  visibility?: unknown[];
  /** Set by HA's panel/masonry views and layout-card (`position`, `grid_area`, …). */
  view_layout?: Record<string, unknown>;
}

/** HA's `LovelaceGridOptions`: width in 12ths of a section, height in rows of 56 px, or "auto". */
export interface GridOptions {
  columns?: number | "full";
  rows?: number | "auto";
  min_columns?: number;
  max_columns?: number;
  min_rows?: number;
  max_rows?: number;
}

type Kind = "string" | "boolean" | "mapping" | "list";

const OWN: Record<string, Kind> = {
  type: "string",
  title: "string",
  show_kit_button: "boolean",
  show_panel_button: "boolean",
  panel_path: "string",
};

const FROM_HA: Record<string, Kind> = {
  grid_options: "mapping",
  layout_options: "mapping",
  visibility: "list",
  view_layout: "mapping",
};

export type CardProblemCode = "not_mapping" | "type" | "wrong_kind" | "panel_path";

export interface CardProblem {
  /** The option at fault ("" for the whole config). */
  option: string;
  code: CardProblemCode;
  want?: Kind;
}

export interface CardConfigCheck {
  config: CardConfig;
  problems: CardProblem[];
  /** Keys neither we nor HA define: kept, not used. */
  unknown: string[];
}

const kindOf = (v: unknown): Kind | "other" => (typeof v === "string" ? "string" : typeof v === "boolean" ? "boolean" : Array.isArray(v) ? "list" : v && typeof v === "object" ? "mapping" : "other");

export function isValidPanelPath(path: string): boolean {
  return /^\/[A-Za-z0-9_\-/]*$/.test(path);
}

/** Checks without throwing: the editor shows the problems next to its fields. */
export function checkCardConfig(raw: unknown): CardConfigCheck {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return { config: stubConfig(), problems: [{ option: "", code: "not_mapping" }], unknown: [] };
  const config = { ...(raw as Record<string, unknown>) };
  const problems: CardProblem[] = [];
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const want = OWN[key] ?? FROM_HA[key];
    if (!want) unknown.push(key);
    else if (kindOf(value) !== want) problems.push({ option: key, code: "wrong_kind", want });
  }
  if (config.type !== `custom:${CARD_TYPE}`) problems.push({ option: "type", code: "type" });
  if (typeof config.panel_path === "string" && !isValidPanelPath(config.panel_path)) problems.push({ option: "panel_path", code: "panel_path" });
  return { config: config as unknown as CardConfig, problems, unknown };
}

/** The English sentence HA shows in the card's error box (config errors are not translated by HA either). */
export function cardProblemMessage(p: CardProblem): string {
  switch (p.code) {
    case "not_mapping":
      return "Backup Keyring card: the configuration must be a mapping.";
    case "type":
      return `Backup Keyring card: "type" must be "custom:${CARD_TYPE}".`;
    case "panel_path":
      return 'Backup Keyring card: "panel_path" must be a path such as "/backup-keyring".';
    case "wrong_kind":
      return `Backup Keyring card: "${p.option}" must be a ${p.want}.`;
  }
}

const noted = new Set<string>();

/** For `setConfig`: throws on a problem with our options (HA shows the message); notes unknown keys once. */
export function validateCardConfig(raw: unknown): CardConfig {
  const { config, problems, unknown } = checkCardConfig(raw);
  if (problems.length > 0) throw new Error(cardProblemMessage(problems[0]!));
  for (const key of unknown) {
    if (noted.has(key)) continue;
    noted.add(key);
    console.info(`Backup Keyring card: ignoring the option "${key}" (not one of ${Object.keys(OWN).join(", ")}, nor one HA adds).`);
  }
  return config;
}

export function stubConfig(): CardConfig {
  return { type: `custom:${CARD_TYPE}` };
}
