// Shared set-up for registry tests in Node: a simulated HA, a real client connection, the demo
// keys, and fresh fake-indexeddb registries that are closed afterwards.
import "fake-indexeddb/auto";
import { after, before } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { Registry, type RegistryOptions } from "../../src/registry/registry.js";
import { startSimulatedHA, type SimHandle, type SimOptions } from "../../src/sim/main.js";
import { connectHA } from "./ha-client.js";

export interface RegistryEnv {
  sim: SimHandle;
  conn: Connection;
  keys: string[];
  openReg(name?: string, options?: RegistryOptions): Promise<Registry>;
  freshName(): string;
  /** Settles once the simulated HA and the connection are up. */
  ready: Promise<void>;
}

export function useRegistryEnv(prefix: string, options: SimOptions): RegistryEnv {
  let count = 0;
  const registries: Registry[] = [];
  let markReady!: () => void;
  const env = {
    ready: new Promise<void>((resolve) => (markReady = resolve)),
    freshName: () => `${prefix}-${process.pid}-${++count}`,
    async openReg(name?: string, options?: RegistryOptions) {
      const r = await Registry.open(name ?? env.freshName(), undefined, options);
      registries.push(r);
      return r;
    },
  } as RegistryEnv;
  before(async () => {
    env.sim = await startSimulatedHA({ port: 0, now: "2026-11-27T12:00:00Z", stageDelayMs: 5, ...options });
    env.conn = await connectHA(env.sim.url, env.sim.adminToken);
    env.keys = (await env.sim.control({ type: "demo_keys" })) as string[];
    markReady();
  });
  after(async () => {
    for (const r of registries) r.close();
    env.conn.close();
    await env.sim.close();
  });
  return env;
}
