// Every key generation of this instance, newest first: when it was in use, where it came from,
// its kit's state and how many backups it opens.
import { css, html, nothing } from "lit";
import { displayFingerprint } from "../../keys/fingerprint.js";
import { kitState, timeline } from "../model/keyring-model.js";
import { formatDateTime } from "../../common/datetime.js";
import { haStyles } from "../styles.js";
import { KeyringView } from "./keyring-view.js";

export class BkGenerationsTimeline extends KeyringView {
  static override styles = [
    haStyles,
    css`
      :host { display: block; }
      ol { list-style: none; margin: 0; padding: 0; border-left: 2px solid var(--divider-color, #ddd); }
      li { position: relative; padding: 0 0 var(--ha-space-3, 12px) var(--ha-space-4, 16px); }
      li::before {
        content: ""; position: absolute; left: -7px; top: 4px; width: 12px; height: 12px; border-radius: 50%;
        background: var(--secondary-text-color, #888);
      }
      li.active::before { background: var(--primary-color, #0277bd); }
      .title { font-weight: 500; }
      code { font-size: 0.9rem; }
    `,
  ];

  protected override render() {
    const t = this.localize;
    const gens = timeline(this.generations);
    const counts = new Map<string, Set<string>>();
    for (const c of this.copies) {
      if (c.deleted || c.generationId === null) continue;
      const s = counts.get(c.generationId) ?? new Set<string>();
      s.add(c.backupId);
      counts.set(c.generationId, s);
    }
    const date = (iso: string | null) => (iso ? formatDateTime(iso, this.language, this.timeZone) : "…");
    return html`<section class="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">${t("panel.timeline.title")}</h2>
      ${
        gens.length === 0
          ? html`<p class="secondary">${t("panel.timeline.empty")}</p>`
          : html`<ol>
            ${gens.map(
              (g) => html`<li class=${g.status}>
                <div class="title">${t("panel.table.generation", { n: g.number })} · ${t(`panel.generation_status.${g.status}`)}
                  ${this.held.has(g.fingerprint) ? html` · <span>${t("panel.timeline.held")}</span>` : nothing}</div>
                <div class="secondary">
                  <code>${displayFingerprint(g.fingerprint)}</code> ·
                  ${(g.earlierPeriods ?? []).map((p) => `${t("panel.timeline.span", { from: date(p.from), to: date(p.to) })}, `)}${g.activatedAt ? t("panel.timeline.span", { from: date(g.activatedAt), to: g.status === "active" ? t("panel.timeline.now") : date(g.retiredAt) }) : t("panel.timeline.loaded", { date: date(g.firstSeenAt) })}
                  · ${t(`panel.origin.${g.origin}`)}
                </div>
                <div class="secondary">${t("common.backups", { count: counts.get(g.id)?.size ?? 0 })} · ${t(`panel.kit_state.${kitState(g)}`)}</div>
                ${
                  g.status !== "active" && this.held.has(g.fingerprint)
                    ? html`<button @click=${() => this.dispatchEvent(new CustomEvent("download-generation-kit", { detail: g.id, bubbles: true, composed: true }))}>${t("panel.timeline.download_kit", { n: g.number })}</button>`
                    : nothing
                }
              </li>`,
            )}
          </ol>`
      }
    </section>`;
  }
}

if (!customElements.get("bk-generations-timeline")) customElements.define("bk-generations-timeline", BkGenerationsTimeline);

declare global {
  interface HTMLElementTagNameMap {
    "bk-generations-timeline": BkGenerationsTimeline;
  }
}
