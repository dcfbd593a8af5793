// The dashboard card: one glance at whether backups can be restored (key set, generation, kit,
// newest backup verified), warnings, and buttons for the kit and the panel. A non-admin user sees
// a read-only line and the card sends no backup command at all (HA would refuse them anyway).
import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { property, state } from "lit/decorators.js";
import { operationEndTracker, subscribeBackupEvents } from "../../data/backup.js";
import type { HaConnection, UnsubscribeFunc } from "../../data/connection.js";
import { classifyError, loadInstance, type InstanceSnapshot } from "../../data/instance.js";
import { downloadTextFile } from "../../kit/download.js";
import { KeyringSession } from "../keyring-session.js";
import { LocalizeController } from "../localize-controller.js";
import { agentName, formatDateTime } from "../panel/panel-model.js";
import type { HassLike } from "../panel/backup-keyring-panel.js";
import { haStyles } from "../styles.js";
import { CARD_TYPE, DEFAULT_PANEL_PATH, stubConfig, validateCardConfig, type CardConfig } from "./card-config.js";
import { cardView } from "./card-model.js";

export class BackupKeyringCard extends LitElement {
  @property({ attribute: false }) hass?: HassLike;
  /** IndexedDB name of the registry (tests use their own). */
  @property({ attribute: false }) registryName?: string;
  @state() config: CardConfig = stubConfig();
  @state() snapshot: InstanceSnapshot | null = null;
  @state() errorCode: string | null = null;
  @state() private version = 0;
  private readonly i18n = new LocalizeController(this);
  private conn: HaConnection | null = null;
  private session: KeyringSession | null = null;
  private unsub: UnsubscribeFunc | null = null;
  private readonly operationEnded = operationEndTracker();

  static getConfigElement(): Promise<HTMLElement> {
    return import("./backup-keyring-card-editor.js").then(() => document.createElement("backup-keyring-card-editor"));
  }

  static getStubConfig(): CardConfig {
    return stubConfig();
  }

  static override styles = [
    haStyles,
    css`
      :host { display: block; }
      .card { height: 100%; box-sizing: border-box; display: flex; flex-direction: column; gap: var(--ha-space-2, 8px); }
      h2 { margin: 0; display: flex; align-items: center; gap: 8px; }
      .dot { width: 10px; height: 10px; border-radius: 50%; background: var(--success-color, #1b6e20); flex: none; }
      .dot.warn { background: var(--warning-color, #8a5300); }
      ul { margin: 0; padding-inline-start: 1.1em; }
      .alert { margin: 0; padding: 6px 10px; }
      .buttons { display: flex; gap: var(--ha-space-2, 8px); flex-wrap: wrap; margin-top: auto; padding-top: var(--ha-space-2, 8px); }
    `,
  ];

  setConfig(config: unknown): void {
    this.config = validateCardConfig(config);
  }

  getCardSize(): number {
    return 3;
  }

