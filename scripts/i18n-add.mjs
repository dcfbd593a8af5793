#!/usr/bin/env node
// Merges strings into translations/<lang>.json under a lock, so several people (or tools) can add
// keys at once without overwriting each other. Usage: node scripts/i18n-add.mjs <lang> <file.json | ->
// The input is a nested object, e.g. {"errors":{"truncated":"The file ends early."}}; keys already
// present are replaced, everything else is kept. Keys are written sorted.
import { mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [lang, src] = process.argv.slice(2);
if (!lang || !src) {
  console.error("usage: node scripts/i18n-add.mjs <lang> <file.json | ->");
  process.exit(2);
}
const root = fileURLToPath(new URL("..", import.meta.url));
const target = join(root, "translations", `${lang}.json`);
const lock = `${target}.lock`;
const input = JSON.parse(readFileSync(src === "-" ? 0 : src, "utf8"));

function merge(into, from) {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === "object") into[k] = merge(into[k] && typeof into[k] === "object" ? into[k] : {}, v);
    else into[k] = v;
  }
  return into;
}
function sorted(o) {
  if (!o || typeof o !== "object") return o;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sorted(o[k])]),
  );
}

for (let tries = 0; ; tries++) {
  try {
    mkdirSync(lock);
    break;
  } catch {
    if (tries > 200) throw new Error(`could not lock ${target}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
try {
  let current = {};
  try {
    current = JSON.parse(readFileSync(target, "utf8"));
  } catch {}
  writeFileSync(`${target}.tmp`, JSON.stringify(sorted(merge(current, input)), null, 2) + "\n");
  renameSync(`${target}.tmp`, target);
} finally {
  rmdirSync(lock);
}
