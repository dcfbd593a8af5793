// The sidebar panel. Inside HA it uses `hass.connection` (HA pushes `hass` on every state change,
// so we only react when the connection or language changes); standalone it opens its own
// connection with a long-lived token. HA destroys hidden panels after ~5 minutes, so anything
// that matters lives in IndexedDB (the registry), not in this element.
import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { property, state } from "lit/decorators.js";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import { subscribeBackupEvents, type ManagerStateEvent } from "../../data/backup.js";
import type { HaConnection, UnsubscribeFunc } from "../../data/connection.js";
import { InstanceError, classifyError, loadInstance, type InstanceSnapshot } from "../../data/instance.js";
import "../components/backup-table.js";
import { LocalizeController } from "../localize-controller.js";
import { haStyles } from "../styles.js";
import "./connect-form.js";
import { loadRemembered, rememberConnection, type ConnectRequest } from "./connect-form.js";
import { agentName, copyRows } from "./panel-model.js";

/** The part of HA's `hass` object the panel reads. */
export interface HassLike {
  connection: HaConnection;
  language?: string;
  locale?: { language?: string; time_zone?: string };
  config?: { time_zone?: string; location_name?: string };
  user?: { is_admin: boolean };
  auth?: { data?: { hassUrl?: string } };
  themes?: { darkMode?: boolean };
}

export type PanelStatus = "disconnected" | "connecting" | "loading" | "ready" | "error";

export class BackupKeyringPanel extends LitElement {
  @property({ attribute: false }) hass?: HassLike;
  @property({ type: Boolean, reflect: true }) narrow = false;
  @property({ attribute: false }) route?: { prefix: string; path: string };
  @property({ attribute: false }) panel?: { config?: Record<string, unknown> };
  /** Standalone mode (demo page, or opened outside HA): connect with URL + token. */
  @property({ type: Boolean }) standalone = false;

  @state() status: PanelStatus = "disconnected";
  @state() errorCode: InstanceError["code"] | null = null;
  @state() snapshot: InstanceSnapshot | null = null;
  @state() reconnecting = false;
  @state() keyShown = false;
  @state() private hassUrl = "";

  protected readonly i18n = new LocalizeController(this);
  protected conn: HaConnection | null = null;
  private ownConnection: Connection | null = null;
  private unsubBackupEvents: UnsubscribeFunc | null = null;
  private lastManagerState = "idle";
  private readonly onDisconnected = () => {
    this.reconnecting = true;
  };
  private readonly onReady = () => {
    this.reconnecting = false;
    void this.reload();
  };

