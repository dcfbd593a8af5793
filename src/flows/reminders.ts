// Reminders in Home Assistant's own notification area (persistent_notification through
// call_service): one when the current key's kit is not proven saved, one when the kit drill is due
// ("kit not proven for N months", with a link to the drill), one when the newest backup has not
// been verified for N days. Each is dismissed as soon as its reason is gone.
import { callService } from "../data/auth.js";
import { DEFAULT_DRILL_MONTHS, drillStatus, validDrillMonths } from "./drill-schedule.js";
import { isConnectionLost, type HaConnection } from "../data/connection.js";
import type { LocalizeFunc } from "../common/localize.js";
import type { CopyRecord, GenerationRecord } from "../registry/model.js";

export interface ReminderSettings {
  enabled: boolean;
  /** Remind when the newest backup was not verified within this many days. */
  maxDaysUnverified: number;
  /** Months between kit drills (one of DRILL_INTERVALS); 0 = no drills. */
  drillMonths: number;
}

export const DEFAULT_REMINDER_SETTINGS: ReminderSettings = { enabled: true, maxDaysUnverified: 7, drillMonths: DEFAULT_DRILL_MONTHS };
/** Where the panel's drill opens (the integration registers the panel at /backup-keyring). */
export const DEFAULT_DRILL_LINK = "/backup-keyring/drill";
export const REMINDER_SETTINGS_KEY = "reminders";

/** Our notification ids in HA (each reminder has one, so a new one replaces the old). */
const REMINDER_IDS = ["backup_keyring_kit_not_proven", "backup_keyring_kit_drill", "backup_keyring_backup_unverified"] as const;
export type ReminderId = (typeof REMINDER_IDS)[number];

export interface Reminder {
  id: ReminderId;
  title: string;
  message: string;
}

const DAY = 86_400_000;

export interface ReminderFacts {
  active: GenerationRecord | null;
  copies: CopyRecord[];
  now: Date;
  /** The instance's time zone: drill due dates are calendar days there (UTC when not given). */
  timeZone?: string;
  /** The drill's address in HA (markdown link in the notification); DEFAULT_DRILL_LINK when not given. */
  drillLink?: string;
}

/** Pure: which reminders should be showing for these facts. */
export function wantedReminders(facts: ReminderFacts, settings: ReminderSettings, t: LocalizeFunc): Reminder[] {
  if (!settings.enabled) return [];
  const out: Reminder[] = [];
  if (facts.active && !facts.active.kitProvenAt) {
    out.push({
      id: "backup_keyring_kit_not_proven",
      title: t("reminders.kit.title"),
      message: t("reminders.kit.message", { generation: facts.active.number }),
    });
  }
  const drill = facts.active ? drillStatus(facts.active, validDrillMonths(settings.drillMonths ?? DEFAULT_DRILL_MONTHS), facts.now, facts.timeZone) : null;
  if (facts.active && drill?.state === "due") {
    out.push({
      id: "backup_keyring_kit_drill",
      title: t("reminders.drill.title"),
      message: t("reminders.drill.message", { generation: facts.active.number, months: drill.monthsSince ?? 0, link: facts.drillLink ?? DEFAULT_DRILL_LINK }),
    });
  }
  const encrypted = facts.copies.filter((c) => c.protected && !c.deleted);
  const newest = encrypted.reduce<CopyRecord | null>((a, c) => (!a || c.date > a.date ? c : a), null);
  if (newest) {
    const lastOk = encrypted.filter((c) => c.backupId === newest.backupId && c.lastCheck?.result === "ok").map((c) => new Date(c.lastCheck!.at).getTime());
    const verifiedAt = lastOk.length ? Math.max(...lastOk) : null;
    const ageDays = (facts.now.getTime() - new Date(newest.date).getTime()) / DAY;
    if (verifiedAt === null && ageDays >= settings.maxDaysUnverified) {
      out.push({
        id: "backup_keyring_backup_unverified",
        title: t("reminders.unverified.title"),
        message: t("reminders.unverified.message", { days: settings.maxDaysUnverified, name: newest.name }),
      });
    }
  }
  return out;
}

/**
 * Which of our reminders HA shows now (`persistent_notification/get`, any user), or null when HA
 * cannot say (the command refused or unknown).
 */
async function shownInHa(conn: HaConnection): Promise<Set<string> | null> {
  try {
    const list = await conn.sendMessagePromise<{ notification_id: string }[]>({ type: "persistent_notification/get" });
    return new Set(list.map((n) => n.notification_id).filter((id) => (REMINDER_IDS as readonly string[]).includes(id)));
  } catch (err) {
    if (isConnectionLost(err)) throw err;
    return null;
  }
}

/**
 * Creates the wanted notifications and dismisses the others. `shown` is what this browser created
 * before (stored in the registry): a reminder is created once, so one the user dismissed in HA is
 * not put back on every visit. `shownText` (id → message) lets a reminder whose text changed ("for
 * 7 months") be replaced: HA's create with the same notification_id overwrites the old one.
 * Dismissing follows what HA shows, whoever created it: a drill passed on the phone dismisses the
 * reminder the computer posted (HA ignores a dismiss of an id it does not have, so without
 * `persistent_notification/get` every unwanted id of ours is dismissed).
 */
