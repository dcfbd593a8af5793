// Fault injection for tests: drop the connection around a given command, hold back answers (for
// a time, or until released), answer a command with an error (an HA without it:
// `unknown_command`; one refusing it), make `backup/config/update` fail before or after it
// applies the change, or apply it only after the client has reconnected and read the config again
// (an update still in HA's queue when the connection dropped); make the next backup unable to save
// some add-ons or folders.
import type { AddonInfo } from "../data/backup.js";
export type DropPoint = "before" | "after_handle" | "after_answer";
export type ConfigUpdateFault = "fail_before_apply" | "fail_after_apply" | "apply_then_drop" | "apply_after_reconnect";

/** How long each part of a restart lasts (ms); `hold` stays "starting" until `finish_start`. */
export interface RestartTiming {
  down_ms?: number;
  starting_ms?: number;
  blocked_ms?: number;
  hold?: boolean;
}

export interface DropRule {
  command: string;
  when: DropPoint;
  /** Restart the whole simulated HA at that point instead of dropping one connection. */
  restart?: RestartTiming;
  /** How many times it fires (default once). */
  times?: number;
  /** Let this many matching commands through first (e.g. hit the second `backup/config/info`). */
  skip?: number;
}

/** Answer a command with an error instead of handling it (e.g. a backup/info that fails once). */
export interface FailRule {
  command: string;
  /** Default `unknown_command` "Unknown command." (an HA without the command). */
  code?: string;
  message?: string;
  /** How many times it fires; without it, until cleared. */
  times?: number;
  skip?: number;
  /** Remove the rules for this command instead. */
  clear?: boolean;
}

/**
 * Hold the answers to a command (to every command without `command`) until `ms` have passed,
 * `release` names the command, or the faults are cleared; `times` of them, without it all.
 */
export interface HoldRule {
  command?: string;
  ms?: number;
  times?: number;
}

const live = (rule: { times?: number }) => rule.times === undefined || rule.times > 0;

/** The first rule that matches and has uses left fires, once its `skip` is used up; without `times` it never runs out. */
function take<R extends { times?: number; skip?: number }>(rules: R[], matches: (rule: R) => boolean): R | null {
  const rule = rules.find((r) => matches(r) && live(r));
  if (!rule) return null;
  if ((rule.skip ?? 0) > 0) {
    rule.skip!--;
    return null;
  }
  if (rule.times !== undefined) rule.times--;
  return rule;
}

/** What Supervisor cannot back up in the next backup (add-ons it fails to save, folders it fails to read). */
export interface BackupFailures {
  addons?: AddonInfo[];
  folders?: string[];
}

export class Faults {
  private drops: DropRule[] = [];
  private fails: FailRule[] = [];
  /** Hold rules, each with the answers waiting at it (a call ends the wait). */
  private holds: (HoldRule & { waiting: Set<() => void> })[] = [];
  private backupFailures: BackupFailures | null = null;
  private configUpdate: { mode: ConfigUpdateFault; times: number } | null = null;
  /** `apply_after_reconnect`: the update held back, and the connection it came on. */
  lateUpdate: { message: Record<string, unknown>; from: object } | null = null;

  /** Answers a command with an error; without `times` until cleared (an HA without it, or one refusing it). */
  addFail(rule: FailRule): void {
    if (rule.clear) {
      this.fails = this.fails.filter((r) => r.command !== rule.command);
      return;
    }
    this.fails.push({ code: "unknown_command", message: "Unknown command.", ...rule });
  }

  /** The error to answer this command with, if a rule fires (a counted rule is used up). */
  shouldFail(command: string): { code: string; message: string } | null {
    const rule = take(this.fails, (r) => r.command === command);
    return rule ? { code: rule.code!, message: rule.message! } : null;
  }

  addHold(rule: HoldRule): void {
    this.holds.push({ ...rule, waiting: new Set() });
  }

  /** Ends the holds of this command: what waits is answered, later ones are not held. */
  release(command: string): void {
    for (const rule of this.holds) if (rule.command === command) for (const done of [...rule.waiting]) done();
    this.holds = this.holds.filter((r) => r.command !== command);
  }

  /** Resolves once this command may be answered: at once unless a hold rule matches (a counted one is used up). */
  async held(command: string): Promise<void> {
    const rule = take(this.holds, (r) => r.command === undefined || r.command === command);
    if (!rule) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        rule.waiting.delete(done);
        resolve();
      };
      const timer = rule.ms === undefined ? undefined : setTimeout(done, rule.ms);
      rule.waiting.add(done);
    });
  }

  setBackupFailures(f: BackupFailures | null): void {
    this.backupFailures = f;
  }

  takeBackupFailures(): { addons: AddonInfo[]; folders: string[] } | null {
    const f = this.backupFailures;
    this.backupFailures = null;
    return f ? { addons: f.addons ?? [], folders: f.folders ?? [] } : null;
  }

  addDrop(rule: DropRule): void {
    this.drops.push({ ...rule, times: rule.times ?? 1 });
  }

  setConfigUpdate(mode: ConfigUpdateFault | null, times = 1): void {
    this.configUpdate = mode ? { mode, times } : null;
  }

  clear(): void {
    this.drops = [];
    this.fails = [];
    this.backupFailures = null;
    this.configUpdate = null;
    this.lateUpdate = null;
    for (const rule of this.holds) for (const done of [...rule.waiting]) done();
    this.holds = [];
  }

  /** The rule that fires for this command at this point, if any (it is used up). */
  shouldDrop(command: string, when: DropPoint): DropRule | null {
    return take(this.drops, (r) => r.command === command && r.when === when);
  }

  takeConfigUpdateFault(): ConfigUpdateFault | null {
    if (!this.configUpdate || this.configUpdate.times <= 0) return null;
    this.configUpdate.times--;
    return this.configUpdate.mode;
  }

  describe(): unknown {
    return {
      drops: this.drops.filter(live),
      fails: this.fails.filter(live),
      backupFailures: this.backupFailures,
      configUpdate: this.configUpdate,
      // Per command (`*`: a rule for every command), how many answers wait at its holds now.
      holds: this.holds.reduce<Record<string, number>>((out, r) => {
        const key = r.command ?? "*";
        if (live(r) || r.waiting.size > 0) out[key] = (out[key] ?? 0) + r.waiting.size;
        return out;
      }, {}),
    };
  }
}
