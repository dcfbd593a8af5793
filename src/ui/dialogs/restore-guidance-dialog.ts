// "How to restore" for one backup: which generation opens it, whether that kit was proven and
// when, Home Assistant's restore steps with the kit's file name, and — when the key is held now
// (HA's current key, a kit loaded this session, or the unlocked vault) — a copy button. The key is
// fetched only on click (`copyKey`) and never rendered.
import { LitElement, css, html, nothing } from "lit";
import { property, query, state } from "lit/decorators.js";
import { type LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import type { GuidanceLine, RestoreGuidance } from "../../flows/restore-guidance.js";
import { formatDateTime } from "../../common/datetime.js";
import { dialogStyles, haStyles } from "../styles.js";
import { guidanceLine } from "../components/guidance-line.js";
import { ClosedSignal } from "./closed-signal.js";

const CLIPBOARD_CLEAR_MS = 60_000;

/** For `showRestoreGuidanceDialog` (show-dialog.ts). */
export interface RestoreGuidanceDialogParams {
  localize: LocalizeFunc;
  language: string;
  timeZone: string | undefined;
  guidance: RestoreGuidance;
  locationName: (agentId: string) => string;
  copyable: ReadonlySet<string>;
  copyKey: (generationId: string) => Promise<string | null>;
}

export class BkRestoreGuidanceDialog extends LitElement {
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  @property() language = "en";
  @property() timeZone?: string;
  @property({ attribute: false }) guidance: RestoreGuidance | null = null;
  /** Location names for agent ids. */
  @property({ attribute: false }) locationName: (agentId: string) => string = (id) => id;
  /** Generations whose key can be copied now. */
  @property({ attribute: false }) copyable: ReadonlySet<string> = new Set();
  /** Fetches a generation's key (only on click) — null when it is not held any more. */
  @property({ attribute: false }) copyKey: ((generationId: string) => Promise<string | null>) | null = null;
  @state() private copied: number | null = null;
  @query("dialog") private dialog!: HTMLDialogElement;
  private opener: HTMLElement | null = null;
  private clipboardTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly closing = new ClosedSignal<void>(undefined);

  /** For `showRestoreGuidanceDialog`: settles once the dialog is closed (also when it could not open). */
  async showDialog(params: RestoreGuidanceDialogParams): Promise<void> {
    Object.assign(this, params);
    return this.closing.openingRendered(this);
  }

  static override styles = [
    haStyles,
    dialogStyles,
    css`
      /* No box of its own: a closed dialog must not add a gap to the panel's grid. */
      :host { display: contents; }
      dialog { --bk-dialog-width: 40rem; }
      section { border-top: 1px solid var(--divider-color, #ddd); padding-top: var(--ha-space-3, 12px); margin-top: var(--ha-space-3, 12px); }
      ol { padding-inline-start: 1.2em; margin: var(--ha-space-2, 8px) 0; display: grid; gap: 6px; }
      .buttons { display: flex; gap: var(--ha-space-2, 8px); justify-content: flex-end; margin-top: var(--ha-space-4, 16px); flex-wrap: wrap; }
      code { word-break: break-all; }
    `,
  ];

  open(): void {
    // Nothing to show: not opened (showDialog then settles at once).
    if (!this.guidance || !this.dialog || this.dialog.open) return;
    this.opener = (document.activeElement as HTMLElement | null) ?? null;
    this.copied = null;
    this.dialog.showModal();
  }

  close(): void {
    if (this.dialog?.open) this.dialog.close();
  }

  get isOpen(): boolean {
    return this.dialog?.open ?? false;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.clipboardTimer) clearTimeout(this.clipboardTimer);
  }

  private async copy(generationId: string, generation: number): Promise<void> {
    const key = await this.copyKey?.(generationId);
    if (!key) return;
    try {
      await navigator.clipboard.writeText(key);
      this.copied = generation;
      if (this.clipboardTimer) clearTimeout(this.clipboardTimer);
      // Clear the clipboard later, but only if it still holds this key (reading may be refused).
      this.clipboardTimer = setTimeout(async () => {
        this.copied = null;
        try {
          if ((await navigator.clipboard.readText()) === key) await navigator.clipboard.writeText("");
        } catch {
          // No permission to read the clipboard: leave it alone.
        }
      }, CLIPBOARD_CLEAR_MS);
    } catch {
      this.copied = null;
    }
  }

  private line(l: GuidanceLine) {
    return guidanceLine(l, this.localize, this.language, this.timeZone);
  }

  protected override render() {
    const t = this.localize;
    const g = this.guidance;
    return html`<dialog aria-labelledby="restore-title" @close=${() => {
      this.opener?.focus();
      this.closing.done();
    }}>
      ${
        g
          ? html`<h2 id="restore-title">${t("restore.title", { name: g.name })}</h2>
            <p class="secondary">${formatDateTime(g.date, this.language, this.timeZone)}</p>
            ${g.options.map(
              (o) => html`<section data-testid="restore-option">
              <p class="secondary">${t("restore.locations", { locations: o.locations.map((a) => this.locationName(a)).join(", ") })}</p>
              <ol>${o.lines.map((l) => this.line(l))}</ol>
              ${
                o.generationId !== null && o.generation !== null
                  ? this.copyable.has(o.generationId)
                    ? html`<button @click=${() => this.copy(o.generationId!, o.generation!)}>${t("restore.copy_key", { generation: o.generation })}</button>
                      ${this.copied === o.generation ? html`<p class="secondary" role="status">${t("restore.copied")}</p>` : nothing}`
                    : html`<p class="secondary">${t("restore.unlock_hint")}</p>`
                  : nothing
              }
            </section>`,
            )}`
          : nothing
      }
      <div class="buttons"><button @click=${() => this.close()}>${t("drill.close")}</button></div>
    </dialog>`;
  }
}

if (!customElements.get("bk-restore-guidance-dialog")) customElements.define("bk-restore-guidance-dialog", BkRestoreGuidanceDialog);

declare global {
  interface HTMLElementTagNameMap {
    "bk-restore-guidance-dialog": BkRestoreGuidanceDialog;
  }
}
