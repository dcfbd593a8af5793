// Fault injection for tests: drop the connection around a given command, delay answers, make
// `backup/config/update` fail before or after it applies the change, or apply it only after the
// client has reconnected and read the config again (an update still in HA's queue when the
// connection dropped).
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

export class Faults {
  delayMs = 0;
  private drops: DropRule[] = [];
  private configUpdate: { mode: ConfigUpdateFault; times: number } | null = null;
  /** `apply_after_reconnect`: the update held back, and the connection it came on. */
  lateUpdate: { message: Record<string, unknown>; from: object } | null = null;

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
    this.lateUpdate = null;
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
    return { delayMs: this.delayMs, drops: this.drops.filter((d) => (d.times ?? 1) > 0), configUpdate: this.configUpdate };
  }
}
