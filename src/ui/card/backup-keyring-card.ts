// The dashboard card: one glance at whether backups can be restored (key set, generation, kit,
// newest backup verified), warnings, and buttons for the kit and the panel. A non-admin user sees
// a read-only line and the card sends no backup command at all (HA would refuse them anyway).
// HA loads this card on every dashboard: it is in the main module, and what it needs only after
// HA has answered (the registry session, kit rendering) is imported on first use.
import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { property, state } from "lit/decorators.js";
import { operationEndTracker } from "../../data/backup.js";
import { BackupFollowController } from "../backup-follow-controller.js";
import type { HaConnection } from "../../data/connection.js";
import { classifyError, loadInstance, type InstanceSnapshot } from "../../data/instance.js";
import { downloadTextFile } from "../../kit/download.js";
import type { KeyringSession } from "../keyring-session.js";
import { LocalizeController } from "../localize-controller.js";
import { dateLanguage, formatDateTime, resolveTimeZone } from "../../common/datetime.js";
import { agentName, locationNames, locationNaming, type LocationNaming } from "../model/location-names.js";
import type { HassLike } from "../../data/hass.js";
import { haStyles } from "../styles.js";
import { CARD_TYPE, DEFAULT_PANEL_PATH, stubConfig, validateCardConfig, type CardConfig, type GridOptions } from "./card-config.js";
import { cardView } from "./card-model.js";
import { formatDrillDay } from "../drill-text.js";
import { loadReminderSettings, DEFAULT_REMINDER_SETTINGS } from "../../flows/reminders.js";
import { fireEvent } from "../../common/fire-event.js";
import type { TranslationKey } from "../../common/localize.js";
import { keyIn } from "../../common/localize.js";

export class BackupKeyringCard extends LitElement {
  @property({ attribute: false }) hass?: HassLike;
  /** IndexedDB name of the registry (tests use their own). */
  @property({ attribute: false }) registryName?: string;
  @state() private config: CardConfig = stubConfig();
  @state() private snapshot: InstanceSnapshot | null = null;
  @state() private errorCode: string | null = null;
  @state() private version = 0;
  /** Months between kit drills, from the panel's reminder settings (this browser's registry). */
  @state() private drillMonths = DEFAULT_REMINDER_SETTINGS.drillMonths;
  private readonly i18n = new LocalizeController(this);
  private conn: HaConnection | null = null;
  private session: KeyringSession | null = null;
  private readonly lifecycle = new BackupFollowController(this);
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

