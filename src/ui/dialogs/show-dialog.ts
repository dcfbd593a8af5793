// Dialogs are opened HA's way (`show-dialog-*.ts`): a small helper imports the dialog's module on
// first use, puts one element of it into the host's shadow root (reused on the next call) and
// returns a Promise that settles when the dialog closes. So no dialog code is in the module HA
// loads on every dashboard, nor even in the panel's own chunk.
import type { DrillDialogParams } from "./drill-dialog.js";
import type { KeyChangeDialogParams } from "./key-change-dialog.js";
import type { LoadKitDialogParams } from "./load-kit-dialog.js";
import type { PrintKitDialogParams } from "./print-kit-dialog.js";
import type { RestoreGuidanceDialogParams } from "./restore-guidance-dialog.js";

export type { DrillDialogParams, KeyChangeDialogParams, LoadKitDialogParams, PrintKitDialogParams, RestoreGuidanceDialogParams };

/**
 * What a lazily shown dialog element offers: open with parameters, settle with a result on close,
 * and settle at once when it did not open (nothing to show, already open), so no caller waits forever.
 */
export interface ShowableDialog<P, R> extends HTMLElement {
  showDialog(params: P): Promise<R>;
}

export async function showDialog<P, R>(host: HTMLElement, tag: string, load: () => Promise<unknown>, params: P): Promise<R> {
  await load();
  const root = host.shadowRoot ?? host;
  let dialog = root.querySelector<ShowableDialog<P, R>>(tag);
  if (!dialog) {
    dialog = document.createElement(tag) as ShowableDialog<P, R>;
    root.append(dialog);
  }
  return dialog.showDialog(params);
}

/** Resolves with the step the flow ended in ("done", "aborted", …) once the dialog is closed. */
export const showKeyChangeDialog = (host: HTMLElement, params: KeyChangeDialogParams): Promise<string | null> =>
  showDialog(host, "bk-key-change-dialog", () => import("./key-change-dialog.js"), params);

export const showPrintKitDialog = (host: HTMLElement, params: PrintKitDialogParams): Promise<void> => showDialog(host, "bk-print-kit-dialog", () => import("./print-kit-dialog.js"), params);

export const showLoadKitDialog = (host: HTMLElement, params: LoadKitDialogParams): Promise<void> => showDialog(host, "bk-load-kit-dialog", () => import("./load-kit-dialog.js"), params);

export const showDrillDialog = (host: HTMLElement, params: DrillDialogParams): Promise<void> => showDialog(host, "bk-drill-dialog", () => import("./drill-dialog.js"), params);

export const showRestoreGuidanceDialog = (host: HTMLElement, params: RestoreGuidanceDialogParams): Promise<void> =>
  showDialog(host, "bk-restore-guidance-dialog", () => import("./restore-guidance-dialog.js"), params);
