// What the dashboard card says, as translation keys with parameters: the status line and the
// warnings, worst first. Pure, tested in Node.
import type { CopyRecord, GenerationRecord } from "../../registry/model.js";
import { keyringStatus, kitState, newestBackupCheck } from "../model/keyring-model.js";
import { backupsWithUnprovenKit, drillStatus } from "../../flows/drill-schedule.js";
import type { TranslationKey } from "../../common/localize.js";

export interface CardLine {
  key: TranslationKey;
  params?: Record<string, string | number>;
}

export interface CardView {
  status: CardLine[];
  warnings: CardLine[];
  allGood: boolean;
}

export interface CardInput {
  keySet: boolean;
  active: GenerationRecord | null;
  generations: GenerationRecord[];
  copies: CopyRecord[];
  held: ReadonlySet<string>;
  agentErrors: string[];
  /** The kit drill: months between drills (0 = off), the clock, the instance's time zone. */
  drill?: { months: number; now: Date; timeZone?: string };
}

export function cardView(input: CardInput): CardView {
  const status: CardLine[] = [];
  const warnings: CardLine[] = [];
  if (!input.keySet) {
    status.push({ key: "card.status.no_key" });
    warnings.push({ key: "card.warning.no_key" });
  } else if (input.active) {
    status.push({ key: "card.status.key_set", params: { generation: input.active.number } });
    const kit = kitState(input.active);
    // Proven: say when (`day` params are calendar days, `date` params instants).
    status.push(kit === "proven" ? { key: "card.status.kit_last_proven", params: { date: input.active.kitProvenAt! } } : { key: `card.status.kit_${kit}` });
    if (kit === "none") warnings.push({ key: "card.warning.kit_missing" });
    if (input.drill) {
      const d = drillStatus(input.active, input.drill.months, input.drill.now, input.drill.timeZone);
      if (d.state === "off") status.push({ key: "card.status.drill_off" });
      else if (d.state === "ok") status.push({ key: "card.status.drill_next", params: { day: d.dueDay! } });
      else warnings.push({ key: "card.status.drill_due" });
    }
  }
  const newest = newestBackupCheck(input.copies);
  if (newest === null) status.push({ key: "card.status.no_backups" });
  else if (!newest.protected) status.push({ key: "card.status.newest_unencrypted" });
  else if (newest.verifiedAt) status.push({ key: "card.status.newest_verified", params: { date: newest.verifiedAt } });
  else status.push({ key: "card.status.newest_not_verified" });

  const s = keyringStatus(input.copies, input.generations, input.held);
  if (s.total > 0) status.push({ key: "panel.status.counts", params: { ...s.counts } });
  for (const n of s.needs) {
    if (n.kitSaved) status.push({ key: "panel.status.needs_saved", params: { count: n.count, generation: n.generation } });
    else warnings.push({ key: "panel.status.needs", params: { count: n.count, generation: n.generation } });
  }
  if (s.unknown > 0) warnings.push({ key: "panel.status.unknown", params: { count: s.unknown } });
  // Those known only by date are said to be a guess.
  const unproven = backupsWithUnprovenKit(input.generations, input.copies);
  if (unproven.guessed > 0) warnings.push({ key: "card.warning.unproven_backups_guessed", params: { count: unproven.backups, guessed: unproven.guessed } });
  else if (unproven.backups > 0) warnings.push({ key: "card.warning.unproven_backups", params: { count: unproven.backups } });
  for (const agent of input.agentErrors) warnings.push({ key: "card.warning.agent_error", params: { location: agent } });
  return { status, warnings, allGood: warnings.length === 0 };
}
