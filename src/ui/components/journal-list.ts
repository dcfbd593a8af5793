// The registry's history for this instance: what changed and when, newest first.
import { LitElement, css, html } from "lit";
import { property } from "lit/decorators.js";
import type { LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import type { JournalEntry } from "../../registry/model.js";
import { formatDateTime } from "../../common/datetime.js";
import { haStyles } from "../styles.js";
import { journalLine } from "./journal-text.js";

export class BkJournalList extends LitElement {
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  @property() language = "en";
  @property() timeZone?: string;
  @property({ attribute: false }) entries: JournalEntry[] = [];
  /** Agent id → the location's name as HA shows it. */
  @property({ attribute: false }) locationName: (agentId: string) => string = (id) => id;

  static override styles = [
    haStyles,
    css`
      :host { display: block; }
      ul { margin: 0; padding: 0; list-style: none; max-height: 20rem; overflow-y: auto; }
      li { padding: 6px 0; border-bottom: 1px solid var(--divider-color, #eee); display: flex; gap: var(--ha-space-3, 12px); }
      time { color: var(--secondary-text-color, #5e5e5e); white-space: nowrap; min-width: 11em; }
    `,
  ];

  protected override render() {
    const t = this.localize;
    return html`<section class="card" aria-labelledby="journal-title">
      <h2 id="journal-title">${t("panel.journal.title")}</h2>
      ${
        this.entries.length === 0
          ? html`<p class="secondary">${t("panel.journal.empty")}</p>`
          : html`<ul tabindex="0" aria-labelledby="journal-title">
            ${this.entries.map((e) => {
              const line = journalLine(e, this.locationName);
              return html`<li><time datetime=${e.at}>${formatDateTime(e.at, this.language, this.timeZone)}</time><span>${t(line.key, line.params)}</span></li>`;
            })}
          </ul>`
      }
    </section>`;
  }
}

if (!customElements.get("bk-journal-list")) customElements.define("bk-journal-list", BkJournalList);

declare global {
  interface HTMLElementTagNameMap {
    "bk-journal-list": BkJournalList;
  }
}
