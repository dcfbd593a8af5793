// Print the emergency kit: choose A4 or Letter and, only if wanted, a QR code of the key (with
// the warning next to it). The page goes to the browser's print dialog, which can save a PDF.
import { LitElement, css, html } from "lit";
import { property, state } from "lit/decorators.js";
import type { LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import { openPrintableKit } from "../../kit/print-window.js";
import { renderPrintableKit, type PaperSize } from "../../kit/print.js";
import type { KitFacts } from "../../kit/render.js";
import { dialogStyles, haStyles } from "../styles.js";
import { ClosedSignal } from "./closed-signal.js";

/** What `showPrintKitDialog` (show-dialog.ts) opens the dialog with. */
export interface PrintKitDialogParams {
  facts: KitFacts;
  localize: LocalizeFunc;
}

export class BkPrintKitDialog extends LitElement {
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  @state() private paper: PaperSize = "a4";
  @state() private qr = false;
  private facts: KitFacts | null = null;
  private readonly closing = new ClosedSignal<void>(undefined);

  static override styles = [
    haStyles,
    dialogStyles,
    css`
      dialog { --bk-dialog-width: 480px; }
      form { display: grid; gap: 12px; }
      label { display: flex; gap: 8px; align-items: center; }
      .actions { display: flex; justify-content: flex-end; gap: 8px; }
    `,
  ];

  /** For `showPrintKitDialog`: settles once the dialog is closed (printed or cancelled). */
  async showDialog(params: PrintKitDialogParams): Promise<void> {
    this.localize = params.localize;
    return this.closing.opening(
      () => this.open(params.facts),
      () => this.renderRoot.querySelector("dialog")?.open ?? false,
    );
  }

  /** Opens the options for this kit; the key is held only until the dialog closes. */
  async open(facts: KitFacts): Promise<void> {
    this.facts = facts;
    this.qr = false;
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector("dialog");
    if (dialog && !dialog.open) dialog.showModal();
  }

  private close(): void {
    this.facts = null;
    this.renderRoot.querySelector("dialog")?.close();
  }

  private async print(e: Event): Promise<void> {
    e.preventDefault();
    if (!this.facts) return;
    const page = await renderPrintableKit({ ...this.facts, localize: this.localize }, { paper: this.paper, includeQrCode: this.qr });
    this.close();
    openPrintableKit(page);
  }

  protected override render() {
    const t = this.localize;
    return html`<dialog aria-labelledby="print-title" @close=${() => {
      this.facts = null;
      this.closing.done();
    }}>
      <form @submit=${this.print}>
        <h2 id="print-title">${t("kit.print.action")}</h2>
        <label>${t("kit.print.paper")}
          <select @change=${(e: Event) => (this.paper = (e.target as HTMLSelectElement).value as PaperSize)}>
            <option value="a4" ?selected=${this.paper === "a4"}>${t("kit.print.paper_a4")}</option>
            <option value="letter" ?selected=${this.paper === "letter"}>${t("kit.print.paper_letter")}</option>
          </select>
        </label>
        <label><input type="checkbox" .checked=${this.qr} @change=${(e: Event) => (this.qr = (e.target as HTMLInputElement).checked)} />${t("kit.print.include_qr")}</label>
        <p class="secondary">${t("kit.print.include_qr_hint")}</p>
        <div class="actions">
          <button type="button" @click=${() => this.close()}>${t("flow.cancel")}</button>
          <button class="primary" type="submit">${t("kit.print.action")}</button>
        </div>
      </form>
    </dialog>`;
  }
}

if (!customElements.get("bk-print-kit-dialog")) customElements.define("bk-print-kit-dialog", BkPrintKitDialog);

declare global {
  interface HTMLElementTagNameMap {
    "bk-print-kit-dialog": BkPrintKitDialog;
  }
}
