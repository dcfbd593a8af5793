// The virtualised table: 10 000 copies keep only a screenful of rows in the DOM; scrolling,
// filtering and sorting still reach every row.
import { expect } from "@esm-bundle/chai";
import "../../../src/ui/components/backup-table.js";
import type { BkBackupTable } from "../../../src/ui/components/backup-table.js";
import type { CopyRow } from "../../../src/ui/model/panel-model.js";
import { axeViolations } from "./a11y.js";

function rows(count: number): CopyRow[] {
  const start = Date.UTC(2020, 0, 1);
  return Array.from({ length: count }, (_, i) => ({
    id: `b${i}|backup.local`,
    backupId: `b${i}`,
    name: `Backup number ${i}`,
    date: new Date(start + i * 3_600_000).toISOString(),
    size: 1000 + i,
    agentId: "backup.local",
    agentName: "This system",
    protectedClaim: i % 3 !== 0,
    generation: i % 3 === 0 ? null : 1 + (i % 2),
    confidence: i % 3 === 0 ? "unencrypted" : "inferred",
    check: null,
    triedGenerations: [],
    triedCurrent: false,
    deleted: false,
  }));
}

let table: BkBackupTable;
afterEach(() => table?.remove());

const rendered = () => [...table.shadowRoot!.querySelectorAll<HTMLElement>(".row[data-id]")];
const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));

describe("virtualised backup table", () => {
  it("10 000 copies: few DOM rows, scroll reaches the oldest, filter finds one", async () => {
    table = document.createElement("bk-backup-table");
    table.withKeys = true;
    const t0 = performance.now();
    table.rows = rows(10_000);
    document.body.append(table);
    await table.updateComplete;
    console.log(`[bench] first render of 10 000 copies: ${(performance.now() - t0).toFixed(1)} ms, ${rendered().length} rows in DOM`);
    expect(rendered().length).to.be.greaterThan(5).and.lessThan(80);
    // Newest first by default.
    expect(rendered()[0]!.textContent).to.contain("Backup number 9999");
    expect(table.shadowRoot!.textContent).to.contain("10,000 copies");

    const scroller = table.shadowRoot!.querySelector<HTMLElement>(".scroller")!;
    const t1 = performance.now();
    scroller.scrollTop = scroller.scrollHeight;
    scroller.dispatchEvent(new Event("scroll"));
    await table.updateComplete;
    await frame();
    console.log(`[bench] jump to the end: ${(performance.now() - t1).toFixed(1)} ms`);
    expect(rendered().some((r) => r.textContent!.includes("Backup number 0"))).to.equal(true);
    expect(rendered().length).to.be.lessThan(80);

    const input = table.shadowRoot!.querySelector<HTMLInputElement>("#filter")!;
    input.value = "number 4242";
    input.dispatchEvent(new Event("input"));
    await table.updateComplete;
    expect(rendered().map((r) => r.dataset.id)).to.deep.equal(["b4242|backup.local"]);
    expect(table.shadowRoot!.textContent).to.contain("1 copy");
  });

  it("sorts by name and size from the column headers, with aria-sort", async () => {
    table = document.createElement("bk-backup-table");
    table.rows = rows(50);
    document.body.append(table);
    await table.updateComplete;
    const header = (label: string) => [...table.shadowRoot!.querySelectorAll<HTMLButtonElement>(".head button")].find((b) => b.textContent!.startsWith(label))!;
    header("Name").click();
    await table.updateComplete;
    expect(rendered()[0]!.textContent).to.contain("Backup number 0");
    expect(header("Name").parentElement!.getAttribute("aria-sort")).to.equal("ascending");
    header("Name").click();
    await table.updateComplete;
    expect(rendered()[0]!.textContent).to.contain("Backup number 9");
    expect(header("Name").parentElement!.getAttribute("aria-sort")).to.equal("descending");
    expect(await axeViolations(table)).to.deep.equal([]);
  });
});