  static override styles = [
    haStyles,
    css`
      :host { display: block; min-height: 100%; background: var(--primary-background-color, #fafafa); }
      header {
        display: flex; align-items: center; gap: var(--ha-space-2, 8px); height: var(--header-height, 56px);
        padding: 0 var(--ha-space-4, 16px); background: var(--app-header-background-color, var(--primary-color, #03a9f4));
        color: var(--app-header-text-color, var(--text-primary-color, #fff)); border-bottom: var(--app-header-border-bottom, none);
      }
      header h1 { font-size: 1.25rem; margin: 0; flex: 1; font-weight: 400; }
      header .menu { background: none; border: none; color: inherit; font-size: 1.5rem; padding: 4px 8px; }
      main { padding: var(--ha-space-4, 16px); display: grid; gap: var(--ha-space-4, 16px); max-width: 1200px; margin: 0 auto; }
      .key { display: flex; gap: var(--ha-space-3, 12px); align-items: center; flex-wrap: wrap; }
      .key code { font-size: 1.1rem; letter-spacing: 0.05em; user-select: all; }
      .grow { flex: 1; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.i18n.use(this.hass?.language ?? this.hass?.locale?.language);
    if (this.standalone && !this.hass && !this.conn) {
      const remembered = loadRemembered();
      if (remembered) void this.connectStandalone(remembered);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.detach();
    this.ownConnection?.close();
    this.ownConnection = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("hass") && this.hass) {
      this.i18n.use(this.hass.language ?? this.hass.locale?.language);
      if (this.hass.connection !== this.conn) {
        this.hassUrl = this.hass.auth?.data?.hassUrl ?? location.origin;
        this.attach(this.hass.connection);
      }
    }
    if (changed.has("narrow") || changed.has("keyShown")) return;
  }

  /** Standalone connection from the form (or the demo page's URL fragment). */
  async connectStandalone(req: ConnectRequest): Promise<void> {
    this.status = "connecting";
    this.errorCode = null;
    this.ownConnection?.close();
    this.ownConnection = null;
    try {
      const conn = await createConnection({ auth: createLongLivedTokenAuth(req.url, req.token) });
      rememberConnection(req);
      this.ownConnection = conn;
      this.hassUrl = req.url;
      this.attach(conn);
    } catch (err) {
      this.fail(classifyError(err));
    }
  }

  private attach(conn: HaConnection): void {
    this.detach();
    this.conn = conn;
    conn.addEventListener?.("disconnected", this.onDisconnected);
    conn.addEventListener?.("ready", this.onReady);
    void this.reload();
  }

  private detach(): void {
    void this.unsubBackupEvents?.().catch(() => undefined);
    this.unsubBackupEvents = null;
    this.conn?.removeEventListener?.("disconnected", this.onDisconnected);
    this.conn?.removeEventListener?.("ready", this.onReady);
    this.conn = null;
  }

  private fail(err: InstanceError): void {
    this.status = "error";
    this.errorCode = err.code;
  }

  /** Loads everything again; called on connect, on reconnect and when a backup operation ends. */
  async reload(): Promise<void> {
    const conn = this.conn;
    if (!conn) return;
    if (this.status !== "ready") this.status = "loading";
    try {
      const snapshot = await loadInstance(conn);
      if (conn !== this.conn) return;
      this.snapshot = snapshot;
      this.errorCode = snapshot.user.is_admin ? null : "not_admin";
      this.status = "ready";
      if (snapshot.user.is_admin && !this.unsubBackupEvents) {
        this.unsubBackupEvents = await subscribeBackupEvents(conn, (ev) => this.onManagerEvent(ev));
      }
      await this.afterLoad(snapshot);
    } catch (err) {
      this.fail(classifyError(err));
    }
  }

  /** Extension point for the registry: called after every successful load. */
  protected async afterLoad(_snapshot: InstanceSnapshot): Promise<void> {}

  private onManagerEvent(ev: ManagerStateEvent): void {
    const finished = ev.manager_state === "idle" && this.lastManagerState !== "idle";
    this.lastManagerState = ev.manager_state;
    if (finished) void this.reload();
  }

  private renderError() {
    const t = this.i18n.localize;
    if (!this.errorCode) return nothing;
    const kind = this.errorCode === "not_admin" ? "info" : "error";
    return html`<div class="alert ${kind}" role="alert"><div>${t(`errors.connection.${this.errorCode}`)}</div></div>`;
  }

  private renderKeyStatus(s: InstanceSnapshot) {
    const t = this.i18n.localize;
    const key = s.backup?.config.create_backup.password ?? null;
    return html`<section class="card key" aria-labelledby="key-title">
      <div class="grow">
        <h2 id="key-title">${t("panel.key.title")}</h2>
        <div class="secondary">${key === null ? t("panel.key.not_set") : t("panel.key.set")}</div>
        ${key !== null && this.keyShown ? html`<p><code data-testid="key">${key}</code></p>` : nothing}
      </div>
      ${key !== null
        ? html`<button @click=${() => (this.keyShown = !this.keyShown)} aria-pressed=${this.keyShown ? "true" : "false"}>
            ${this.keyShown ? t("panel.key.hide") : t("panel.key.show")}
          </button>`
        : nothing}
      ${this.renderKeyActions(s)}
    </section>`;
  }

  /** Extension point for kit and key-change actions. */
  protected renderKeyActions(_s: InstanceSnapshot): unknown {
    return nothing;
  }

  /** Extension point for the registry overview. */
  protected renderOverview(_s: InstanceSnapshot): unknown {
    return nothing;
  }

  protected renderBackups(s: InstanceSnapshot) {
    const t = this.i18n.localize;
    if (!s.backup) return nothing;
    const errors = Object.entries(s.backup.info.agent_errors);
    return html`<section class="card" aria-labelledby="backups-title">
      <h2 id="backups-title">${t("panel.table.title")}</h2>
      ${errors.map(([agentId, message]) => html`<div class="alert warning" role="status"><div>${t("panel.agent_error", { location: agentName(agentId, s.backup!.agents), message })}</div></div>`)}
      <bk-backup-table .rows=${copyRows(s.backup.info, s.backup.agents)} .localize=${t} .language=${this.i18n.language}
        .timeZone=${s.core.time_zone} ?narrow=${this.narrow}></bk-backup-table>
    </section>`;
  }

  protected override render() {
    const t = this.i18n.localize;
    const s = this.snapshot;
    const showMenu = this.narrow && !this.standalone;
    return html`
      <header>
        ${showMenu
          ? html`<button class="menu" aria-label=${t("panel.menu")} @click=${() => this.dispatchEvent(new Event("hass-toggle-menu", { bubbles: true, composed: true }))}>☰</button>`
          : nothing}
        <h1>${t("panel.title")}${s ? html` · <span data-testid="instance">${s.core.location_name}</span>` : nothing}</h1>
      </header>
      <main>
        ${this.reconnecting ? html`<div class="alert warning" role="status"><div>${t("panel.reconnecting")}</div></div>` : nothing}
        ${this.renderError()}
        ${this.standalone && !this.conn && this.status !== "connecting"
          ? html`<bk-connect-form .localize=${t} .url=${this.hassUrl} @connect-request=${(e: CustomEvent<ConnectRequest>) => this.connectStandalone(e.detail)}></bk-connect-form>`
          : nothing}
        ${this.status === "connecting" || (this.status === "loading" && !s) ? html`<p class="secondary" role="status">${t("panel.loading")}</p>` : nothing}
        ${s?.backup ? html`${this.renderOverview(s)}${this.renderKeyStatus(s)}${this.renderBackups(s)}` : nothing}
      </main>
    `;
  }
}

if (!customElements.get("backup-keyring-panel")) customElements.define("backup-keyring-panel", BackupKeyringPanel);

declare global {
  interface HTMLElementTagNameMap {
    "backup-keyring-panel": BackupKeyringPanel;
  }
}
