// Mutation testing (StrykerJS 9, the line that runs on Node 20) of the pure modules, with their
// Node tests run by the tap runner (node:test prints TAP). `npm run mutate` (scripts/mutate.mjs)
// runs one module at a time, chosen by BK_MUTATE_MODULE, and prints the scores; see docs/testing.md.
import { MUTATION_MODULES } from "./scripts/mutation-modules.mjs";

const name = process.env.BK_MUTATE_MODULE ?? "keys";
const mod = MUTATION_MODULES[name];
if (!mod) throw new Error(`unknown module ${name}; one of ${Object.keys(MUTATION_MODULES).join(", ")}`);

export default {
  testRunner: "tap",
  plugins: ["@stryker-mutator/tap-runner"],
  tap: {
    testFiles: mod.tests,
    // node:test prints TAP when its output is not a terminal; tsx runs the (instrumented) TypeScript.
    nodeArgs: ["--import", "tsx", "-r", "{{hookFile}}", "{{testFile}}"],
  },
  mutate: mod.mutate,
  // Each mutant runs only the test files that reach it.
  coverageAnalysis: "perTest",
  // Static code (module-level constants) would need every test file for every mutant.
  ignoreStatic: true,
  concurrency: Number(process.env.BK_MUTATE_CONCURRENCY ?? 2),
  timeoutMS: 20_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 15,
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  reporters: ["json", "html", "progress"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  thresholds: { high: 85, low: 75, break: null },
};
