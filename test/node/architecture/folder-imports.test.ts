// Folders show the architecture: no folder imports back into one that imports it (ui/components ↔
// ui/panel, ui/dialogs ↔ ui/panel, tar ↔ backup-file were such pairs), and the card, which HA loads
// on every dashboard, imports nothing from the panel.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { it } from "node:test";

const root = resolve(import.meta.dirname, "../../..");
const src = join(root, "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** folder → folder, with one file pair that makes each edge (for the failure message). */
function folderEdges(): Map<string, string> {
  const edges = new Map<string, string>();
  for (const file of files(src)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import\()\s*"(\.[^"]+)"/g)) {
      const target = resolve(dirname(file), m[1]!);
      const a = relative(root, dirname(file));
      const b = relative(root, dirname(target));
      if (a !== b && !edges.has(`${a} -> ${b}`)) edges.set(`${a} -> ${b}`, `${relative(root, file)} -> ${relative(root, target)}`);
    }
  }
  return edges;
}

it("no two folders import each other", () => {
  const edges = folderEdges();
  const both = [...edges.keys()].filter((e) => {
    const [a, b] = e.split(" -> ");
    return a! < b! && edges.has(`${b} -> ${a}`);
  });
  assert.deepEqual(
    both.map((e) => `${e}: ${edges.get(e)} / ${edges.get(e.split(" -> ").reverse().join(" -> "))}`),
    [],
  );
});

it("the card imports nothing from the panel", () => {
  const fromCard = [...folderEdges().entries()].filter(([e]) => e.startsWith("src/ui/card -> src/ui/panel"));
  assert.deepEqual(fromCard, []);
});
