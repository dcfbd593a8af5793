// Fault injection for tests: drop the connection around a given command, delay answers, hold
// back the answers to one command until released, answer a command with an error (an HA without
// it: `unknown_command`; one refusing it), make `backup/config/update` fail before or after it
// applies the change.
export type DropPoint = "before" | "after_handle" | "after_answer";
export type ConfigUpdateFault = "fail_before_apply" | "fail_after_apply" | "apply_then_drop";

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

export class Faults {
  delayMs = 0;
  private drops: DropRule[] = [];
  private configUpdate: { mode: ConfigUpdateFault; times: number } | null = null;
  /** Commands whose answers wait (`hold`) until `release`: a test sees what a page shows meanwhile. */
  private readonly holds = new Map<string, { released: Promise<void>; release(): void; waiting: number }>();

  /** Commands answered with this error instead (`{code, message}`, as HA's error frames). */
  private readonly failures = new Map<string, { code: string; message: string }>();

  fail(command: string, error: { code: string; message: string } | null): void {
    if (error) this.failures.set(command, error);
    else this.failures.delete(command);
  }

  failure(command: string): { code: string; message: string } | null {
    return this.failures.get(command) ?? null;
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

  addDrop(rule: DropRule): void {
    this.drops.push({ times: 1, ...rule });
  }

  setConfigUpdate(mode: ConfigUpdateFault | null, times = 1): void {
    this.configUpdate = mode ? { mode, times } : null;
  }

  clear(): void {
    this.delayMs = 0;
    this.drops = [];
    this.configUpdate = null;
    for (const command of [...this.holds.keys()]) this.release(command);
    this.failures.clear();
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
      configUpdate: this.configUpdate,
      holds: Object.fromEntries([...this.holds].map(([c, h]) => [c, h.waiting])),
      failures: Object.fromEntries(this.failures),
    };
  }
}
