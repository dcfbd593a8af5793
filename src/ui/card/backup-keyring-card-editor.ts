// The card's visual editor: HA calls setConfig with the current config and listens for
// `config-changed` with the new one.
import { LitElement, css, html } from "lit";
import { property, state } from "lit/decorators.js";
import { LocalizeController } from "../localize-controller.js";
import type { HassLike } from "../panel/backup-keyring-panel.js";
import { haStyles } from "../styles.js";
import { DEFAULT_PANEL_PATH, stubConfig, validateCardConfig, type CardConfig } from "./card-config.js";

export class BackupKeyringCardEditor extends LitElement {
  @property({ attribute: false }) hass?: HassLike;
  @state() config: CardConfig = stubConfig();
  private readonly i18n = new LocalizeController(this);

  static override styles = [
    haStyles,
    css`
      form { display: grid; gap: var(--ha-space-3, 12px); }
      label { display: grid; gap: 4px; }
      .check { display: flex; gap: 8px; align-items: center; }
    `,
  ];

  setConfig(config: unknown): void {
    this.config = validateCardConfig(config);
  }

  protected override willUpdate(): void {
    this.i18n.use(this.hass?.language ?? this.hass?.locale?.language);
  }

  private change(key: keyof CardConfig, value: string | boolean): void {
    const next: CardConfig = { ...this.config };
    const defaults: Partial<CardConfig> = { title: "", show_kit_button: true, show_panel_button: true, panel_path: DEFAULT_PANEL_PATH };
    // Options at their default are removed, so the YAML stays short.
    if (value === defaults[key] || value === "") delete next[key];
    else (next as unknown as Record<string, unknown>)[key] = value;
    this.config = next;
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config: next }, bubbles: true, composed: true }));
  }

  protected override render() {
    const t = this.i18n.localize;
    const c = this.config;
    return html`<form @submit=${(e: Event) => e.preventDefault()}>
      <label>${t("card.editor.title")}
        <input name="title" .value=${c.title ?? ""} placeholder=${t("card.title")} @change=${(e: Event) => this.change("title", (e.target as HTMLInputElement).value)} />
      </label>
      <label class="check"><input name="show_kit_button" type="checkbox" .checked=${c.show_kit_button !== false}
        @change=${(e: Event) => this.change("show_kit_button", (e.target as HTMLInputElement).checked)} />${t("card.editor.show_kit_button")}</label>
      <label class="check"><input name="show_panel_button" type="checkbox" .checked=${c.show_panel_button !== false}
        @change=${(e: Event) => this.change("show_panel_button", (e.target as HTMLInputElement).checked)} />${t("card.editor.show_panel_button")}</label>
      <label>${t("card.editor.panel_path")}
        <input name="panel_path" .value=${c.panel_path ?? ""} placeholder=${DEFAULT_PANEL_PATH} @change=${(e: Event) => this.change("panel_path", (e.target as HTMLInputElement).value)} />
      </label>
    </form>`;
  }
}

if (!customElements.get("backup-keyring-card-editor")) customElements.define("backup-keyring-card-editor", BackupKeyringCardEditor);

declare global {
  interface HTMLElementTagNameMap {
    "backup-keyring-card-editor": BackupKeyringCardEditor;
  }
}
