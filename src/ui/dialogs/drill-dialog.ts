// The kit drill dialog: load the kit file (or paste it) or, for HA's current key, type one group
// of the key chosen at random — only its position is shown. The owner judges the answer (`judge`)
// and records a pass; this element keeps nothing it was given once it closes or says "wrong".
import { LitElement, css, html, nothing } from "lit";
import { property, query, state } from "lit/decorators.js";
import { type LocalizeFunc, keyIn } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import { chooseDrillGroup, type DrillAnswer, type DrillOutcome } from "../../flows/drill.js";
import { MAX_KIT_BYTES } from "../../kit/parse.js";
import { RegistryError, type GenerationRecord } from "../../registry/model.js";
import { formatDateTime } from "../../common/datetime.js";
import { dialogStyles, haStyles } from "../styles.js";
import { ClosedSignal } from "./closed-signal.js";

/** For `showDrillDialog` (show-dialog.ts). */
export interface DrillDialogParams {
  localize: LocalizeFunc;
  language: string;
  timeZone: string | undefined;
  generation: GenerationRecord;
  current: boolean;
  backups: number;
  guessed: number;
  judge: (answer: DrillAnswer) => Promise<DrillOutcome>;
  downloadKit: (() => Promise<void>) | null;
}

export class BkDrillDialog extends LitElement {
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  @property() language = "en";
  @property() timeZone?: string;
  /** The generation whose kit is drilled. */
  @property({ attribute: false }) generation: GenerationRecord | null = null;
  /** HA's current key: a group can be typed, and a lost kit can be downloaded again. */
  @property({ type: Boolean }) current = false;
  /** Backups that need this generation's key (said for older generations). */
  @property({ type: Number }) backups = 0;
  /** Of those, the ones only dated into its period (said as a guess). */
  @property({ type: Number }) guessed = 0;
  /** Judges an answer and records a pass (the panel's session). */
  @property({ attribute: false }) judge: ((answer: DrillAnswer) => Promise<DrillOutcome>) | null = null;
  /** Downloads the current key's kit again (offered after a failed drill of the current key). */
  @property({ attribute: false }) downloadKit: (() => Promise<void>) | null = null;

  @state() private group = 1;
  @state() private text = "";
  @state() private typed = "";
  @state() private busy = false;
  @state() private outcome: DrillOutcome | { result: "error"; message: string } | null = null;
  @state() private passedAt: string | null = null;
  @query("dialog") private dialog!: HTMLDialogElement;
  private opener: HTMLElement | null = null;
  private readonly closing = new ClosedSignal<void>(undefined);

  /** For `showDrillDialog`: settles once the dialog is closed (also when it could not open). */
  async showDialog(params: DrillDialogParams): Promise<void> {
    Object.assign(this, params);
    return this.closing.openingRendered(this);
  }

  static override styles = [
    haStyles,
    dialogStyles,
    css`
      /* No box of its own: a closed dialog must not add a gap to the panel's grid. */
      :host { display: contents; }
      dialog { --bk-dialog-width: 38rem; }
      h3 { margin: var(--ha-space-4, 16px) 0 var(--ha-space-2, 8px); font-size: 1rem; font-weight: 500; }
      textarea { width: 100%; box-sizing: border-box; min-height: 5rem; font: 0.95rem monospace; color: inherit;
        background: var(--card-background-color, #fff); border: 1px solid var(--divider-color, #999); border-radius: 4px; padding: 8px; }
      .group { font: 1.1rem monospace; width: 7em; text-transform: uppercase; letter-spacing: 0.1em; }
      .row { display: flex; gap: var(--ha-space-2, 8px); align-items: center; flex-wrap: wrap; }
      .buttons { display: flex; gap: var(--ha-space-2, 8px); justify-content: flex-end; margin-top: var(--ha-space-4, 16px); flex-wrap: wrap; }
      label { display: block; margin: var(--ha-space-2, 8px) 0 4px; }
    `,
  ];

  open(): void {
    // No generation to drill, or already open: not opened (showDialog then settles at once).
    if (!this.generation || !this.dialog || this.dialog.open) return;
    this.opener = (document.activeElement as HTMLElement | null) ?? null;
    this.reset();
    this.group = chooseDrillGroup();
    this.dialog.showModal();
  }

  close(): void {
    this.reset();
    if (this.dialog?.open) this.dialog.close();
  }

  get isOpen(): boolean {
    return this.dialog?.open ?? false;
  }

  private reset(): void {
    this.text = "";
    this.typed = "";
    this.outcome = null;
    this.passedAt = null;
    this.busy = false;
  }

  private async submit(answer: DrillAnswer): Promise<void> {
    if (!this.judge || this.busy) return;
    this.busy = true;
    try {
      const outcome = await this.judge(answer);
      this.outcome = outcome;
      if (outcome.result === "passed") this.passedAt = new Date().toISOString();
    } catch (err) {
      // The answer was judged here; only recording it failed (a full disk, the generation gone
      // meanwhile, the panel closed): nothing was recorded, and the message says why.
      const message = err instanceof RegistryError ? this.localize(keyIn("errors.registry", err.code), err.params) : this.localize("drill.fail.not_recorded");
      this.outcome = { result: "error", message };
    } finally {
      // A wrong answer is not kept on screen either: the next try starts empty.
      this.text = "";
      this.typed = "";
      this.busy = false;
    }
  }

