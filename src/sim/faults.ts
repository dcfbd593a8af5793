// Fault injection for tests: drop the connection around a given command, delay answers, hold
// back the answers to one command until released, answer a command with an error (an HA without
// it: `unknown_command`; one refusing it), make `backup/config/update` fail before or after it
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

/** Hold the answer to a command (matching ones only, `times` of them) until `ms` passed or the faults are cleared. */
export interface DelayRule {
  ms: number;
  command?: string;
  times?: number;
}

/** What Supervisor cannot back up in the next backup (add-ons it fails to save, folders it fails to read). */
export interface BackupFailures {
  addons?: AddonInfo[];
  folders?: string[];
}

export class Faults {
  delayMs = 0;
  private drops: DropRule[] = [];
  private fails: FailRule[] = [];
  private delays: DelayRule[] = [];
  private delayed = new Set<() => void>();
  private backupFailures: BackupFailures | null = null;
  private configUpdate: { mode: ConfigUpdateFault; times: number } | null = null;
  /** `apply_after_reconnect`: the update held back, and the connection it came on. */
  lateUpdate: { message: Record<string, unknown>; from: object } | null = null;
  /** Commands whose answers wait (`hold`) until `release`: a test sees what a page shows meanwhile. */
  private readonly holds = new Map<string, { released: Promise<void>; release(): void; waiting: number }>();

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
    const rule = this.fails.find((r) => r.command === command && (r.times === undefined || r.times > 0));
    if (!rule) return null;
    if ((rule.skip ?? 0) > 0) {
      rule.skip!--;
      return null;
    }
    if (rule.times !== undefined) rule.times--;
    return { code: rule.code!, message: rule.message! };
  }

  addDelay(rule: DelayRule): void {
    this.delays.push({ times: 1, ...rule });
  }

  /** Waits as a matching delay rule says (used up), or not at all; `clear()` ends the wait. */
  async delay(command: string): Promise<void> {
    const rule = this.delays.find((r) => (r.command === undefined || r.command === command) && (r.times ?? 1) > 0);
    if (!rule) return;
    rule.times = (rule.times ?? 1) - 1;
    await new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.delayed.delete(release);
        resolve();
      };
      const timer = setTimeout(release, rule.ms);
      this.delayed.add(release);
    });
  }

  hold(command: string): void {
    if (this.holds.has(command)) return;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    this.holds.set(command, { released, release, waiting: 0 });
  }

  release(command: string): void {
    this.holds.get(command)?.release();
    this.holds.delete(command);
  }

  /** Resolves once this command may be answered (at once unless it is held). */
  async held(command: string): Promise<void> {
    const h = this.holds.get(command);
    if (!h) return;
    h.waiting++;
    await h.released;
  }

  /** How many messages of a held command are waiting. */
  waiting(command: string): number {
    return this.holds.get(command)?.waiting ?? 0;
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
    this.drops.push({ times: 1, ...rule });
  }

  setConfigUpdate(mode: ConfigUpdateFault | null, times = 1): void {
    this.configUpdate = mode ? { mode, times } : null;
  }

  clear(): void {
    this.delayMs = 0;
    this.drops = [];
    this.fails = [];
    this.delays = [];
    this.backupFailures = null;
    this.configUpdate = null;
    this.lateUpdate = null;
    for (const release of [...this.delayed]) release();
    for (const command of [...this.holds.keys()]) this.release(command);
  }

  /** The rule that fires for this command at this point, if any (it is used up). */
  shouldDrop(command: string, when: DropPoint): DropRule | null {
    const rule = this.drops.find((r) => r.command === command && r.when === when && (r.times ?? 1) > 0);
    if (!rule) return null;
    if ((rule.skip ?? 0) > 0) {
      rule.skip!--;
      return null;
    }
    rule.times = (rule.times ?? 1) - 1;
    return rule;
  }

  takeConfigUpdateFault(): ConfigUpdateFault | null {
    if (!this.configUpdate || this.configUpdate.times <= 0) return null;
    this.configUpdate.times--;
    return this.configUpdate.mode;
  }

  describe(): unknown {
    return {
      delayMs: this.delayMs,
      drops: this.drops.filter((d) => (d.times ?? 1) > 0),
      fails: this.fails.filter((f) => f.times === undefined || f.times > 0),
      delays: this.delays.filter((d) => (d.times ?? 1) > 0),
      backupFailures: this.backupFailures,
      configUpdate: this.configUpdate,
      holds: Object.fromEntries([...this.holds].map(([c, h]) => [c, h.waiting])),
    };
  }
}
