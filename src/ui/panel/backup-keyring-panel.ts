// The sidebar panel. Inside HA it uses `hass.connection` (HA pushes `hass` on every state change,
// so we only react when the connection or language changes); standalone it opens its own
// connection with a long-lived token. HA destroys hidden panels after ~5 minutes, so anything
// that matters lives in IndexedDB (the registry), not in this element.
import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { property, state } from "lit/decorators.js";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import { stageText } from "../backup-stage.js";
import { generateBackupWithAutomaticSettings, operationEndTracker, subscribeBackupEvents, type ManagerStateEvent } from "../../data/backup.js";
import type { HaConnection, UnsubscribeFunc } from "../../data/connection.js";
import { InstanceError, classifyError, loadInstance, type InstanceSnapshot } from "../../data/instance.js";
import "../components/backup-table.js";
import { LocalizeController } from "../localize-controller.js";
import { haStyles } from "../styles.js";
import "./connect-form.js";
import { loadRemembered, rememberConnection, type ConnectRequest } from "./connect-form.js";
import { agentName, copyRows, type CopyRow } from "./panel-model.js";
import { registryRows } from "./keyring-model.js";
import { KeyringSession } from "../keyring-session.js";
import { downloadTextFile } from "../../kit/download.js";
import "../dialogs/print-kit-dialog.js";
import type { BkPrintKitDialog } from "../dialogs/print-kit-dialog.js";
import "../components/reminder-settings.js";
import { defaultLocks } from "../../common/locks.js";
import { KEY_CHANGE_LOCK } from "../../flows/key-change/flow.js";
import type { FlowCheckpoint } from "../../flows/key-change/ports.js";
import { applyReminders, loadReminderSettings, saveReminderSettings, DEFAULT_REMINDER_SETTINGS, type ReminderSettings } from "../../flows/reminders.js";
import { KitParseError } from "../../kit/parse.js";
import { RegistryError } from "../../registry/model.js";
import { BackupFileError } from "../../backup-file/errors.js";
import type { VerifyProgress } from "../../registry/verify.js";
import "../components/keyring-overview.js";
import "../components/generations-timeline.js";
import "../components/journal-list.js";
import "../components/load-kit-dialog.js";
import "../components/file-drop.js";
import "../components/vault-settings.js";
import type { BkLoadKitDialog } from "../components/load-kit-dialog.js";
import "../dialogs/key-change-dialog.js";
import type { BkKeyChangeDialog } from "../dialogs/key-change-dialog.js";
import type { Registry } from "../../registry/registry.js";

/** Fired (bubbling, composed) when the user asks to change the key; the key-change dialog answers it. */
export const CHANGE_KEY_EVENT = "backup-keyring-change-key";

