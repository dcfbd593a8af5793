// The key drill: at an interval the user chooses, the administrator shows they still hold a
// generation's emergency kit — by loading the kit file (its key's fingerprint must be that
// generation's) or by typing one group of the key, chosen at random (only for a key we hold now,
// i.e. HA's current key). A pass is recorded as "kit proven on <date>" (the caller's registry
// write: a date against a generation, never the key). Wrong answers are judged and forgotten.
// Pure: no DOM, no registry, no clock of its own; tested in Node.
import { tidyKeyInput } from "../keys/format.js";
import { KitParseError, parseEmergencyKit, type KitParseErrorCode } from "../kit/parse.js";
import type { CopyRecord, GenerationRecord } from "../registry/model.js";
import { KEY_GROUPS, groupOf, pickGroup } from "./key-change/challenge.js";

// --- interval and due dates ---

/** Months between drills the user can choose; 0 = off. */
export const DRILL_INTERVALS = [0, 1, 3, 6, 12] as const;
export const DEFAULT_DRILL_MONTHS = 6;

export function validDrillMonths(value: unknown): number {
  return typeof value === "number" && (DRILL_INTERVALS as readonly number[]).includes(value) ? value : DEFAULT_DRILL_MONTHS;
}

interface Day {
  y: number;
  m: number; // 1-12
  d: number;
}

// Building an Intl.DateTimeFormat costs far more than using one: keep one per time zone.
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  if (!formatters.has(timeZone)) {
    let f: Intl.DateTimeFormat | null;
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    } catch {
      f = null; // an unknown zone name
    }
    formatters.set(timeZone, f);
  }
  return formatters.get(timeZone)!;
}

function safeZone(timeZone: string | undefined): string {
  return timeZone && formatterFor(timeZone) ? timeZone : "UTC";
}

/** Wall-clock fields of an instant in a time zone. */
function zoned(date: Date, timeZone: string): Day & { h: number; mi: number; s: number } {
  const parts = (formatterFor(timeZone) ?? formatterFor("UTC")!).formatToParts(date);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { y: n("year"), m: n("month"), d: n("day"), h: n("hour") % 24, mi: n("minute"), s: n("second") };
}

/** The calendar day an instant falls on in a time zone. */
export function dayInZone(date: Date, timeZone?: string): Day {
  const z = zoned(date, safeZone(timeZone));
  return { y: z.y, m: z.m, d: z.d };
}

function offsetMs(date: Date, timeZone: string): number {
  const z = zoned(date, timeZone);
  return Date.UTC(z.y, z.m - 1, z.d, z.h, z.mi, z.s) - Math.floor(date.getTime() / 1000) * 1000;
}

/** The first instant of a calendar day in a time zone (a DST change at midnight moves it, never skips the day). */
export function startOfDayInZone(day: Day, timeZone?: string): Date {
  const tz = safeZone(timeZone);
  const wall = Date.UTC(day.y, day.m - 1, day.d);
  // Two rounds settle the offset even when the guess lands on the other side of a DST change.
  let t = wall - offsetMs(new Date(wall), tz);
  t = wall - offsetMs(new Date(t), tz);
  // A DST gap at midnight (e.g. 00:00 does not exist): the day starts at the first instant that is on it.
  const z = dayInZone(new Date(t), tz);
  if (z.y !== day.y || z.m !== day.m || z.d !== day.d) t += 3_600_000;
  return new Date(t);
}

