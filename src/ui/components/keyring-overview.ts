// The panel's overview: the current key generation, its fingerprint and age, whether its kit was
// downloaded or proven saved, when the newest backup was last proven, and plain sentences on
// whether every backup opens with keys the user holds (proven, probably (not checked), unknown).
import { css, html, nothing } from "lit";
import { property } from "lit/decorators.js";
import { displayFingerprint } from "../../keys/fingerprint.js";
import type { GenerationRecord } from "../../registry/model.js";
import { ageInDays, inUseSince, keyringStatus, kitState, newestBackupCheck, overviewLines } from "../model/keyring-model.js";
import { formatDateTime } from "../../common/datetime.js";
import { haStyles } from "../styles.js";
import { KeyringView } from "./keyring-view.js";

export class BkKeyringOverview extends KeyringView {
  @property({ attribute: false }) active: GenerationRecord | null = null;
  @property({ attribute: false }) now: Date = new Date();

  static override styles = [
    haStyles,
    css`
      :host { display: block; }
      .status { font-size: 1.1rem; margin: 0 0 var(--ha-space-2, 8px); }
      .status + dl { margin-top: var(--ha-space-3, 12px); }
      dl { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: var(--ha-space-3, 12px); margin: 0; }
      dt { color: var(--secondary-text-color, #5e5e5e); font-size: 0.875rem; }
      dd { margin: 0; font-weight: 500; }
      code { font-size: 1rem; }
    `,
  ];

  private statusLines(): { kind: "success" | "warning" | "error" | "info"; text: string }[] {
    return overviewLines(keyringStatus(this.copies, this.generations, this.held)).map((l) => ({ kind: l.kind, text: this.localize(l.key, l.params) }));
  }

  protected override render() {
    const t = this.localize;
    const g = this.active;
    const newest = newestBackupCheck(this.copies);
    return html`<section class="card" aria-labelledby="overview-title">
      <h2 id="overview-title">${t("panel.overview.title")}</h2>
      <div data-testid="status">
        ${this.statusLines().map((l) => html`<div class="alert ${l.kind} status" role="status"><div>${l.text}</div></div>`)}
      </div>
      <dl>
        <div><dt>${t("panel.overview.generation")}</dt><dd>${g ? t("panel.table.generation", { n: g.number }) : t("panel.overview.no_key")}</dd></div>
        ${
          g
            ? html`<div><dt>${t("panel.overview.fingerprint")}</dt><dd><code>${displayFingerprint(g.fingerprint)}</code></dd></div>
              <div><dt>${t("panel.overview.age")}</dt><dd>${t("panel.overview.days", { count: ageInDays(inUseSince(g, this.copies), this.now) })}</dd></div>
              <div><dt>${t("panel.overview.kit")}</dt><dd class=${kitState(g) === "none" ? "warn" : ""}>${t(`panel.kit_state.${kitState(g)}`)}</dd></div>`
            : nothing
        }
        <div><dt>${t("panel.overview.newest")}</dt><dd>${
          newest === null
            ? t("panel.status.empty")
            : !newest.protected
              ? t("panel.overview.newest_unencrypted")
              : newest.verifiedAt
                ? t("panel.overview.verified_at", { date: formatDateTime(newest.verifiedAt, this.language, this.timeZone) })
                : t("panel.overview.not_verified")
        }</dd></div>
      </dl>
    </section>`;
  }
}

if (!customElements.get("bk-keyring-overview")) customElements.define("bk-keyring-overview", BkKeyringOverview);

declare global {
  interface HTMLElementTagNameMap {
    "bk-keyring-overview": BkKeyringOverview;
  }
}
