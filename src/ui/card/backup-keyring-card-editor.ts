// The card's visual editor: HA calls setConfig with the current config and listens for
// `config-changed` with the new one. It never throws on a config: problems are shown next to the
// field, and an invalid value typed here is not sent on (the YAML keeps the last valid one).
import { LitElement, css, html, nothing } from "lit";
import { property, state } from "lit/decorators.js";
import { LocalizeController } from "../localize-controller.js";
import type { HassLike } from "../../data/hass.js";
import { haStyles } from "../styles.js";
import { DEFAULT_PANEL_PATH, checkCardConfig, isValidPanelPath, stubConfig, type CardConfig, type CardProblem } from "./card-config.js";
import { fireEvent } from "../../common/fire-event.js";

export class BackupKeyringCardEditor extends LitElement {
  @property({ attribute: false }) hass?: HassLike;
  @state() private config: CardConfig = stubConfig();
  /** Problems in the config HA gave us (from YAML) and in the panel path typed here. */
  @state() private problems: CardProblem[] = [];
  @state() private pathProblem = false;
  private readonly i18n = new LocalizeController(this);

  static override styles = [
    haStyles,
    css`
      form { display: grid; gap: var(--ha-space-3, 12px); }
      label { display: grid; gap: 4px; }
      .check { display: flex; gap: 8px; align-items: center; }
      .field-error { color: var(--bk-text-error); font-size: 0.875rem; margin: 0; }
      input[aria-invalid="true"] { border-color: var(--error-color, #b3261e); }
    `,
  ];

  setConfig(config: unknown): void {
    const checked = checkCardConfig(config);
    this.config = checked.config;
    this.problems = checked.problems;
    this.pathProblem = false;
  }

  protected override willUpdate(): void {
    this.i18n.use(this.hass?.language ?? this.hass?.locale?.language);
  }

  private changePath(value: string, commit: boolean): void {
    this.pathProblem = value !== "" && !isValidPanelPath(value.trim());
    if (commit && !this.pathProblem) this.change("panel_path", value.trim());
  }

  private change(key: keyof CardConfig, value: string | boolean): void {
    this.problems = this.problems.filter((p) => p.option !== key);
    const next: CardConfig = { ...this.config };
    const defaults: Partial<CardConfig> = { title: "", show_kit_button: true, show_panel_button: true, panel_path: DEFAULT_PANEL_PATH };
    // Options at their default are removed, so the YAML stays short.
    if (value === defaults[key] || value === "") delete next[key];
    else (next as unknown as Record<string, unknown>)[key] = value;
    this.config = next;
    fireEvent(this, "config-changed", { config: next });
  }

  protected override render() {
    if (!this.i18n.ready) return nothing;
    const t = this.i18n.localize;
    const c = this.config;
    const pathInvalid = this.pathProblem || this.problems.some((p) => p.option === "panel_path");
    const others = this.problems.filter((p) => p.option !== "panel_path");
    return html`<form @submit=${(e: Event) => e.preventDefault()}>
      ${
        others.length
          ? html`<div class="alert error" role="alert"><div>${others.map((p) => html`<p class="field-error">${t("card.editor.error.option", { option: p.option || "type" })}</p>`)}</div></div>`
          : nothing
      }
      <label>${t("card.editor.title")}
        <input name="title" .value=${c.title ?? ""} placeholder=${t("card.title")} @change=${(e: Event) => this.change("title", (e.target as HTMLInputElement).value)} />
      </label>
      <label class="check"><input name="show_kit_button" type="checkbox" .checked=${c.show_kit_button !== false}
        @change=${(e: Event) => this.change("show_kit_button", (e.target as HTMLInputElement).checked)} />${t("card.editor.show_kit_button")}</label>
      <label class="check"><input name="show_panel_button" type="checkbox" .checked=${c.show_panel_button !== false}
        @change=${(e: Event) => this.change("show_panel_button", (e.target as HTMLInputElement).checked)} />${t("card.editor.show_panel_button")}</label>
      <label>${t("card.editor.panel_path")}
        <input name="panel_path" .value=${c.panel_path ?? ""} placeholder=${DEFAULT_PANEL_PATH} aria-invalid=${pathInvalid ? "true" : "false"}
          aria-describedby=${pathInvalid ? "panel-path-error" : nothing}
          @input=${(e: Event) => this.changePath((e.target as HTMLInputElement).value, false)}
          @change=${(e: Event) => this.changePath((e.target as HTMLInputElement).value, true)} />
      </label>
      ${pathInvalid ? html`<p id="panel-path-error" class="field-error" role="alert">${t("card.editor.error.panel_path", { example: DEFAULT_PANEL_PATH })}</p>` : nothing}
    </form>`;
  }
}

if (!customElements.get("backup-keyring-card-editor")) customElements.define("backup-keyring-card-editor", BackupKeyringCardEditor);

declare global {
  interface HTMLElementTagNameMap {
    "backup-keyring-card-editor": BackupKeyringCardEditor;
  }
}

declare global {
  interface BkDomEvents {
    /** HA's card editor contract: the new config, sent on every valid change. */
    "config-changed": { config: CardConfig };
  }
}