/** Calendar months later; the 31st becomes the last day of a shorter month (31 Aug + 6 = 28/29 Feb). */
export function addMonths(day: Day, months: number): Day {
  const index = day.y * 12 + (day.m - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { y, m, d: Math.min(day.d, last) };
}

/** Whole calendar months from one day to a later one, consistent with addMonths (31 Jan → 27 Feb is 0, → 28 Feb is 1). */
export function monthsBetween(from: Day, to: Day): number {
  let months = (to.y - from.y) * 12 + (to.m - from.m);
  if (months > 0 && dayBefore(to, addMonths(from, months))) months--;
  return Math.max(0, months);
}

function dayBefore(a: Day, b: Day): boolean {
  return a.y !== b.y ? a.y < b.y : a.m !== b.m ? a.m < b.m : a.d < b.d;
}

export function isoDay(day: Day): string {
  return `${String(day.y).padStart(4, "0")}-${String(day.m).padStart(2, "0")}-${String(day.d).padStart(2, "0")}`;
}

export type DrillState = "off" | "never" | "ok" | "due";

export interface DrillStatus {
  state: DrillState;
  /** When the kit was last proven (ISO), or null. */
  provenAt: string | null;
  /** The day the next drill is due in the instance's time zone (YYYY-MM-DD); null when off or never proven. */
  dueDay: string | null;
  /** The instant that day starts (ISO). */
  dueAt: string | null;
  /** Whole months since the last proof (in the instance's time zone). */
  monthsSince: number | null;
}

/**
 * Is a drill due for this generation? Due from the start of the day, in the instance's time zone,
 * that lies `months` calendar months after the day of the last proof. Never proven counts as due
 * (unless drills are off): the kit was never shown to exist.
 */
export function drillStatus(generation: Pick<GenerationRecord, "kitProvenAt">, months: number, now: Date, timeZone?: string): DrillStatus {
  const provenAt = generation.kitProvenAt;
  const proven = provenAt !== null && !Number.isNaN(new Date(provenAt).getTime()) ? new Date(provenAt) : null;
  const monthsSince = proven ? monthsBetween(dayInZone(proven, timeZone), dayInZone(now, timeZone)) : null;
  if (months <= 0) return { state: "off", provenAt, dueDay: null, dueAt: null, monthsSince };
  if (!proven) return { state: "never", provenAt: null, dueDay: null, dueAt: null, monthsSince: null };
  const due = addMonths(dayInZone(proven, timeZone), months);
  const dueAt = startOfDayInZone(due, timeZone);
  return { state: now.getTime() >= dueAt.getTime() ? "due" : "ok", provenAt, dueDay: isoDay(due), dueAt: dueAt.toISOString(), monthsSince };
}

// --- judging an answer ---

export type DrillAnswer = { method: "file"; text: string } | { method: "group"; group: number; typed: string };

export type DrillOutcome =
  | { result: "passed"; generation: number }
  /** A kit of this instance, but of another generation. */
  | { result: "other_generation"; generation: number }
  /** A readable kit whose key is no generation this registry knows. */
  | { result: "wrong_kit" }
  | { result: "wrong_group"; group: number }
  | { result: "unreadable"; code: KitParseErrorCode }
  /** Typing a group needs the key at hand (HA's current key); for other generations load the file. */
  | { result: "group_unavailable" };

export interface DrillContext {
  /** This instance's generations (to name "a kit of generation 2" when the wrong one is loaded). */
  generations: GenerationRecord[];
  /** The registry's salted fingerprint. */
  fingerprint: (key: string) => Promise<string>;
  /** The target generation's key when it is held now (HA's current key), else null. */
  key: string | null;
}

/** Equal-length strings compared without an early exit (fingerprints, typed groups). */
export function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/** The group to ask for: 1..7, uniform (rejection sampling, no modulo bias). */
export function chooseDrillGroup(randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): number {
  return pickGroup(randomBytes);
}

export async function judgeDrill(target: GenerationRecord, answer: DrillAnswer, ctx: DrillContext): Promise<DrillOutcome> {
  if (answer.method === "group") {
    if (!Number.isInteger(answer.group) || answer.group < 1 || answer.group > KEY_GROUPS) return { result: "group_unavailable" };
    // The key at hand must really be the target's: otherwise a typed group would prove nothing.
    if (ctx.key === null || !sameText(await ctx.fingerprint(ctx.key), target.fingerprint)) return { result: "group_unavailable" };
    const expected = groupOf(ctx.key, answer.group);
    if (expected === null) return { result: "group_unavailable" };
    const typed = answer.typed.replace(/[\s-]+/g, "").toUpperCase();
    return sameText(typed, expected) ? { result: "passed", generation: target.number } : { result: "wrong_group", group: answer.group };
  }
  let key: string;
  try {
    key = tidyKeyInput(parseEmergencyKit(answer.text).key);
  } catch (err) {
    if (err instanceof KitParseError) return { result: "unreadable", code: err.code };
    throw err;
  }
  const fp = await ctx.fingerprint(key);
  if (sameText(fp, target.fingerprint)) return { result: "passed", generation: target.number };
  const other = ctx.generations.find((g) => g.id !== target.id && g.instanceId === target.instanceId && g.status !== "abandoned" && sameText(g.fingerprint, fp));
  return other ? { result: "other_generation", generation: other.number } : { result: "wrong_kit" };
}

// --- which generations deserve a drill ---

/** Backups (not copies) still listed whose encrypted copies a generation opens. */
function backupsByGeneration(copies: CopyRecord[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const c of copies) {
    if (c.deleted || !c.protected || c.generationId === null) continue;
    const set = out.get(c.generationId) ?? new Set<string>();
    set.add(c.backupId);
    out.set(c.generationId, set);
  }
  return out;
}

/** Older generations whose backups still exist: "do you still have generation 2's kit? 14 backups need it". */
export function olderGenerationDrills(generations: GenerationRecord[], copies: CopyRecord[]): { generation: GenerationRecord; backups: number }[] {
  const by = backupsByGeneration(copies);
  return generations
    .filter((g) => g.status === "retired" && (by.get(g.id)?.size ?? 0) > 0)
    .sort((a, b) => a.number - b.number)
    .map((g) => ({ generation: g, backups: by.get(g.id)!.size }));
}

/** Backups still listed with an encrypted copy whose generation's kit was never proven. */
export function backupsWithUnprovenKit(generations: GenerationRecord[], copies: CopyRecord[]): number {
  const unproven = new Set(generations.filter((g) => g.kitProvenAt === null).map((g) => g.id));
  const backups = new Set<string>();
  for (const c of copies) {
    if (!c.deleted && c.protected && c.generationId !== null && unproven.has(c.generationId)) backups.add(c.backupId);
  }
  return backups.size;
}
