// `node dist/node/sim.js [--port 8123] [--host 127.0.0.1] [--token T] [--user-token T] [--state FILE]
//  [--ha-version 2026.11.0] [--seed 1] [--now ISO] [--serve DIR] [--backups N] [--restart-after S]
//  [--encrypted-mount NAME]`
// Also the module the tests import: `startSimulatedHA(options)`.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startSimulatedHA, type SimOptions } from "./server.js";

export { startSimulatedHA };
export type { SimControlAction, SimHandle, SimOptions } from "./server.js";

const FLAGS: Record<string, keyof SimOptions> = {
  "--port": "port",
  "--host": "host",
  "--token": "token",
  "--user-token": "userToken",
  "--state": "state",
  "--ha-version": "haVersion",
  "--seed": "seed",
  "--now": "now",
  "--serve": "serve",
  "--backups": "backups",
  "--restart-after": "restartAfter",
  "--encrypted-mount": "encryptedMount",
};
const NUMERIC = new Set<keyof SimOptions>(["port", "seed", "backups", "restartAfter"]);

export function parseSimArgs(argv: string[]): SimOptions {
  const options: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const name = FLAGS[flag];
    if (!name) throw new Error(`unknown option ${flag}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (NUMERIC.has(name)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number`);
      options[name] = n;
    } else options[name] = value;
  }
  return options as SimOptions;
}

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

const USAGE = `Simulated Home Assistant (WebSocket API, backup commands, real SecureTar backups)
  --port N          port (default 8123; 0 = any free port)      --host H        address (default 127.0.0.1)
  --token T         admin access token (default: random)         --user-token T  non-admin token (default: random)
  --state FILE      keep config and backups across restarts      --ha-version V  e.g. 2024.12.0 (no backup API), 2025.1.0
  --seed N          demo data seed (default 1)                   --now ISO       date the demo counts back from
  --serve DIR       serve DIR/panel/index.html at / and DIR/dist at /local/backup-keyring/
  --backups N       number of demo backups (default 30)
  --restart-after S restart once after S seconds: connections close, backup commands answer
                    unknown_command while starting, the manager is blocked (2025.3+), then idle
  --encrypted-mount NAME[,NAME2]  add encrypted network-storage locations hassio.NAME holding
                    every demo backup (HA Cloud holds only the newest one)
`;

if (isMain()) {
  if (process.argv.includes("--help")) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  let options: SimOptions;
  try {
    options = parseSimArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`simulated HA: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const sim = await startSimulatedHA(options);
  // Tokens are the simulated server's own access tokens, never an encryption key.
  process.stdout.write(`Simulated Home Assistant ${options.haVersion ?? "2026.11.0"} on ${sim.url}\n`);
  process.stdout.write(`  admin token: ${sim.adminToken}\n  non-admin token: ${sim.userToken}\n`);
  const stop = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
