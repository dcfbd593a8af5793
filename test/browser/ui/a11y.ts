// axe-core is a UMD script: imported for its side effect, it sets `window.axe`.
import "axe-core";
import type { AxeResults } from "axe-core";

export async function axeViolations(el: Element): Promise<string[]> {
  const axe = (window as unknown as { axe: { run(el: Element): Promise<AxeResults> } }).axe;
  const res = await axe.run(el);
  return res.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
