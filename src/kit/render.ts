// The emergency kit text: HA's block exactly as HA's frontend writes it (same lines, same order,
// LF, no trailing newline), then our block naming the key generation and the backups it opens.
import type { LocalizeFunc } from "../common/localize.js";
import { localizeEnglish } from "../common/localize-english.js";
import { calendarDay } from "../common/datetime.js";
import { displayFingerprint } from "../keys/fingerprint.js";
import { haKitStrings } from "./ha-kit-strings.js";

export interface KitBackup {
  backup_id: string;
  date: string;
  name: string;
  locations: string[];
  /** Proven by a check at every listed location (else: made while the key was seen in use). */
  checked?: boolean;
}

export interface KitFacts {
  key: string;
  instanceName: string;
  /** The URL the frontend connected to (HA uses `hass.auth.data.hassUrl`). */
  url: string;
  date: Date;
  language: string;
  timeZone?: string;
  /** The user's time format: true = 12-hour, false = 24-hour, omitted = the language's custom (HA's default). */
  hour12?: boolean;
  haVersion?: string;
  /** `fingerprint`: the registry's hex HMAC (shown in its short form) or an already short form. */
  generation?: { number: number; fingerprint: string; startedAt: string };
  /**
   * The backups this key is proven (`checked`) or observed to open when the kit is made, listed as
   * `- ` lines under a heading each that says which; omitted = not known.
   */
  backups?: KitBackup[];
  /** Backups this key only probably opens (guessed by date, not checked), listed as `? ` lines. */
  guessed?: KitBackup[];
  localize?: LocalizeFunc;
}

export const KIT_BLOCK_MARKER = "== Backup Keyring ==";
export const KIT_DOC_PATH = "/more-info/backup-emergency-kit";

/** HA's `documentationUrl`: rc.* for betas, next.* for dev builds, www.* otherwise. */
export function kitDocumentationUrl(haVersion?: string): string {
  const host = haVersion?.includes("b") ? "rc" : haVersion?.includes("dev") ? "next" : "www";
  return `https://${host}.home-assistant.io${KIT_DOC_PATH}`;
}

/** HA's `useAmPm` for the "language" time format: does the language write 22:00 as "10 …"? */
export function languageUsesAmPm(language: string): boolean {
  return new Date("2023-01-01T22:00:00").toLocaleString(language).includes("10");
}

/** HA's `formatDateTime`: long month, numeric day and year; numeric hour (12 h) or 2-digit hour (24 h). */
export function formatKitDate(date: Date, language: string, timeZone?: string, hour12?: boolean): string {
  const amPm = hour12 ?? languageUsesAmPm(language);
  return new Intl.DateTimeFormat(language, {
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: amPm ? "numeric" : "2-digit",
    minute: "2-digit",
    hourCycle: amPm ? "h12" : "h23",
    timeZone,
  }).format(date);
}

function shortDate(iso: string, timeZone?: string): string {
  // ISO-like YYYY-MM-DD in the user's zone (HA's setting): unambiguous in every language, and the
  // same day as the file name and the panel.
  return calendarDay(new Date(iso), timeZone) || iso;
}

/**
 * One field of a kit line: no line breaks, control characters or `|` (a backup name or location
 * from HA must not be able to end its line and start a fake `- ` one), runs of spaces collapsed.
 */
export function kitField(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029|]/g, " ")
      .replace(/\s+/g, " ")
      .trim()
  );
}

/** A backup id: one word (HA's are 8 hex digits; anything else has its spaces and breaks replaced). */
const kitId = (id: string) => kitField(id).replace(/\s/g, "_") || "_";

/** A location name inside the comma-separated list. */
const kitLocation = (name: string) => kitField(name.replace(/,/g, " "));

/** HA's own lines hold the instance name and URL as they are, but a line break in one would move every line below it. */
const oneLine = (value: string) => value.replace(/[\r\n]+/g, " ");

/** Facts first (proven by a check, then made while the key was in use), so a reader sees what is surest first. */
export function kitBackupGroups(backups: KitBackup[]): { checked: KitBackup[]; observed: KitBackup[] } {
  return { checked: backups.filter((b) => b.checked === true), observed: backups.filter((b) => b.checked !== true) };
}

export function renderEmergencyKit(facts: KitFacts): string {
  const t = facts.localize ?? localizeEnglish;
  const h = haKitStrings(facts.language);
  const ha = [
    h.title,
    "",
    h.description,
    "",
    `${h.date} ${formatKitDate(facts.date, facts.language, facts.timeZone, facts.hour12)}`,
    "",
    h.instance,
    oneLine(facts.instanceName),
    "",
    h.url,
    oneLine(facts.url),
    "",
    h.encryption_key,
    facts.key,
    "",
    h.more_info.replace("{link}", kitDocumentationUrl(facts.haVersion)),
  ];
  // The fixed marker lets the parser find our block in any language; the next line says what it is.
  const ours = ["", KIT_BLOCK_MARKER, t("kit.block_heading")];
  if (facts.generation) {
    ours.push(`${t("kit.generation")}: ${facts.generation.number}`);
    const fp = facts.generation.fingerprint;
    ours.push(`${t("kit.fingerprint")}: ${/^[0-9a-f]{64}$/.test(fp) ? displayFingerprint(fp) : fp}`);
    ours.push(`${t("kit.generation_started")}: ${shortDate(facts.generation.startedAt, facts.timeZone)}`);
  }
  // `- ` lines state facts only, under a heading that says which kind; a guess gets its own
  // heading and `? ` lines, so no reader (or parser) can take it for a fact. Every field is
  // cleaned: nothing HA reports can start a line of its own.
  const line = (mark: string, b: KitBackup) => `${mark} ${kitId(b.backup_id)} | ${kitField(shortDate(b.date, facts.timeZone))} | ${kitField(b.name)} | ${b.locations.map(kitLocation).join(", ")}`;
  const guessed = facts.guessed ?? [];
  if (facts.backups === undefined) {
    ours.push(t("kit.backups_unknown"));
  } else if (facts.backups.length === 0) {
    ours.push(t("kit.backups_none"));
  } else {
    const { checked, observed } = kitBackupGroups(facts.backups);
    if (checked.length > 0) {
      ours.push(`${t("kit.backups_heading", { count: checked.length })}:`);
      for (const b of checked) ours.push(line("-", b));
    }
    if (observed.length > 0) {
      ours.push(`${t("kit.backups_observed_heading", { count: observed.length })}:`);
      for (const b of observed) ours.push(line("-", b));
    }
  }
  if (guessed.length > 0) {
    ours.push(`${t("kit.backups_guessed_heading", { count: guessed.length })}:`);
    for (const b of guessed) ours.push(line("?", b));
  }
  return [...ha, ...ours].join("\n");
}

/**
 * A file name every OS accepts: no `/ \ : * ? " < > |`, spaces or control characters, bounded
 * length; the fixed prefix rules out reserved Windows device names such as CON.
 */
export function emergencyKitFileName(opts: { instanceName: string; date: Date; generation?: number; timeZone: string | undefined }): string {
  let slug = opts.instanceName
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 40)
    .replace(/_+$/, "");
  if (!slug) slug = "home";
  // The day in the zone the kit's dates are written in (required, so no caller forgets it and
  // names the file after another day than the kit and the panel show).
  const day = calendarDay(opts.date, opts.timeZone);
  const gen = opts.generation !== undefined ? `_gen${opts.generation}` : "";
  return `home_assistant_backup_emergency_kit_${slug}_${day}${gen}.txt`;
}
