#!/usr/bin/env node
// Thin launcher: the CLI itself is compiled from src/cli by `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = fileURLToPath(new URL("../dist/node/cli.js", import.meta.url));
if (!existsSync(built)) {
  process.stderr.write("backup-keyring: the CLI is not built yet. Run `npm run build` in the project folder first.\n");
  process.exit(2);
}
const { main } = await import(built);
process.exitCode = await main(process.argv.slice(2));
