// Every backup copy in one table, virtualised: only the rows in view (plus a few) are in the DOM,
// so 10 000 copies scroll as smoothly as 10. Fixed row height keeps the maths trivial.
import { LitElement, css, html, nothing, svg, type PropertyValues } from "lit";
import { property, state } from "lit/decorators.js";
import type { LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import { formatDateTime } from "../../common/datetime.js";
import { filterRows, formatSize, sortRows, type CopyRow, type SortKey } from "../model/panel-model.js";
import { checkNote } from "../model/keyring-model.js";
import { haStyles } from "../styles.js";
import { fireEvent } from "../../common/fire-event.js";

const ROW_HEIGHT = 56;
/** Material Design Icons "backup-restore" (Apache-2.0), the icon HA itself uses for restoring. */
const RESTORE_ICON = svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M12,3A9,9 0 0,0 3,12H0L4,16L8,12H5A7,7 0 0,1 12,5A7,7 0 0,1 19,12A7,7 0 0,1 12,19C10.5,19 9.09,18.5 7.94,17.7L6.5,19.14C8.04,20.3 9.94,21 12,21A9,9 0 0,0 21,12A9,9 0 0,0 12,3M14,12A2,2 0 0,0 12,10A2,2 0 0,0 10,12A2,2 0 0,0 12,14A2,2 0 0,0 14,12Z"/></svg>`;
const OVERSCAN = 6;

export class BkBackupTable extends LitElement {
  @property({ attribute: false }) rows: CopyRow[] = [];
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  @property() language = "en";
  @property() timeZone?: string;
  /** For sizes: HA's number format (`numberLanguage`); unset = `language`. */
  @property({ attribute: false }) numberLanguage?: string;
  /** Show the key generation and confidence columns (once the registry knows them). */
  @property({ type: Boolean }) withKeys = false;
  @property({ type: Boolean }) canVerify = false;
  @property({ type: Boolean, reflect: true }) narrow = false;
  /** How many copies there are when `rows` holds only the newest (a first screen); null: `rows` is all. */
  @property({ attribute: false }) total: number | null = null;
  @state() private query = "";
  @state() private sortKey: SortKey = "date";
  @state() private descending = true;
  @state() private scrolled = 0;
  @state() private viewport = 480;
  /** On a phone: the copy whose detail sheet is open (the narrow table hides its columns). */
  @state() private detail: CopyRow | null = null;
  private view: CopyRow[] = [];

  static override styles = [
    haStyles,
    css`
      :host { display: block; }
      .tools { display: flex; gap: var(--ha-space-2, 8px); flex-wrap: wrap; align-items: center; margin-bottom: var(--ha-space-2, 8px); }
      .tools input { flex: 1 1 200px; }
      .scroller { height: min(70vh, 640px); overflow-y: auto; position: relative; border-top: 1px solid var(--divider-color, #ddd); }
      .spacer { position: relative; }
      .row {
        position: absolute; left: 0; right: 0; height: ${ROW_HEIGHT}px; box-sizing: border-box;
        display: grid; grid-template-columns: 12.5em minmax(8em, 2fr) 6em 5.5em 8.5em 13em 9em; align-items: center;
        gap: var(--ha-space-2, 8px); padding: 0 var(--ha-space-2, 8px); border-bottom: 1px solid var(--divider-color, #eee);
      }
      .head { position: sticky; top: 0; z-index: 1; background: var(--card-background-color, #fff); font-weight: 500; }
      .head button { border: none; background: none; padding: 0; min-height: 0; color: inherit; font-weight: 500; text-align: start; }
      .cell { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .name small { display: block; color: var(--secondary-text-color, #666); }
      .deleted { opacity: 0.6; }
      .badge { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 0.85em; background: var(--secondary-background-color, #eee); }
      .badge.bad { background: var(--bk-fill-error); color: var(--text-primary-color, #fff); }
      .badge.good { background: var(--bk-fill-success); color: var(--text-primary-color, #fff); }
      :host([narrow]) .row {
        grid-template-columns: minmax(0, 1fr) auto auto; grid-template-areas: "name loc act" "date loc act"; row-gap: 0; align-content: center;
      }
      :host([narrow]) .row > :nth-child(1) { grid-area: date; font-size: 0.85em; color: var(--secondary-text-color, #5e5e5e); }
      :host([narrow]) .row > :nth-child(2) { grid-area: name; }
      :host([narrow]) .row > :nth-child(3) { grid-area: loc; }
      :host([narrow]) .name small { display: none; }
      :host([narrow]) .wide { display: none; }
      /* On a phone the restore help stays reachable: the actions cell keeps only its icon button. */
      :host([narrow]) .row > .actions:nth-child(7) { display: flex; grid-area: act; }
      :host([narrow]) .row .actions button:not(.icon) { display: none; }
      .empty { padding: var(--ha-space-4, 16px); }
      .actions { display: flex; gap: var(--ha-space-1, 4px); align-items: center; }
      button.icon { padding: 6px; min-width: 36px; display: inline-flex; align-items: center; justify-content: center; }
      button.icon svg { width: 20px; height: 20px; fill: currentColor; }
      .open { border: none; background: none; padding: 0; min-height: 0; color: inherit; font: inherit; text-align: start;
        max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; text-decoration: underline dotted; }
      /* The detail sheet: HA's bottom sheet on a phone. */
      dialog.sheet {
        border: none; padding: var(--ha-space-4, 16px); margin: auto auto 0; width: 100%; max-width: 100%; box-sizing: border-box;
        border-radius: var(--ha-dialog-border-radius, 24px) var(--ha-dialog-border-radius, 24px) 0 0;
        background: var(--card-background-color, #fff); color: var(--primary-text-color, #141414); overflow-wrap: anywhere;
      }
      dialog.sheet::backdrop { background: rgba(0, 0, 0, 0.32); }
      .sheet dl { display: grid; grid-template-columns: minmax(0, auto) minmax(0, 1fr); gap: 6px 12px; margin: 0 0 var(--ha-space-4, 16px); }
      .sheet dt { color: var(--secondary-text-color, #5e5e5e); }
      .sheet dd { margin: 0; }
      .sheet .actions { display: flex; gap: var(--ha-space-2, 8px); justify-content: flex-end; flex-wrap: wrap; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.resize = new ResizeObserver(([entry]) => {
      if (entry) this.viewport = entry.contentRect.height || 480;
    });
  }

  private resize: ResizeObserver | null = null;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
  }

  protected override firstUpdated(): void {
    const scroller = this.renderRoot.querySelector(".scroller");
    if (scroller) this.resize?.observe(scroller);
  }

  // (Untyped keys: the filter and order are private state, not in `keyof this`.)
  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("rows") || changed.has("query") || changed.has("sortKey") || changed.has("descending")) {
      this.view = sortRows(filterRows(this.rows, this.query), this.sortKey, this.descending);
    }
    // A new filter or order starts at the top; otherwise a short result would sit above the window.
    if (changed.has("query") || changed.has("sortKey") || changed.has("descending")) {
      const scroller = this.renderRoot?.querySelector<HTMLElement>(".scroller");
      if (scroller) scroller.scrollTop = 0;
      this.scrolled = 0;
    }
  }

  private sortBy(key: SortKey): void {
    if (this.sortKey === key) this.descending = !this.descending;
    else {
      this.sortKey = key;
      this.descending = key === "date";
    }
  }

  private header(key: SortKey, label: string) {
    const active = this.sortKey === key;
    return html`<div class="cell" role="columnheader" aria-sort=${active ? (this.descending ? "descending" : "ascending") : "none"}>
      <button @click=${() => this.sortBy(key)}>${label}${active ? (this.descending ? " ↓" : " ↑") : ""}</button>
    </div>`;
  }

  private encryption(row: CopyRow) {
    const t = this.localize;
    const claim = row.protectedClaim ? t("panel.table.encrypted") : t("panel.table.unencrypted");
    if (row.check === "mismatch") return html`<span class="badge bad">${t("panel.table.mismatch")}</span>`;
    if (row.check === "mislabelled") return html`<span class="badge bad">${t("panel.table.mislabelled")}</span>`;
    return html`<span>${claim}</span>`;
  }

  private keyCell(row: CopyRow) {
    const t = this.localize;
    if (row.confidence === "unencrypted") return html`<span class="secondary">—</span>`;
    const gen = row.generation === null ? t("panel.table.generation_unknown") : t("panel.table.generation", { n: row.generation });
    // Only a failure with the copy's own key is bad news; not opening with another key is expected.
    const cls = row.confidence === "verified" ? "good" : row.check === "failed" ? "bad" : "";
    const text = checkNote(row, t);
    const note = text === null ? nothing : html` <span class="secondary">${text}</span>`;
    return html`<span>${gen}</span> <span class="badge ${cls}">${t(`panel.confidence.${row.confidence}`)}</span>${note}`;
  }

  private async openDetail(row: CopyRow): Promise<void> {
    this.detail = row;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLDialogElement>("dialog.sheet")?.showModal();
  }

  private verifyCopy(row: CopyRow): void {
    fireEvent(this, "verify-copy", row);
  }

  private restoreHelp(row: CopyRow): void {
    fireEvent(this, "restore-help", row);
  }

  /** Everything the phone's table leaves out for one copy, and its Verify and restore actions. */
  private renderDetail() {
    const t = this.localize;
    const row = this.detail;
    if (!row) return nothing;
    const locations = this.rows.filter((r) => r.backupId === row.backupId && !r.deleted).map((r) => r.agentName);
    const close = () => this.renderRoot.querySelector<HTMLDialogElement>("dialog.sheet")?.close();
    return html`<dialog class="sheet" aria-labelledby="sheet-title" @close=${() => (this.detail = null)}>
      <h2 id="sheet-title">${row.name}</h2>
      <dl>
        <dt>${t("panel.table.date")}</dt><dd>${formatDateTime(row.date, this.language, this.timeZone)}</dd>
        <dt>${t("panel.table.location")}</dt><dd>${row.agentName}${row.deleted ? ` · ${t("panel.table.deleted")}` : ""}</dd>
        <dt>${t("panel.table.size")}</dt><dd>${formatSize(row.size, this.numberLanguage ?? this.language)}</dd>
        <dt>${t("panel.table.encryption")}</dt><dd>${this.encryption(row)}</dd>
        ${this.withKeys ? html`<dt>${t("panel.table.key")}</dt><dd>${this.keyCell(row)}</dd>` : nothing}
        <dt>${t("panel.table.stored_in")}</dt><dd>${locations.join(", ")}</dd>
      </dl>
      <div class="actions">
        ${
          this.canVerify && row.protectedClaim && !row.deleted
            ? html`<button @click=${() => {
                close();
                this.verifyCopy(row);
              }}>${t("panel.table.verify")}</button>`
            : nothing
        }
        ${
          this.withKeys && !row.deleted
            ? html`<button @click=${() => {
                close();
                this.restoreHelp(row);
              }}>${t("restore.button")}</button>`
            : nothing
        }
        <button class="primary" @click=${close}>${t("flow.close")}</button>
      </div>
    </dialog>`;
  }

  protected override render() {
    const t = this.localize;
    const total = this.view.length;
    const first = Math.max(0, Math.floor(this.scrolled / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total, Math.ceil((this.scrolled + this.viewport) / ROW_HEIGHT) + OVERSCAN);
    const visible = this.view.slice(first, last);
    return html`
      <div class="tools">
        <label class="sr-only" for="filter">${t("panel.table.filter")}</label>
        <input id="filter" type="search" placeholder=${t("panel.table.filter")} .value=${this.query}
          @input=${(e: Event) => (this.query = (e.target as HTMLInputElement).value)} />
        <span class="secondary" aria-live="polite">${t("panel.table.count", { count: this.total !== null && !this.query ? this.total : total })}</span>
      </div>
      <div class="scroller" role="table" aria-label=${t("panel.table.title")} aria-rowcount=${total + 1}
        @scroll=${(e: Event) => (this.scrolled = (e.target as HTMLElement).scrollTop)}>
        <div class="row head" role="row" aria-rowindex="1" style="position: sticky;">
          ${this.header("date", t("panel.table.date"))} ${this.header("name", t("panel.table.name"))}
          ${this.header("location", t("panel.table.location"))}
          <div class="cell wide" role="columnheader">${t("panel.table.size")}</div>
          <div class="cell wide" role="columnheader">${t("panel.table.encryption")}</div>
          <div class="cell wide" role="columnheader">${t("panel.table.key")}</div>
          <div class="cell wide" role="columnheader"><span class="sr-only">${t("panel.table.actions")}</span></div>
        </div>
        ${
          total === 0
            ? html`<div class="empty secondary" role="row"><span role="cell">${t("panel.table.empty")}</span></div>`
            : html`<div class="spacer" role="rowgroup" style="height:${total * ROW_HEIGHT}px">
              ${visible.map((row, i) => {
                const index = first + i;
                return html`<div class="row ${row.deleted ? "deleted" : ""}" role="row" aria-rowindex=${index + 2} style="top:${index * ROW_HEIGHT}px" data-id=${row.id}>
                  <div class="cell" role="cell">${formatDateTime(row.date, this.language, this.timeZone)}</div>
                  <div class="cell name" role="cell">${
                    this.narrow ? html`<button class="open" aria-haspopup="dialog" @click=${() => this.openDetail(row)}>${row.name}</button>` : row.name
                  }<small>${row.backupId}${row.deleted ? ` · ${t("panel.table.deleted")}` : ""}</small></div>
                  <div class="cell" role="cell">${row.agentName}</div>
                  <div class="cell wide" role="cell">${formatSize(row.size, this.numberLanguage ?? this.language)}</div>
                  <div class="cell wide" role="cell">${this.encryption(row)}</div>
                  <div class="cell wide" role="cell">${this.withKeys ? this.keyCell(row) : nothing}</div>
                  <div class="cell wide actions" role="cell">
                    ${
                      this.canVerify && row.protectedClaim && !row.deleted
                        ? html`<button @click=${() => this.verifyCopy(row)}
                          aria-label=${t("panel.table.verify_one", { name: row.name, location: row.agentName })}>${t("panel.table.verify")}</button>`
                        : nothing
                    }
                    ${
                      this.withKeys && !row.deleted
                        ? html`<button class="icon" @click=${() => this.restoreHelp(row)}
                          aria-label=${t("restore.button_one", { name: row.name })} title=${t("restore.button")}>${RESTORE_ICON}</button>`
                        : nothing
                    }
                  </div>
                </div>`;
              })}
            </div>`
        }
      </div>
      ${this.renderDetail()}
    `;
  }
}

if (!customElements.get("bk-backup-table")) customElements.define("bk-backup-table", BkBackupTable);

declare global {
  interface HTMLElementTagNameMap {
    "bk-backup-table": BkBackupTable;
  }
}

declare global {
  interface BkDomEvents {
    /** Verify this one copy now (the panel runs it). */
    "verify-copy": CopyRow;
    /** Show how to restore this backup (which key, which kit). */
    "restore-help": CopyRow;
  }
}
