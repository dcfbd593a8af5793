// The registry benchmark's simulated HA, in a thread of its own: a real HA runs on its own
// machine, and sharing the benchmark driver's event loop (Playwright's traffic, its garbage
// collection) would add tens of milliseconds to some of HA's answers that the registry does not cause.
import { parentPort, workerData } from "node:worker_threads";
import { startSimulatedHA } from "../src/sim/main.js";
import { BENCH_NOW, scaleState } from "./registry-sim.js";

const { backups, generations, root } = workerData as { backups: number; generations: number; root: string };
const { state, keys, slices } = await scaleState(backups, generations);
const sim = await startSimulatedHA({ port: 0, serve: root, now: BENCH_NOW, stageDelayMs: 0, haVersion: "2026.2.3", initialState: state });
parentPort!.once("message", () => void sim.close().then(() => parentPort!.postMessage("closed")));
parentPort!.postMessage({ url: sim.url, adminToken: sim.adminToken, keys, slices });
