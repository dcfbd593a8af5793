// When the key drill is due, and how many backups hang on a kit never proven: the part of the drill
// the dashboard card shows. Dates and records only (no kit parser, no strings), so the card's
// module stays small; `drill.ts` re-exports it.
import type { CopyRecord, GenerationRecord } from "../registry/model.js";

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

/**
 * Per generation, the backups still listed with an encrypted copy of it (`all`), and those among
 * them tied to it by more than their date (`known`: a check, or made while its key was seen in use).
 */
export function backupsByGeneration(copies: CopyRecord[]): Map<string, { all: Set<string>; known: Set<string> }> {
  const out = new Map<string, { all: Set<string>; known: Set<string> }>();
  for (const c of copies) {
    if (c.deleted || !c.protected || c.generationId === null) continue;
    const entry = out.get(c.generationId) ?? { all: new Set<string>(), known: new Set<string>() };
    entry.all.add(c.backupId);
    if (c.confidence !== "inferred") entry.known.add(c.backupId);
    out.set(c.generationId, entry);
  }
  return out;
}

/** Backups still listed with an encrypted copy whose generation's kit was never proven; `guessed`: of those, the ones tied to such a generation only by date. */
export function backupsWithUnprovenKit(generations: GenerationRecord[], copies: CopyRecord[]): { backups: number; guessed: number } {
  const by = backupsByGeneration(copies);
  const all = new Set<string>();
  const known = new Set<string>();
  for (const g of generations) {
    const entry = g.kitProvenAt === null ? by.get(g.id) : undefined;
    entry?.all.forEach((b) => all.add(b));
    entry?.known.forEach((b) => known.add(b));
  }
  return { backups: all.size, guessed: all.size - known.size };
}