  getGridOptions() {
    return { columns: 6, rows: "auto" as const, min_columns: 4, min_rows: 2 };
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    void this.unsub?.().catch(() => undefined);
    this.unsub = null;
    this.conn = null;
    this.session?.close();
    this.session = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has("hass") || !this.hass) return;
    this.i18n.use(this.hass.language ?? this.hass.locale?.language);
    // HA pushes `hass` on every state change: reload only when the connection itself changes.
    if (this.hass.connection !== this.conn) {
      void this.unsub?.().catch(() => undefined);
      this.unsub = null;
      this.conn = this.hass.connection;
      if (this.hass.user && !this.hass.user.is_admin) {
        this.snapshot = null;
        return;
      }
      this.reload();
    }
  }

  private loads: Promise<void> = Promise.resolve();

  /** Settles when every load started so far (snapshot, registry fold, subscription) is done. */
  get settled(): Promise<void> {
    return this.loads;
  }

  private reload(): void {
    this.loads = Promise.all([this.loads, this.load()]).then(() => undefined);
  }

  private async load(): Promise<void> {
    const conn = this.conn;
    if (!conn) return;
    try {
      const snapshot = await loadInstance(conn);
      if (conn !== this.conn) return;
      this.snapshot = snapshot;
      this.errorCode = null;
      if (!snapshot.user.is_admin) return;
      this.session ??= new KeyringSession(this.registryName, () => this.version++);
      await this.session.fold(snapshot, this.hass?.auth?.data?.hassUrl ?? location.origin);
      this.unsub ??= await subscribeBackupEvents(conn, (ev) => {
        if (this.operationEnded(ev)) this.reload();
      });
    } catch (err) {
      this.errorCode = classifyError(err).code;
    }
  }

  private async downloadKit(): Promise<void> {
    const s = this.snapshot;
    if (!s || !this.session) return;
    try {
      const kit = await this.session.currentKit({
        url: this.hass?.auth?.data?.hassUrl ?? location.origin,
        instanceName: s.core.location_name,
        language: this.i18n.language,
        timeZone: s.core.time_zone,
        haVersion: s.core.version,
        localize: this.i18n.localize,
      });
      downloadTextFile(kit.fileName, kit.text);
    } catch (err) {
      this.errorCode = classifyError(err).code;
    }
  }

  private openPanel(): void {
    // HA's own navigation: push the path, then tell the app shell the location changed.
    history.pushState(null, "", this.config.panel_path ?? DEFAULT_PANEL_PATH);
    window.dispatchEvent(new CustomEvent("location-changed", { detail: { replace: false } }));
  }

  protected override render() {
    const t = this.i18n.localize;
    const title = this.config.title ?? t("card.title");
    const isAdmin = this.hass?.user ? this.hass.user.is_admin : (this.snapshot?.user.is_admin ?? true);
    if (!isAdmin) {
      return html`<div class="card" role="group" aria-label=${title}><h2>${title}</h2><p class="secondary">${t("card.read_only")}</p></div>`;
    }
    const s = this.snapshot;
    const f = this.session?.ready ? this.session.facts : null;
    if (this.errorCode) {
      return html`<div class="card" role="group" aria-label=${title}><h2>${title}</h2>
        <div class="alert error" role="alert"><div>${t(`errors.connection.${this.errorCode}`)}</div></div></div>`;
    }
    if (!s?.backup || !f) {
      return html`<div class="card" role="group" aria-label=${title}><h2>${title}</h2><p class="secondary" role="status">${t("panel.loading")}</p></div>`;
    }
    const view = cardView({
      keySet: s.backup.config.create_backup.password !== null,
      active: f.active,
      generations: f.generations,
      copies: f.copies,
      held: f.held,
      agentErrors: Object.keys(s.backup.info.agent_errors).map((id) => agentName(id, s.backup!.agents)),
    });
    const line = (l: { key: string; params?: Record<string, string | number> }) =>
      t(l.key, l.params && "date" in l.params ? { ...l.params, date: formatDateTime(String(l.params.date), this.i18n.language, s.core.time_zone) } : l.params);
    return html`<div class="card" role="group" aria-label=${title}>
      <h2><span class="dot ${view.allGood ? "" : "warn"}" aria-hidden="true"></span>${title}</h2>
      <ul data-testid="status">${view.status.map((l) => html`<li>${line(l)}</li>`)}</ul>
      ${view.warnings.map((w) => html`<div class="alert warning" role="status"><div>${line(w)}</div></div>`)}
      <div class="buttons">
        ${this.config.show_kit_button !== false && f.active && s.backup.config.create_backup.password !== null
          ? html`<button class="primary" @click=${() => this.downloadKit()}>${t("panel.kit.download")}</button>`
          : nothing}
        ${this.config.show_panel_button !== false ? html`<button @click=${() => this.openPanel()}>${t("card.open_panel")}</button>` : nothing}
      </div>
    </div>`;
  }
}

if (!customElements.get(CARD_TYPE)) customElements.define(CARD_TYPE, BackupKeyringCard);

// The card picker lists what is in `window.customCards`; guard against a second load.
interface CustomCardEntry {
  type: string;
  name: string;
  description: string;
  preview?: boolean;
  documentationURL?: string;
}
const w = window as unknown as { customCards?: CustomCardEntry[] };
w.customCards ??= [];
if (!w.customCards.some((c) => c.type === CARD_TYPE)) {
  w.customCards.push({
    type: CARD_TYPE,
    name: "Backup Keyring",
    description: "Is your backup encryption key saved, and do your backups open with the keys you hold?",
    preview: true,
    documentationURL: "https://github.com/backup-keyring/backup-keyring",
  });
}

declare global {
  interface HTMLElementTagNameMap {
    "backup-keyring-card": BackupKeyringCard;
  }
}
