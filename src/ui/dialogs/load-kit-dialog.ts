// A modal for loading an old emergency kit or typing an old encryption key. Native <dialog>:
// the browser traps focus, Escape closes it, and focus returns to the button that opened it.
import { LitElement, css, html, nothing } from "lit";
import { property, query, state } from "lit/decorators.js";
import type { LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import { MAX_KIT_BYTES } from "../../kit/parse.js";
import { dialogStyles, haStyles } from "../styles.js";
import { ClosedSignal } from "./closed-signal.js";

/** For `showLoadKitDialog` (src/ui/dialogs/show-dialog.ts). */
export interface LoadKitDialogParams {
  localize: LocalizeFunc;
  /** Loads the text; resolves with a translated error to show, or null when done (the dialog then closes). */
  submit: (text: string) => Promise<string | null>;
}

export class BkLoadKitDialog extends LitElement {
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  /** Set by the owner after a failed load (a translated message, never the text itself). */
  @property() error = "";
  @state() private busy = false;
  @state() private text = "";
  @query("dialog") private dialog!: HTMLDialogElement;
  private opener: HTMLElement | null = null;
  private params: LoadKitDialogParams | null = null;
  private readonly closing = new ClosedSignal<void>(undefined);

  /** For `showLoadKitDialog`: the text goes to `params.submit`; settles once the dialog is closed. */
  async showDialog(params: LoadKitDialogParams): Promise<void> {
    this.params = params;
    this.localize = params.localize;
    return this.closing.openingRendered(this);
  }

  static override styles = [
    haStyles,
    dialogStyles,
    css`
      dialog { --bk-dialog-width: 36rem; }
      textarea { width: 100%; box-sizing: border-box; min-height: 8rem; font: 0.95rem monospace; color: inherit;
        background: var(--card-background-color, #fff); border: 1px solid var(--divider-color, #999); border-radius: 4px; padding: 8px; }
      .buttons { display: flex; gap: var(--ha-space-2, 8px); justify-content: flex-end; margin-top: var(--ha-space-4, 16px); }
      label { display: block; margin: var(--ha-space-2, 8px) 0 4px; }
    `,
  ];

  open(): void {
    if (!this.dialog || this.dialog.open) return;
    // The opener may sit in a shadow root: follow activeElement down to the real button.
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    this.opener = (active as HTMLElement | null) ?? null;
    this.text = "";
    this.error = "";
    this.dialog.showModal();
  }

  close(): void {
    this.text = "";
    if (this.dialog.open) this.dialog.close();
  }

  get isOpen(): boolean {
    return this.dialog?.open ?? false;
  }

  private async pickFile(e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0];
    (e.target as HTMLInputElement).value = "";
    if (!file) return;
    if (file.size > MAX_KIT_BYTES) {
      this.error = this.localize("errors.kit.too_large");
      return;
    }
    this.submitText(await file.text());
  }

  private async submitText(text: string): Promise<void> {
    if (!this.params) return;
    this.busy = true;
    try {
      const error = await this.params.submit(text);
      if (error === null) this.close();
      else this.error = error;
    } finally {
      this.busy = false;
    }
  }

  protected override render() {
    const t = this.localize;
    return html`<dialog aria-labelledby="load-title" @close=${() => {
      this.text = "";
      this.opener?.focus();
      this.closing.done();
    }}>
      <h2 id="load-title">${t("panel.load.title")}</h2>
      <p class="secondary">${t("panel.load.description")}</p>
      <label for="kit-file">${t("panel.load.file")}</label>
      <input id="kit-file" type="file" accept=".txt,text/plain" @change=${this.pickFile} />
      <label for="kit-text">${t("panel.load.text")}</label>
      <textarea id="kit-text" spellcheck="false" autocomplete="off" .value=${this.text}
        @input=${(e: Event) => (this.text = (e.target as HTMLTextAreaElement).value)}></textarea>
      ${this.error ? html`<div class="alert error" role="alert"><div>${this.error}</div></div>` : nothing}
      <div class="buttons">
        <button @click=${() => this.close()}>${t("common.cancel")}</button>
        <button class="primary" ?disabled=${this.busy || !this.text.trim()} @click=${() => this.submitText(this.text)}>${t("panel.load.load")}</button>
      </div>
    </dialog>`;
  }
}

if (!customElements.get("bk-load-kit-dialog")) customElements.define("bk-load-kit-dialog", BkLoadKitDialog);

declare global {
  interface HTMLElementTagNameMap {
    "bk-load-kit-dialog": BkLoadKitDialog;
  }
}