  private async pickFile(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    if (file.size > MAX_KIT_BYTES) {
      this.outcome = { result: "unreadable", code: "too_large" };
      return;
    }
    await this.submit({ method: "file", text: await file.text() });
  }

  private failureText(o: Exclude<DrillOutcome, { result: "passed" }>): string {
    const t = this.localize;
    const target = this.generation?.number ?? 0;
    switch (o.result) {
      case "other_generation":
        return t("drill.fail.other_generation", { generation: o.generation, target });
      case "wrong_kit":
        return t("drill.fail.wrong_kit", { target });
      case "wrong_group":
        return t("drill.fail.wrong_group", { group: o.group });
      case "unreadable":
        return t(`errors.kit.${o.code}`);
      case "group_unavailable":
        return t("drill.fail.group_unavailable");
    }
  }

  private renderOutcome() {
    const t = this.localize;
    const o = this.outcome;
    if (!o) return nothing;
    if (o.result === "passed") {
      return html`<div class="alert success" role="status" data-testid="drill-result"><div>${t("drill.passed", {
        generation: o.generation,
        date: formatDateTime(this.passedAt ?? new Date().toISOString(), this.language, this.timeZone),
      })}</div></div>`;
    }
    const message = o.result === "error" ? o.message : this.failureText(o);
    const n = this.generation?.number ?? 0;
    return html`<div class="alert error" role="alert" data-testid="drill-result">
      <div>
        <p>${message}</p>
        <p>${this.current ? t("drill.advice.current") : t("drill.advice.older", { generation: n })}</p>
        <div class="row">
          ${this.current && this.downloadKit ? html`<button class="primary" @click=${() => this.downloadKit?.()}>${t("drill.download_again")}</button>` : nothing}
          <button @click=${() => (this.outcome = null)}>${t("drill.try_again")}</button>
        </div>
      </div>
    </div>`;
  }

  private renderForm() {
    const t = this.localize;
    return html`
      <h3>${t("drill.method.file")}</h3>
      <label for="drill-file">${t("drill.file")}</label>
      <input id="drill-file" type="file" accept=".txt,text/plain" ?disabled=${this.busy} @change=${this.pickFile} />
      <label for="drill-text">${t("drill.paste")}</label>
      <textarea id="drill-text" spellcheck="false" autocomplete="off" .value=${this.text}
        @input=${(e: Event) => (this.text = (e.target as HTMLTextAreaElement).value)}></textarea>
      <div class="row"><button ?disabled=${this.busy || !this.text.trim()} @click=${() => this.submit({ method: "file", text: this.text })}>${t("drill.check_file")}</button></div>
      ${
        this.current
          ? html`<h3>${t("drill.method.group")}</h3>
            <label for="drill-group">${t("drill.group_label", { group: this.group })}</label>
            <p class="secondary" id="drill-group-hint">${t("drill.group_hint", { group: this.group })}</p>
            <div class="row">
              <input id="drill-group" class="group" maxlength="9" spellcheck="false" autocomplete="off" autocapitalize="characters"
                aria-describedby="drill-group-hint" .value=${this.typed}
                @input=${(e: Event) => (this.typed = (e.target as HTMLInputElement).value)}
                @keydown=${(e: KeyboardEvent) => {
                  if (e.key === "Enter" && this.typed.trim()) void this.submit({ method: "group", group: this.group, typed: this.typed });
                }} />
              <button ?disabled=${this.busy || !this.typed.trim()} @click=${() => this.submit({ method: "group", group: this.group, typed: this.typed })}>${t("drill.check_group")}</button>
            </div>`
          : nothing
      }
    `;
  }

  protected override render() {
    const t = this.localize;
    const g = this.generation;
    const passed = this.outcome?.result === "passed";
    const failed = this.outcome !== null && !passed;
    return html`<dialog aria-labelledby="drill-title" @close=${() => {
      this.reset();
      this.opener?.focus();
      this.closing.done();
    }}>
      <h2 id="drill-title">${t("drill.title")}</h2>
      ${
        g
          ? html`<p>${this.current ? t("drill.intro.current", { generation: g.number }) : `${t("drill.intro.older", { generation: g.number, count: this.backups })}${this.guessed > 0 ? ` ${t("drill.older.guessed", { count: this.guessed })}` : ""} ${t("drill.intro.older_how")}`}</p>
            <div aria-live="polite">${this.renderOutcome()}</div>
            ${passed || failed ? nothing : this.renderForm()}`
          : nothing
      }
      <div class="buttons"><button @click=${() => this.close()}>${t("drill.close")}</button></div>
    </dialog>`;
  }
}

if (!customElements.get("bk-drill-dialog")) customElements.define("bk-drill-dialog", BkDrillDialog);

declare global {
  interface HTMLElementTagNameMap {
    "bk-drill-dialog": BkDrillDialog;
  }
}
