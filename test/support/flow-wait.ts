// Waiting on the key-change flow and resetting the simulated HA between tests, without sleeps.
import type { FlowState, KeyChangeFlow } from "../../src/flows/key-change/flow.js";
import type { SimHandle } from "../../src/sim/main.js";

/** Resolves with the first state (now or later) that satisfies `when`; the flow reports every change to its subscribers. */
export function reach(flow: KeyChangeFlow, when: string | ((s: FlowState) => boolean)): Promise<FlowState> {
  const test = typeof when === "string" ? (s: FlowState) => s.step === when : when;
  return new Promise<FlowState>((resolve) => {
    let done = false;
    const stop = flow.subscribe((s) => {
      if (done || !test(s)) return;
      done = true;
      queueMicrotask(() => stop());
      resolve(s);
    });
  });
}

interface SimBaseline {
  password: string | null;
  backups: Set<string>;
}

type SimState = { config: { create_backup: { password: string | null } }; backups: { backup_id: string }[] };

/** What a test file starts from: HA's key and the backups it lists. */
export async function simBaseline(sim: SimHandle): Promise<SimBaseline> {
  const s = (await sim.control({ type: "get_state" })) as SimState;
  return { password: s.config.create_backup.password, backups: new Set(s.backups.map((b) => b.backup_id)) };
}

/** Puts the simulated HA back: no faults, idle, the first key, no backups a test made. */
export async function resetSim(sim: SimHandle, base: SimBaseline): Promise<void> {
  await sim.control({ type: "clear_faults" });
  await sim.control({ type: "set_manager_state", state: { manager_state: "idle" } });
  await sim.control({ type: "set_password", password: base.password });
  const s = (await sim.control({ type: "get_state" })) as SimState;
  for (const b of s.backups) if (!base.backups.has(b.backup_id)) await sim.control({ type: "delete_backup", backup_id: b.backup_id });
}
