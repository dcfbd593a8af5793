#!/usr/bin/env node
// `npm run mutate [-- module...]`: StrykerJS over the pure modules, one module at a time (each with
// its own focused Node tests, see scripts/mutation-modules.mjs), then `mutation score: X%` per
// module and overall. Reports: reports/mutation/<module>.html and .json (git-ignored).
// `npm run mutate -- --report` prints the scores of the reports already there, without running.
// Not part of `npm test`: it runs the tests once per mutant, minutes per module on two cores.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MUTATION_MODULES } from "./mutation-modules.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const reportOnly = args.includes("--report");
const names = args.filter((a) => !a.startsWith("--"));
for (const n of names) {
  if (!MUTATION_MODULES[n]) {
    console.error(`unknown module "${n}"; one of: ${Object.keys(MUTATION_MODULES).join(", ")}`);
    process.exit(1);
  }
}
const modules = names.length > 0 ? names : Object.keys(MUTATION_MODULES);
const reports = join(root, "reports", "mutation");
mkdirSync(reports, { recursive: true });

if (!reportOnly) {
  // Tests read the real HA fixtures at <project>/../shared; Stryker runs them from
  // .stryker-tmp/sandbox-*/, whose ../shared is this link.
  const shared = resolve(root, "..", "shared");
  const link = join(root, ".stryker-tmp", "shared");
  mkdirSync(join(root, ".stryker-tmp"), { recursive: true });
  if (existsSync(shared) && !existsSync(link)) symlinkSync(shared, link, "dir");
  for (const name of modules) {
    console.log(`\n== mutation testing: ${name} ==`);
    rmSync(join(reports, `${name}.json`), { force: true });
    const r = spawnSync("npx", ["stryker", "run", "stryker.config.mjs"], { cwd: root, stdio: "inherit", env: { ...process.env, BK_MUTATE_MODULE: name } });
    if (r.status !== 0) console.error(`stryker failed for ${name} (exit ${r.status})`);
  }
}

const COUNTED = ["Killed", "Timeout", "Survived", "NoCoverage"];
const total = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0 };
const survivors = [];
const lines = [];
for (const name of modules) {
  const file = join(reports, `${name}.json`);
  if (!existsSync(file)) {
    lines.push(`${name}: no report (run \`npm run mutate -- ${name}\`)`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  const count = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0 };
  for (const [path, f] of Object.entries(report.files)) {
    for (const m of f.mutants) {
      if (!COUNTED.includes(m.status)) continue;
      count[m.status]++;
      total[m.status]++;
      if (m.status === "Survived" || m.status === "NoCoverage")
        survivors.push(`${name}\t${path}:${m.location.start.line}:${m.location.start.column}\t${m.status}\t${m.mutatorName}\t${JSON.stringify(m.replacement ?? "")}`);
    }
  }
  lines.push(`${name}: ${score(count)} (${count.Killed} killed, ${count.Timeout} timed out, ${count.Survived} survived, ${count.NoCoverage} not covered)`);
}
lines.push(`overall (${modules.join(", ")}): ${score(total)}`);
writeFileSync(join(reports, "survivors.tsv"), `${survivors.join("\n")}\n`);
console.log(`\n${lines.join("\n")}\nSurviving mutants: reports/mutation/survivors.tsv; details: reports/mutation/<module>.html`);

function score(c) {
  const valid = COUNTED.reduce((s, k) => s + c[k], 0);
  return valid === 0 ? "mutation score: n/a (no mutants)" : `mutation score: ${((100 * (c.Killed + c.Timeout)) / valid).toFixed(1)}%`;
}