export async function syncReminders(conn: HaConnection, wanted: Reminder[], shown: ReminderId[], shownText: Partial<Record<ReminderId, string>> = {}): Promise<ReminderId[]> {
  const ids = new Set(wanted.map((r) => r.id));
  for (const r of wanted) {
    const stale = shownText[r.id] !== undefined && shownText[r.id] !== r.message;
    if (!shown.includes(r.id) || stale) await callService(conn, "persistent_notification", "create", { notification_id: r.id, title: r.title, message: r.message });
  }
  const inHa = await shownInHa(conn);
  for (const id of REMINDER_IDS) {
    if (ids.has(id) || !(inHa ? inHa.has(id) : true)) continue;
    await callService(conn, "persistent_notification", "dismiss", { notification_id: id });
  }
  return [...ids];
}

/** Where the panel keeps the reminder settings and what it has shown (registry meta, per browser). */
const SHOWN_KEY = "reminders_shown";
const SHOWN_TEXT_KEY = "reminders_shown_text";

interface MetaStore {
  getMeta<T>(key: string): Promise<T | null>;
  setMeta(key: string, value: unknown): Promise<void>;
}

/**
 * The settings as HA keeps them for this user (`frontend/*_user_data`, per HA user as HA's own
 * profile settings): every device then drills and reminds on the same schedule (two devices on
 * different intervals would post and dismiss each other's reminders). This browser's copy serves
 * when HA has none or cannot say (no such command, refused, offline).
 */
export const REMINDER_SETTINGS_HA_KEY = "backup_keyring_reminders";

/** Any stored value made into valid settings (unknown fields dropped, numbers in range). */
function normalizeSettings(value: unknown): ReminderSettings {
  const v = value !== null && typeof value === "object" ? (value as Partial<Record<keyof ReminderSettings, unknown>>) : {};
  const days =
    typeof v.maxDaysUnverified === "number" && Number.isInteger(v.maxDaysUnverified) && v.maxDaysUnverified >= 1 ? Math.min(v.maxDaysUnverified, 365) : DEFAULT_REMINDER_SETTINGS.maxDaysUnverified;
  return {
    enabled: typeof v.enabled === "boolean" ? v.enabled : DEFAULT_REMINDER_SETTINGS.enabled,
    maxDaysUnverified: days,
    drillMonths: validDrillMonths(typeof v.drillMonths === "number" ? v.drillMonths : DEFAULT_REMINDER_SETTINGS.drillMonths),
  };
}

async function settingsInHa(conn: HaConnection): Promise<unknown> {
  try {
    return (await conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: REMINDER_SETTINGS_HA_KEY })).value ?? null;
  } catch {
    return null;
  }
}

/** HA's copy when it has one (kept here too, for the next offline start), else this browser's. */
export async function loadReminderSettings(store: MetaStore, conn?: HaConnection): Promise<ReminderSettings> {
  const local = await store.getMeta<unknown>(REMINDER_SETTINGS_KEY);
  const inHa = conn ? await settingsInHa(conn) : null;
  if (inHa === null) return normalizeSettings(local);
  const settings = normalizeSettings(inHa);
  if (JSON.stringify(settings) !== JSON.stringify(normalizeSettings(local))) await store.setMeta(REMINDER_SETTINGS_KEY, settings);
  return settings;
}

/** Saved here, then in HA for this user (a refused or impossible write leaves this browser's copy). */
export async function saveReminderSettings(store: MetaStore, settings: ReminderSettings, conn?: HaConnection): Promise<void> {
  const value = normalizeSettings(settings);
  await store.setMeta(REMINDER_SETTINGS_KEY, value);
  if (conn) await conn.sendMessagePromise({ type: "frontend/set_user_data", key: REMINDER_SETTINGS_HA_KEY, value }).catch(() => undefined);
}

/** Brings HA's notifications in line with the registry's facts; remembers what it created. */
export async function applyReminders(
  store: MetaStore,
  conn: HaConnection,
  facts: ReminderFacts,
  t: LocalizeFunc,
  /** When the caller has just loaded them (`loadReminderSettings`). */
  settings?: ReminderSettings,
): Promise<Reminder[]> {
  const wanted = wantedReminders(facts, settings ?? (await loadReminderSettings(store, conn)), t);
  const shown = (await store.getMeta<ReminderId[]>(SHOWN_KEY)) ?? [];
  const shownText = (await store.getMeta<Partial<Record<ReminderId, string>>>(SHOWN_TEXT_KEY)) ?? {};
  await store.setMeta(SHOWN_KEY, await syncReminders(conn, wanted, shown, shownText));
  await store.setMeta(SHOWN_TEXT_KEY, Object.fromEntries(wanted.map((r) => [r.id, r.message])));
  return wanted;
}