  /** Sections dashboards: half a section wide by default; the height follows the content. */
  getGridOptions(): GridOptions {
    return { columns: 6, rows: "auto", min_columns: 4, min_rows: 2 };
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // (The lifecycle controller ends its round with the host.)
    this.conn = null;
    void this.session?.close();
    this.session = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has("hass") || !this.hass) return;
    this.i18n.use(this.hass.language ?? this.hass.locale?.language);
    // HA pushes `hass` on every state change: reload only when the connection itself changes.
    if (this.hass.connection !== this.conn) {
      this.lifecycle.stop();
      const conn = (this.conn = this.hass.connection);
      if (this.hass.user && !this.hass.user.is_admin) {
        this.snapshot = null;
        return;
      }
      // Same lifecycle as the panel: wait for HA's backup integration (also after a restart), load, follow events.
      this.lifecycle.follow(conn, {
        onEvent: (ev) => {
          if (this.operationEnded(ev)) void this.reload();
        },
        followsEvents: async () => this.hass?.user?.is_admin === true,
        onAvailable: async () => {
          const ok = await this.reload();
          // HA answered with an error (shown on the card): load again after a pause.
          if (!ok && conn === this.conn && this.errorCode === "ha_error") throw new Error("backup load failed");
          return ok && conn === this.conn;
        },
      });
    }
  }

  private loads: Promise<void> = Promise.resolve();

  /** Settles when every load started so far (snapshot, registry fold) is done, and the mirror write they caused. */
  get settled(): Promise<void> {
    // And the registry's mirror write that the loads caused (sent after its debounce).
    return this.loads.then(() => this.session?.mirrorIdle());
  }

  private reload(): Promise<boolean> {
    const load = this.load();
    this.loads = Promise.all([this.loads, load]).then(() => undefined);
    return load;
  }

  /** Loads and folds HA's state; true when the user is an admin and it worked (events are worth following). */
  private async load(): Promise<boolean> {
    const conn = this.conn;
    if (!conn) return false;
    try {
      const snapshot = await loadInstance(conn);
      if (conn !== this.conn) return false;
      // A load sent before the one shown is older news, however late it answers.
      if (this.snapshot && snapshot.readOrder < this.snapshot.readOrder) return this.snapshot.user.is_admin;
      this.snapshot = snapshot;
      this.errorCode = null;
      if (!snapshot.user.is_admin) return false;
      if (!this.session) {
        const { KeyringSession } = await import("../keyring-session.js");
        if (conn !== this.conn) return false;
        this.session ??= new KeyringSession(this.registryName, () => this.version++);
      }
      const url = this.hass?.auth?.data?.hassUrl ?? location.origin;
      // The status shows from what is stored at once; the reconciliation updates it when done.
      await this.session.showStored(snapshot, url);
      this.drillMonths = (await loadReminderSettings(await this.session.openRegistry(), conn)).drillMonths;
      await this.session.fold(snapshot, url, conn);
      return true;
    } catch (err) {
      this.errorCode = classifyError(err).code;
      return false;
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
        timeZone: resolveTimeZone(this.hass?.locale?.time_zone, s.core.time_zone),
        haVersion: s.core.version,
        localize: this.i18n.localize,
        locationNames: locationNames(s.backup?.agents ?? [], this.naming),
      });
      downloadTextFile(kit.fileName, kit.text);
    } catch (err) {
      this.errorCode = classifyError(err).code;
    }
  }

  /** Locations named as HA's backup pages name them, from HA's own strings (the card asks HA for nothing more). */
  private get naming(): LocationNaming {
    return locationNaming(this.hass?.localize, this.i18n.localize);
  }

  private openPanel(subPath = ""): void {
    // HA's own navigation: push the path, then tell the app shell the location changed.
    history.pushState(null, "", `${(this.config.panel_path ?? DEFAULT_PANEL_PATH).replace(/\/+$/, "")}${subPath}`);
    fireEvent(window, "location-changed", { replace: false });
  }

  protected override render() {
    // Strings arrive in a moment (a small chunk); an empty card avoids a flash of raw keys.
    if (!this.i18n.ready) return html`<div class="card" aria-busy="true"></div>`;
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
        <div class="alert error" role="alert"><div>${t(keyIn("errors.connection", this.errorCode))}</div></div></div>`;
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
      agentErrors: Object.keys(s.backup.info.agent_errors).map((id) => agentName(id, s.backup!.agents, this.naming)),
      drill: { months: this.drillMonths, now: new Date(), timeZone: resolveTimeZone(this.hass?.locale?.time_zone, s.core.time_zone) },
    });
    const line = (l: { key: TranslationKey; params?: Record<string, string | number> }) =>
      t(
        l.key,
        l.params && "date" in l.params
          ? { ...l.params, date: formatDateTime(String(l.params.date), dateLanguage(this.i18n.language, this.hass?.locale), resolveTimeZone(this.hass?.locale?.time_zone, s.core.time_zone)) }
          : l.params && "day" in l.params
            ? { ...l.params, date: formatDrillDay(String(l.params.day), this.i18n.language) }
            : l.params,
      );
    const drillDue = view.warnings.some((w) => w.key === "card.status.drill_due");
    return html`<div class="card" role="group" aria-label=${title}>
      <h2><span class="dot ${view.allGood ? "" : "warn"}" aria-hidden="true"></span>${title}</h2>
      <ul data-testid="status">${view.status.map((l) => html`<li>${line(l)}</li>`)}</ul>
      ${view.warnings.map((w) => html`<div class="alert warning" role="status"><div>${line(w)}</div></div>`)}
      <div class="buttons">
        ${
          this.config.show_kit_button !== false && f.active && s.backup.config.create_backup.password !== null
            ? html`<button class="primary" @click=${() => this.downloadKit()}>${t("panel.kit.download")}</button>`
            : nothing
        }
        ${this.config.show_panel_button !== false && drillDue ? html`<button @click=${() => this.openPanel("/drill")}>${t("card.drill")}</button>` : nothing}
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

declare global {
  interface BkDomEvents {
    /** HA's own: the app shell re-reads `location` (HA's `navigate`). */
    "location-changed": { replace: boolean };
  }
}
