#!/usr/bin/env node
// `npm start`: installs what is missing, builds, and runs the simulated Home Assistant with the
// demo page. Options go to the simulated HA: `npm start -- --port 18123 --token T --seed 2`.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { ensureDependencies } from "./setup.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
ensureDependencies();

const build = spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const port = opt("--port", "8123");
const token = opt("--token", undefined) ?? randomBytes(18).toString("base64url");
const pass = args.filter((a, i) => !["--port", "--token"].includes(a) && !["--port", "--token"].includes(args[i - 1]));

const sim = spawn(process.execPath, ["dist/node/sim.js", "--port", port, "--token", token, "--serve", root, ...pass], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
});
let announced = false;
sim.stdout.on("data", (chunk) => {
  const text = String(chunk);
  const m = /on (http:\/\/\S+)/.exec(text);
  if (m && !announced) {
    announced = true;
    const url = m[1];
    // The token is the simulated server's demo access token, not an encryption key.
    console.log(`\nBackup Keyring demo: ${url}/#url=${encodeURIComponent(url)}&token=${encodeURIComponent(token)}\n`);
    console.log("Press Ctrl-C to stop.");
  }
});
const stop = () => sim.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
sim.on("exit", (code) => process.exit(code ?? 0));
