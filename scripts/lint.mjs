#!/usr/bin/env node
// `npm run lint` (and part of the full `npm test`): Prettier's check (the layout is Prettier's, as in
// HA's frontend; `npm run format` rewrites), ESLint with eslint-plugin-lit over the TypeScript sources
// and tests, then lit-analyzer (strict) over the Lit elements, which checks template bindings
// against the elements' real properties and types.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** What Prettier lays out (Lit templates inside are left as written: their whitespace is text). */
export const FORMATTED = ["src/**/*.ts", "test/**/*.ts", "bench/**/*.ts", "scripts/**/*.mjs", "rollup.config.mjs"];
const run = (args) => spawnSync("npx", args, { cwd: root, stdio: "inherit" }).status ?? 1;

let failed = 0;
console.log("-- prettier");
if (run(["prettier", "--check", "--log-level", "warn", ...FORMATTED]) !== 0) failed++;
console.log("-- eslint");
if (run(["eslint", "--max-warnings", "0", "src", "test", "bench"]) !== 0) failed++;
console.log("-- lit-analyzer");
if (run(["lit-analyzer", "src/ui/**/*.ts", "--strict", "--maxWarnings", "0"]) !== 0) failed++;
process.exit(failed ? 1 : 0);
