#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm dependencies when they are missing or stale,
// and finds (or, on Debian as root, installs) the system Chromium the browser tests use.
// Usage: node scripts/setup.mjs [--deps] [--browser]   (no flag = both)
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const stamp = join(root, "node_modules", ".backup-keyring-installed");

function lockHash() {
  return createHash("sha256")
    .update(readFileSync(join(root, "package-lock.json")))
    .digest("hex");
}

export function ensureDependencies() {
  const want = lockHash();
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  console.log("[setup] installing npm dependencies (npm ci) …");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error("[setup] `npm ci` failed; see the output above.");
    process.exit(1);
  }
  writeFileSync(stamp, want);
}

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

function findChromium() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export function ensureChromium() {
  let found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const hasApt = existsSync("/usr/bin/apt-get");
  if (isRoot && hasApt) {
    console.log("[setup] Chromium not found; installing Debian's `chromium` package …");
    try {
      execFileSync("apt-get", ["update"], { stdio: "inherit" });
      execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], {
        stdio: "inherit",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    } catch {
      // Fall through to the message below.
    }
    found = findChromium();
    if (found) return found;
  }
  console.error(
    [
      "[setup] No Chromium was found, and it could not be installed automatically.",
      "  The browser tests need a system Chromium (the tests never download a browser).",
      "  Install it, e.g. on Debian/Ubuntu: sudo apt-get install chromium",
      "  or point CHROME_PATH at an existing Chromium/Chrome binary, then run `npm test` again.",
    ].join("\n"),
  );
  process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = new Set(process.argv.slice(2));
  const all = !args.has("--deps") && !args.has("--browser");
  if (all || args.has("--deps")) ensureDependencies();
  if (all || args.has("--browser")) console.log(`[setup] Chromium: ${ensureChromium()}`);
}
