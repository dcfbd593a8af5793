// On a phone the backup table shows date, name and location only; tapping a backup opens a sheet
// with the rest (generation, confidence, every location), Verify and How to restore; every dialog
// the panel opens fits at 320, 390 and 1280 px.
import { expect } from "@esm-bundle/chai";
import { setViewport } from "@web/test-runner-commands";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import "../../../src/ui/panel/backup-keyring-panel.js";
import { deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";
import { axeViolations } from "./a11y.js";
import { cutOff } from "./layout.js";
import { applyTheme } from "./themes.js";

let sim: BrowserSim;
let connection: Connection;
let panel: HTMLElement | null = null;
before(async () => {
  sim = await startSim({ backups: 4 });
  connection = await createConnection({ auth: createLongLivedTokenAuth(sim.url, sim.adminToken) });
});
after(async () => {
  connection.close();
  await sim.stop();
  await setViewport({ width: 800, height: 600 });
  document.documentElement.removeAttribute("style");
});
afterEach(() => panel?.remove());

it("390 px: a tapped backup opens its detail sheet, which can verify that copy", async () => {
  await setViewport({ width: 390, height: 844 });
  applyTheme("light");
  const p = document.createElement("backup-keyring-panel");
  panel = p;
  p.registryName = `bk-phone-sheet-${Date.now()}`;
  p.narrow = true;
  p.hass = { connection, language: "en", locale: { language: "en", time_zone: "server" }, user: { is_admin: true }, auth: { data: { hassUrl: sim.url } } };
  document.body.append(p);
  await waitFor(() => deepText(p).includes("Generation 1"), "registry folded in", 30000);
  const table = await waitFor(() => p.shadowRoot!.querySelector("bk-backup-table"), "table");
  // An encrypted copy whose generation is known: a fresh registry calls every copy's key unknown
  // until the panel's background check of the local copies proves them with the current key.
  // (The narrow table hides the encryption and key columns, but they are in the DOM.)
  const row = await waitFor(
    () => [...table.shadowRoot!.querySelectorAll(".row:not(.head)")].find((r) => / Encrypted/.test(` ${deepText(r)}`) && /Generation \d+ proven/.test(deepText(r.querySelectorAll(".cell")[5]!))),
    "a proven encrypted row to tap",
    30000,
  );
  const open = row.querySelector<HTMLButtonElement>("button.open")!;
  const name = open.textContent!.trim();
  const key = deepText(row.querySelectorAll(".cell")[5]!).trim();
  open.click();
  const sheet = await waitFor(() => table.shadowRoot!.querySelector<HTMLDialogElement>("dialog.sheet[open]"), "detail sheet");
  const text = deepText(sheet);
  expect(text).to.contain(name);
  expect(text, "the sheet shows the copy's generation and confidence").to.contain(key);
  expect(text).to.contain("Stored in");
  expect(cutOff(table.shadowRoot!, sheet)).to.deep.equal([]);
  expect(sheet.getBoundingClientRect().right).to.be.at.most(390);
  // Its actions can be seen and tapped (the table's phone rule once hid every button but the icons).
  for (const b of sheet.querySelectorAll("button")) {
    const r = b.getBoundingClientRect();
    expect(r.height, `${b.textContent!.trim()} is shown`).to.be.greaterThan(0);
    expect(r.bottom, `${b.textContent!.trim()} is on screen`).to.be.at.most(innerHeight);
  }
  expect(await axeViolations(sheet)).to.deep.equal([]);

  // The background check of the local copies is over: what follows is this copy's own check.
  await p.settled;
  const checks = async () => (await sim.control<{ type: string }[]>({ type: "command_log" })).filter((l) => l.type === "backup/can_decrypt_on_download").length;
  const before = await checks();
  findButton(sheet, "Verify").click();
  await waitFor(() => !sheet.open, "sheet closed");
  await waitFor(() => /\b1 copy checked: 1 proven/.test(deepText(p)), "that one copy verified", 30000);
  expect(await checks(), "one check asked of HA").to.equal(before + 1);
});

/** The open modal <dialog> anywhere under `root` (through shadow roots), with the root it sits in. */
function openDialog(root: ParentNode): { dialog: HTMLDialogElement; root: ParentNode } | null {
  for (const el of Array.from(root.querySelectorAll("*"))) {
    if (el instanceof HTMLDialogElement && el.open) return { dialog: el, root };
    if (el.shadowRoot) {
      const found = openDialog(el.shadowRoot);
      if (found) return found;
    }
  }
  return null;
}

for (const width of [320, 390, 1280]) {
  it(`${width} px: the load-kit, print, drill and restore dialogs fit the screen, nothing cut off`, async () => {
    await setViewport({ width, height: 700 });
    applyTheme("light");
    const p = document.createElement("backup-keyring-panel");
    panel = p;
    p.registryName = `bk-phone-dialogs-${width}-${Date.now()}`;
    p.narrow = width < 870;
    p.hass = { connection, language: "en", locale: { language: "en", time_zone: "server" }, user: { is_admin: true }, auth: { data: { hassUrl: sim.url } } };
    document.body.append(p);
    await waitFor(() => deepText(p).includes("Generation 1"), "registry folded in", 30000);
    const table = p.shadowRoot!.querySelector("bk-backup-table")!;
    for (const label of ["Load an old kit or key…", "Print emergency kit", "Test my kit", "How to restore"]) {
      if (label !== "How to restore") findButton(p.shadowRoot!, label).click();
      else if (width >= 870) [...table.shadowRoot!.querySelectorAll("button")].find((b) => b.getAttribute("aria-label")?.startsWith(label))!.click();
      else {
        // On a phone: from a row's detail sheet.
        table.shadowRoot!.querySelector<HTMLButtonElement>("button.open")!.click();
        const sheet = await waitFor(() => table.shadowRoot!.querySelector<HTMLDialogElement>("dialog.sheet[open]"), "detail sheet");
        findButton(sheet, label).click();
        await waitFor(() => !sheet.open, "sheet closed");
      }
      const { dialog, root } = await waitFor(() => openDialog(p.shadowRoot!) ?? openDialog(document.body), `${label} dialog`);
      const box = dialog.getBoundingClientRect();
      expect(box.left, `${label}: left edge on screen`).to.be.at.least(0);
      expect(box.right, `${label}: right edge on screen`).to.be.at.most(width);
      expect(box.bottom, `${label}: bottom edge on screen`).to.be.at.most(700);
      expect(cutOff(root, dialog), label).to.deep.equal([]);
      dialog.close();
      await waitFor(() => !openDialog(p.shadowRoot!) && !openDialog(document.body), `${label} closed`);
    }
  });
}