export interface Notice {
  kind: "success" | "warning" | "error" | "info";
  text: string;
}

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
  /** IndexedDB name of the registry (tests use their own). */
  @property({ attribute: false }) registryName?: string;
  @state() notice: Notice | null = null;
  /** Standalone on a small screen: HA's own breakpoint for `narrow`. */
  @state() private smallScreen = false;
  private readonly smallQuery = typeof matchMedia === "function" ? matchMedia("(max-width: 870px)") : null;
  private readonly onSmallChange = () => (this.smallScreen = this.smallQuery?.matches ?? false);
  @state() verifying: VerifyProgress | null = null;
  @state() checkingFile = false;
  @state() private keyringVersion = 0;
  @state() private loadError = "";
  private verifyAbort: AbortController | null = null;
  protected session: KeyringSession | null = null;

  protected readonly i18n = new LocalizeController(this);
  protected conn: HaConnection | null = null;
  private ownConnection: Connection | null = null;
  private unsubBackupEvents: UnsubscribeFunc | null = null;
  private readonly operationEnded = operationEndTracker();
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
        padding: 0 var(--ha-space-4, 16px); background: var(--app-header-background-color, var(--primary-color, #0277bd));
        color: var(--app-header-text-color, var(--text-primary-color, #fff)); border-bottom: var(--app-header-border-bottom, none);
      }
      header h1 { font-size: 1.25rem; margin: 0; flex: 1; font-weight: 400; }
      header .menu { background: none; border: none; color: inherit; font-size: 1.5rem; padding: 4px 8px; }
      main {
        padding: var(--ha-space-4, 16px); display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--ha-space-4, 16px);
        max-width: 1200px; margin: 0 auto;
      }
      .key { display: flex; gap: var(--ha-space-3, 12px); align-items: center; flex-wrap: wrap; }
      .key code { font-size: 1.1rem; letter-spacing: 0.05em; user-select: all; }
      .grow { flex: 1; }
      .actions { display: flex; gap: var(--ha-space-2, 8px); flex-wrap: wrap; align-items: center; }
      .verify { margin-bottom: var(--ha-space-2, 8px); }
      .notice { display: flex; align-items: center; gap: var(--ha-space-2, 8px); margin: 0; }
      .notice .dismiss { border: none; background: none; color: inherit; min-height: 0; padding: 4px 8px; }
      .tools h3 { margin-top: var(--ha-space-4, 16px); }
      .button-like {
        display: inline-flex; align-items: center; min-height: 36px; box-sizing: border-box; padding: 6px 14px; cursor: pointer;
        border-radius: var(--ha-border-radius-md, 8px); border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.2));
        color: var(--primary-color, #0277bd); background: var(--card-background-color, #fff);
      }
      .button-like:focus-within { outline: 2px solid var(--primary-color, #0277bd); outline-offset: 2px; }
      :host([narrow]) main { padding: var(--ha-space-2, 8px); }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.smallQuery?.addEventListener("change", this.onSmallChange);
    this.onSmallChange();
    this.i18n.use(this.hass?.language ?? this.hass?.locale?.language);
    if (this.standalone && !this.hass && !this.conn) {
      const remembered = loadRemembered();
      if (remembered) void this.connectStandalone(remembered);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.smallQuery?.removeEventListener("change", this.onSmallChange);
    this.detach();
    this.ownConnection?.close();
    this.ownConnection = null;
    this.keyShown = false;
    this.verifyAbort?.abort();
    this.session?.close();
    this.session = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("hass") && this.hass) {
      this.i18n.use(this.hass.language ?? this.hass.locale?.language);
      if (this.hass.connection !== this.conn) {
        this.hassUrl = this.hass.auth?.data?.hassUrl ?? location.origin;
        this.attach(this.hass.connection);
      }
    }
    // Navigating away (or to another panel path) hides the key again.
    if (changed.has("route") && changed.get("route") !== undefined) this.keyShown = false;
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

  private loads: Promise<void> = Promise.resolve();

  /** Settles when every load started so far (with its registry fold, interruption report and reminders) is done. */
  get settled(): Promise<void> {
    return this.loads;
  }

  /** Loads everything again; called on connect, on reconnect and when a backup operation ends. */
  reload(): Promise<void> {
    const load = this.load();
    this.loads = Promise.all([this.loads, load]).then(() => undefined);
    return load;
  }

  private async load(): Promise<void> {
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

  /** After every successful load: fold HA's state into the registry, report an interrupted key change, sync reminders. */
  private async afterLoad(snapshot: InstanceSnapshot): Promise<void> {
    if (!snapshot.backup) return;
    this.session ??= new KeyringSession(this.registryName, () => this.keyringVersion++);
    try {
      await this.session.fold(snapshot, this.hassUrl || location.origin);
      await this.reportInterruptedChange();
      await this.syncReminders();
    } catch (err) {
      this.showError(err);
    }
  }

  /**
   * HA recreates hidden panels: a key change may have been cut off. Reconciliation has already
   * finished or rolled back a pending generation; here we tell the user what happened, once.
   * A flow still running (this tab or another, holding the lock) keeps its checkpoint.
   */
  private async reportInterruptedChange(): Promise<void> {
    const instanceId = this.session?.facts.instance?.id;
    if (!instanceId || !this.session) return;
    const registry = await this.session.openRegistry();
    const key = `checkpoint:${instanceId}`;
    const checkpoint = await registry.getMeta<FlowCheckpoint>(key);
    if (!checkpoint) return;
    const release = await defaultLocks().tryLock(`${KEY_CHANGE_LOCK}:${instanceId}`);
    if (!release) return;
    try {
      await registry.setMeta(key, null);
    } finally {
      release();
    }
    const t = this.i18n.localize;
    const pending = checkpoint.pendingId ? (await registry.generations(instanceId)).find((g) => g.id === checkpoint.pendingId) : undefined;
    if (!pending) this.notice = { kind: "info", text: t("panel.change_interrupted.before_commit") };
    else if (pending.status === "active") this.notice = { kind: "success", text: t("panel.change_interrupted.completed", { generation: pending.number }) };
    else this.notice = { kind: "warning", text: t("panel.change_interrupted.rolled_back") };
  }

  /** Turns any error into its translated message; never shows an exception's own text. */
  private errorText(err: unknown): string {
    const t = this.i18n.localize;
    if (err instanceof KitParseError) return t(`errors.kit.${err.code}`);
    if (err instanceof BackupFileError) return t(`errors.backup_file.${err.code}`, err.params);
    if (err instanceof RegistryError) return t(`errors.registry.${err.code}`, err.params);
    if (err instanceof DOMException && err.name === "AbortError") return t("panel.verify.cancelled");
    const c = classifyError(err);
    return t(`errors.connection.${c.code}`);
  }

  private showError(err: unknown): void {
    this.notice = { kind: "error", text: this.errorText(err) };
  }

  private async downloadKit(print: boolean): Promise<void> {
    const s = this.snapshot;
    if (!this.session || !s) return;
    const ctx = {
      url: this.hassUrl || location.origin,
      instanceName: s.core.location_name,
      language: this.i18n.language,
      timeZone: s.core.time_zone,
      haVersion: s.core.version,
      localize: this.i18n.localize,
    };
    try {
      if (print) {
        await this.renderRoot.querySelector<BkPrintKitDialog>("bk-print-kit-dialog")?.open(await this.session.kitFacts(ctx));
        return;
      }
      const kit = await this.session.currentKit(ctx);
      downloadTextFile(kit.fileName, kit.text);
      this.notice = { kind: "info", text: this.i18n.localize("panel.kit.downloaded", { file: kit.fileName }) };
    } catch (err) {
      this.showError(err);
    }
  }

  @state() private reminderSettings: ReminderSettings = DEFAULT_REMINDER_SETTINGS;

  /** Brings HA's notifications (kit not proven, newest backup unverified) in line with the registry. */
  private async syncReminders(): Promise<void> {
    const conn = this.conn;
    const f = this.session?.ready ? this.session.facts : null;
    if (!conn || !f || !this.session) return;
    const registry = await this.session.openRegistry();
    this.reminderSettings = await loadReminderSettings(registry);
    await applyReminders(registry, conn, { active: f.active, copies: f.copies, now: new Date() }, this.i18n.localize);
  }

  private async changeReminders(next: ReminderSettings): Promise<void> {
    if (!this.session) return;
    try {
      await saveReminderSettings(await this.session.openRegistry(), next);
      await this.syncReminders();
    } catch (err) {
      this.showError(err);
    }
  }

  private async verify(only?: CopyRow): Promise<void> {
    const conn = this.conn;
    if (!this.session?.ready || !conn || this.verifying) return;
    const t = this.i18n.localize;
    this.verifyAbort = new AbortController();
    this.verifying = { done: 0, total: 0, current: null };
    try {
      const sum = await this.session.verify(conn, {
        signal: this.verifyAbort.signal,
        only: only ? new Set([only.id]) : undefined,
        onProgress: (p) => (this.verifying = p),
      });
      const kind = sum.failed > 0 || sum.mismatches > 0 ? "warning" : "success";
      this.notice = { kind, text: t("panel.verify.summary", { checked: sum.checked, opened: sum.opened, failed: sum.failed, not_supported: sum.notSupported, mismatches: sum.mismatches }) };
    } catch (err) {
      this.showError(err);
    } finally {
      this.verifying = null;
      this.verifyAbort = null;
    }
  }

  private async loadKit(text: string): Promise<void> {
    const dialog = this.renderRoot.querySelector<BkLoadKitDialog>("bk-load-kit-dialog");
    if (!this.session) return;
    const t = this.i18n.localize;
    try {
      const res = await this.session.loadKit(text);
      dialog?.close();
      this.loadError = "";
      this.notice = {
        kind: "success",
        text: res.generation === null ? t("panel.load.loaded_new") : t("panel.load.loaded", { generation: res.generation }),
      };
    } catch (err) {
      this.loadError = this.errorText(err);
    }
  }

  private async checkFile(file: File): Promise<void> {
    if (!this.session?.ready) return;
    const t = this.i18n.localize;
    this.checkingFile = true;
    try {
      const { report, matched, generation } = await this.session.checkFile(file);
      const name = report.name ?? file.name;
      let notice: Notice;
      if (report.mislabelled) notice = { kind: "error", text: t("panel.offline.mislabelled", { name }) };
      else if (!report.encrypted) notice = { kind: "info", text: t("panel.offline.unencrypted", { name }) };
      else if (report.openedBy === null) notice = { kind: "error", text: t("panel.offline.failed", { name }) };
      else if (generation !== null) notice = { kind: "success", text: t("panel.offline.opened", { name, generation }) };
      else notice = { kind: "success", text: t("panel.offline.opened_unlisted", { name }) };
      if (report.damage) notice = { kind: "error", text: `${notice.text} ${t(`errors.backup_file.damage.${report.damage.code}`)}` };
      if (matched === 0 && report.encrypted) notice = { ...notice, text: `${notice.text} ${t("panel.offline.not_listed")}` };
      this.notice = notice;
    } catch (err) {
      this.showError(err);
    } finally {
      this.checkingFile = false;
    }
  }

  private async exportRegistry(): Promise<void> {
    if (!this.session) return;
    try {
      const text = await this.session.exportText();
      const day = new Date().toISOString().slice(0, 10);
      downloadTextFile(`backup_keyring_registry_${day}.json`, text, "application/json");
      this.notice = { kind: "info", text: this.i18n.localize("panel.export.done") };
    } catch (err) {
      this.showError(err);
    }
  }

  private async importRegistry(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file || !this.session) return;
    try {
      const res = await this.session.importText(await file.text());
      this.notice = { kind: "success", text: this.i18n.localize("panel.import.done", { generations: res.generations, copies: res.copies }) };
    } catch (err) {
      this.showError(err);
    }
  }

  @state() private dialogRegistry: Registry | null = null;

  /** Announces the key change (a host may take it over with preventDefault), else opens our dialog. */
  private async requestKeyChange(): Promise<void> {
    const ev = new CustomEvent(CHANGE_KEY_EVENT, {
      bubbles: true,
      composed: true,
      cancelable: true,
      detail: { instanceId: this.session?.facts.instance?.id ?? null },
    });
    if (!this.dispatchEvent(ev) || !this.session || !this.conn) return;
    try {
      this.dialogRegistry = await this.session.openRegistry();
      await this.updateComplete;
      await this.renderRoot.querySelector<BkKeyChangeDialog>("bk-key-change-dialog")?.open();
    } catch (err) {
      // The panel may have been closed while the dialog's preflight ran; then nobody is listening.
      if (this.isConnected) this.showError(err);
    }
  }

  private renderKeyChangeDialog(s: InstanceSnapshot) {
    if (!this.dialogRegistry || !this.conn) return nothing;
    return html`<bk-key-change-dialog .conn=${this.conn} .registry=${this.dialogRegistry} .localize=${this.i18n.localize} .language=${this.i18n.language}
      .kit=${{ instanceName: s.core.location_name, url: this.hassUrl || location.origin, language: this.i18n.language, timeZone: s.core.time_zone, haVersion: s.core.version }}
      @closed=${() => void this.reload()}></bk-key-change-dialog>`;
  }

  private onManagerEvent(ev: ManagerStateEvent): void {
    const finished = this.operationEnded(ev);
    if (ev.manager_state === "create_backup" && !("agent_id" in ev)) {
      this.creating = { stage: ev.stage ?? null };
      if (ev.state === "completed") this.notice = { kind: "success", text: this.i18n.localize("panel.create.completed") };
      if (ev.state === "failed") this.notice = { kind: "error", text: this.i18n.localize("panel.create.failed", { reason: ev.reason ?? "" }) };
    }
    if (ev.manager_state === "idle") this.creating = null;
    if (finished) void this.reload();
  }

  /** A backup now, with the automatic settings (and so the current key), as HA's "Back up now" does. */
  @state() private creating: { stage: string | null } | null = null;

  private async createBackup(): Promise<void> {
    if (!this.conn || this.creating) return;
    this.creating = { stage: null };
    try {
      await generateBackupWithAutomaticSettings(this.conn);
    } catch (err) {
      this.creating = null;
      this.notice = { kind: "error", text: this.errorText(err) };
    }
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

  /** Kit download/print and the key change, next to the key status. */
  private renderKeyActions(s: InstanceSnapshot): unknown {
    const t = this.i18n.localize;
    const hasKey = s.backup?.config.create_backup.password != null;
    return html`<div class="actions">
      ${hasKey && this.session?.facts.active
        ? html`<button class="primary" @click=${() => this.downloadKit(false)}>${t("panel.kit.download")}</button>
            <button @click=${() => this.downloadKit(true)}>${t("panel.kit.print")}</button>`
        : nothing}
      <button @click=${() => this.requestKeyChange()}>${hasKey ? t("panel.key.change") : t("panel.key.set_key")}</button>
    </div>`;
  }

  /** Status sentence, generation, kit and verification facts from the registry. */
  private renderOverview(s: InstanceSnapshot): unknown {
    const f = this.session?.ready ? this.session.facts : null;
    if (!f) return nothing;
    return html`<bk-keyring-overview .localize=${this.i18n.localize} .language=${this.i18n.language} .timeZone=${s.core.time_zone}
      .generations=${f.generations} .copies=${f.copies} .held=${f.held} .active=${f.active} .now=${new Date()}></bk-keyring-overview>`;
  }

  private renderKeyring(s: InstanceSnapshot) {
    const f = this.session?.ready ? this.session.facts : null;
    if (!f) return nothing;
    const t = this.i18n.localize;
    return html`
      <bk-generations-timeline .localize=${t} .language=${this.i18n.language} .timeZone=${s.core.time_zone}
        .generations=${f.generations} .copies=${f.copies} .held=${f.held}></bk-generations-timeline>
      <section class="card tools" aria-labelledby="tools-title">
        <h2 id="tools-title">${t("panel.tools.title")}</h2>
        <div class="actions">
          <button @click=${() => { this.loadError = ""; this.renderRoot.querySelector<BkLoadKitDialog>("bk-load-kit-dialog")?.open(); }}>${t("panel.load.open")}</button>
          <button @click=${() => this.exportRegistry()}>${t("panel.export.button")}</button>
          <label class="button-like">${t("panel.import.button")}<input class="sr-only" type="file" accept=".json,application/json" @change=${this.importRegistry} /></label>
        </div>
        <p class="secondary">${t("registry.export.private")}</p>
        ${this.session && this.session.exportDue > 0 ? html`<div class="alert info" role="status"><div>${t("registry.export.due", { count: this.session.exportDue })}</div></div>` : nothing}
        ${this.session?.persisted === false ? html`<p class="secondary">${t("registry.storage.not_persisted")}</p>` : nothing}
        ${this.session?.persisted === true ? html`<p class="secondary">${t("registry.storage.persisted")}</p>` : nothing}
        <h3>${t("panel.offline.title")}</h3>
        <p class="secondary">${t("panel.offline.description")}</p>
        <bk-file-drop .label=${this.checkingFile ? t("panel.offline.checking") : t("panel.offline.drop")} accept=".tar"
          ?disabled=${this.checkingFile} @file-picked=${(e: CustomEvent<File>) => this.checkFile(e.detail)}></bk-file-drop>
      </section>
      <bk-reminder-settings .localize=${t} .settings=${this.reminderSettings}
        @settings-changed=${(e: CustomEvent<ReminderSettings>) => this.changeReminders(e.detail)}></bk-reminder-settings>
      <bk-vault-settings .localize=${t} .session=${this.session} ?hasCurrentKey=${s.backup?.config.create_backup.password != null}></bk-vault-settings>
      <bk-journal-list .localize=${t} .language=${this.i18n.language} .timeZone=${s.core.time_zone} .entries=${f.journal}></bk-journal-list>
      <bk-load-kit-dialog .localize=${t} .error=${this.loadError} @kit-text=${(e: CustomEvent<string>) => this.loadKit(e.detail)}></bk-load-kit-dialog>
      ${this.renderKeyChangeDialog(s)}
      <bk-print-kit-dialog .localize=${t}></bk-print-kit-dialog>
    `;
  }

  private renderVerifyBar() {
    const t = this.i18n.localize;
    const v = this.verifying;
    if (!this.session?.ready) return nothing;
    return html`<div class="actions verify">
      ${v
        ? html`<progress max=${v.total || 1} value=${v.done} aria-label=${t("panel.verify.progress", { done: v.done, total: v.total })}></progress>
            <span role="status">${t("panel.verify.progress", { done: v.done, total: v.total })}</span>
            <button @click=${() => this.verifyAbort?.abort()}>${t("common.cancel")}</button>`
        : html`<button class="primary" @click=${() => this.verify()}>${t("panel.verify.all")}</button>`}
      ${this.creating
        ? html`<span role="status">${t("panel.create.running")}${this.creating.stage ? ` (${stageText(t, this.creating.stage)})` : ""}</span>`
        : html`<button @click=${() => this.createBackup()} ?disabled=${!this.snapshot?.backup?.config.create_backup.password}>${t("panel.create.button")}</button>`}
    </div>`;
  }

  private rowsCache: { version: number; snapshot: InstanceSnapshot; rows: CopyRow[] } | null = null;

  /** Registry rows once the registry knows this instance (deleted copies included), else HA's list. */
  private tableRows(s: InstanceSnapshot): CopyRow[] {
    if (this.rowsCache && this.rowsCache.version === this.keyringVersion && this.rowsCache.snapshot === s) return this.rowsCache.rows;
    const f = this.session?.ready ? this.session.facts : null;
    const rows = f ? registryRows(f.copies, f.generations, s.backup!.agents) : copyRows(s.backup!.info, s.backup!.agents);
    this.rowsCache = { version: this.keyringVersion, snapshot: s, rows };
    return rows;
  }

  private renderBackups(s: InstanceSnapshot) {
    const t = this.i18n.localize;
    if (!s.backup) return nothing;
    const errors = Object.entries(s.backup.info.agent_errors);
    return html`<section class="card" aria-labelledby="backups-title">
      <h2 id="backups-title">${t("panel.table.title")}</h2>
      ${errors.map(([agentId, message]) => html`<div class="alert warning" role="status"><div>${t("panel.agent_error", { location: agentName(agentId, s.backup!.agents), message })}</div></div>`)}
      ${this.renderVerifyBar()}
      <bk-backup-table .rows=${this.tableRows(s)} .localize=${t} .language=${this.i18n.language}
        .timeZone=${s.core.time_zone} ?narrow=${this.narrow || (this.standalone && this.smallScreen)} ?withKeys=${this.session?.ready ?? false}
        ?canVerify=${(this.session?.ready ?? false) && this.verifying === null}
        @verify-copy=${(e: CustomEvent<CopyRow>) => this.verify(e.detail)}></bk-backup-table>
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
        ${this.notice
          ? html`<div class="alert ${this.notice.kind} notice" role=${this.notice.kind === "error" ? "alert" : "status"}>
              <div class="grow">${this.notice.text}</div>
              <button class="dismiss" aria-label=${t("common.dismiss")} @click=${() => (this.notice = null)}>✕</button>
            </div>`
          : nothing}
        ${s?.backup ? html`${this.renderOverview(s)}${this.renderKeyStatus(s)}${this.renderBackups(s)}${this.renderKeyring(s)}` : nothing}
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
