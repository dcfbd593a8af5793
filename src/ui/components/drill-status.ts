// The kit drill at a glance, under the overview: when the current key's kit was last proven, when
// the next drill is due, and — on request — a drill for each older generation whose backups still
// exist ("do you still have generation 2's kit? 14 backups need it"). Buttons ask the panel to
// open the drill dialog (`drill-request`, detail: generation id).
import { css, html, nothing } from "lit";
import { property } from "lit/decorators.js";
import { drillStatus, olderGenerationDrills } from "../../flows/drill.js";
import { drillStatusLine } from "../drill-text.js";
import type { GenerationRecord } from "../../registry/model.js";
import { formatDateTime } from "../model/panel-model.js";
import { haStyles } from "../styles.js";
import { KeyringView } from "./keyring-view.js";

export class BkDrillStatus extends KeyringView {
  @property({ attribute: false }) active: GenerationRecord | null = null;
  /** Months between drills (0 = off). */
  @property({ type: Number }) months = 6;
  @property({ attribute: false }) now: Date = new Date();

  static override styles = [
    haStyles,
    css`
      :host { display: block; }
      .warn { color: var(--bk-text-warning); font-weight: 500; }
      .row { display: flex; gap: var(--ha-space-3, 12px); align-items: center; flex-wrap: wrap; }
      .row p { margin: 0; flex: 1; min-width: 12rem; }
      ul { list-style: none; margin: var(--ha-space-3, 12px) 0 0; padding: 0; display: grid; gap: var(--ha-space-2, 8px); }
    `,
  ];

  private request(generationId: string): void {
    this.dispatchEvent(new CustomEvent("drill-request", { detail: generationId, bubbles: true, composed: true }));
  }

  protected override render() {
    const t = this.localize;
    const g = this.active;
    const older = olderGenerationDrills(this.generations, this.copies);
    if (!g && older.length === 0) return nothing;
    const s = g ? drillStatus(g, this.months, this.now, this.timeZone) : null;
    const line = s ? drillStatusLine(s, this.language, this.timeZone) : null;
    const warn = s?.state === "due" || s?.state === "never";
    return html`<section class="card" aria-labelledby="drill-title">
      <h2 id="drill-title">${t("drill.status.label")}</h2>
      ${
        g && line
          ? html`<div class="row">
            <p data-testid="drill-status" class=${warn ? "warn" : ""}>${t(line.key, line.params)}</p>
            <button class=${warn ? "primary" : ""} @click=${() => this.request(g.id)}>${t("drill.start")}</button>
          </div>`
          : nothing
      }
      ${
        older.length
          ? html`<ul data-testid="older-drills">
            ${older.map(
              (o) => html`<li class="row">
              <p>${t("drill.older.ask", { generation: o.generation.number, count: o.backups })}
                ${o.guessed > 0 ? t("drill.older.guessed", { count: o.guessed }) : nothing}
                ${o.generation.kitProvenAt ? html`<span class="secondary">(${t("restore.kit.proven", { generation: o.generation.number, date: formatDateTime(o.generation.kitProvenAt, this.language, this.timeZone) })})</span>` : nothing}</p>
              <button @click=${() => this.request(o.generation.id)}>${t("drill.older.button", { generation: o.generation.number })}</button>
            </li>`,
            )}
          </ul>`
          : nothing
      }
    </section>`;
  }
}

if (!customElements.get("bk-drill-status")) customElements.define("bk-drill-status", BkDrillStatus);

declare global {
  interface HTMLElementTagNameMap {
    "bk-drill-status": BkDrillStatus;
  }
}
