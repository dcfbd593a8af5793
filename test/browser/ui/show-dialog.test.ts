// Dialogs opened HA's way (show-dialog.ts): each module is loaded on first use, and the returned
// Promise settles when the dialog closes, or at once when it could not open (nothing to show), so
// a caller never waits forever.
import { expect } from "@esm-bundle/chai";
import { showDrillDialog, showKeyChangeDialog, showRestoreGuidanceDialog } from "../../../src/ui/dialogs/show-dialog.js";
import type { DrillDialogParams, KeyChangeDialogParams, RestoreGuidanceDialogParams } from "../../../src/ui/dialogs/show-dialog.js";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import type { GenerationRecord } from "../../../src/registry/model.js";
import { deepText, findButton, waitFor } from "../../support/browser-sim.js";

let host: HTMLElement;
beforeEach(() => {
  host = document.createElement("div");
  host.attachShadow({ mode: "open" });
  document.body.append(host);
});
afterEach(() => host.remove());

/** Whether a promise has settled, checked after the dialog has rendered (no timer involved). */
function tracked<T>(p: Promise<T>): { settled: () => boolean; value: () => T | undefined } {
  let done = false;
  let value: T | undefined;
  void p.then((v) => {
    done = true;
    value = v;
  });
  return { settled: () => done, value: () => value };
}

const generation = { id: "g1", number: 1, status: "active", kitProvenAt: null, kitDownloadedAt: null } as unknown as GenerationRecord;
const drillParams = (g: GenerationRecord | null): DrillDialogParams => ({
  localize: localizeEnglish,
  language: "en",
  timeZone: "UTC",
  generation: g as GenerationRecord,
  current: true,
  backups: 0,
  guessed: 0,
  judge: async () => ({ result: "wrong_kit" }) as never,
  downloadKit: null,
});

it("the drill dialog is loaded on first use and settles only once closed", async () => {
  expect(customElements.get("bk-drill-dialog"), "not loaded before it is shown").to.equal(undefined);
  const shown = tracked(showDrillDialog(host, drillParams(generation)));
  const dialog = await waitFor(() => host.shadowRoot!.querySelector("bk-drill-dialog"), "drill dialog");
  await waitFor(() => dialog.isOpen, "open");
  expect(deepText(dialog)).to.contain("Kit drill: do you still have the emergency kit?");
  await dialog.updateComplete;
  expect(shown.settled(), "still open").to.equal(false);
  findButton(dialog.shadowRoot!, "Close").click();
  await waitFor(() => shown.settled(), "settled on close");
});

it("a drill with nothing to drill does not open, and its promise settles at once", async () => {
  await showDrillDialog(host, drillParams(null));
  expect(host.shadowRoot!.querySelector("bk-drill-dialog")!.isOpen).to.equal(false);
});

it("restore guidance without guidance does not open, and its promise settles at once", async () => {
  const params = { localize: localizeEnglish, language: "en", timeZone: "UTC", guidance: null, copyable: new Set<string>(), locationName: (id: string) => id, copyKey: async () => null };
  await showRestoreGuidanceDialog(host, params as unknown as RestoreGuidanceDialogParams);
  expect(host.shadowRoot!.querySelector("bk-restore-guidance-dialog")!.isOpen).to.equal(false);
});

it("a key change that cannot start (no HA connection given) settles with no step instead of never", async () => {
  const step = await showKeyChangeDialog(host, { conn: null, registry: null, kit: null, localize: localizeEnglish, language: "en" } as unknown as KeyChangeDialogParams);
  expect(step).to.equal(null);
  expect(host.shadowRoot!.querySelector("bk-key-change-dialog")!.shadowRoot!.querySelector("dialog")!.open).to.equal(false);
});
