// The sidebar panel. Inside HA it uses `hass.connection` (HA pushes `hass` on every state change,
// so we only react when the connection or language changes); standalone it opens its own
// connection with a long-lived token. HA destroys hidden panels after ~5 minutes, so anything
// that matters lives in IndexedDB (the registry), not in this element.
import type { HassLike } from "../../data/hass.js";
import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { property, state } from "lit/decorators.js";
import type { Connection } from "home-assistant-js-websocket";
import { stageText } from "../backup-stage.js";
import { generateBackupWithAutomaticSettings, operationEndTracker, uploadProgress, type ManagerStateEvent } from "../../data/backup.js";
import { BackupFollowController } from "../backup-follow-controller.js";
import { backupFeatures } from "../../data/ha-version.js";
import { fetchCurrentUser } from "../../data/auth.js";
import { keyRestoredAfterChange } from "../../flows/key-restored.js";
import type { HaConnection } from "../../data/connection.js";
import { InstanceError, classifyError, loadInstance, type InstanceSnapshot } from "../../data/instance.js";
import "../components/backup-table.js";
import { LocalizeController } from "../localize-controller.js";
import { haStyles } from "../styles.js";
import "./connect-form.js";
import { loadRemembered, rememberConnection, type ConnectRequest } from "./connect-form.js";
import { isHomeAssistantUrl } from "./ha-url.js";
import { openConnection } from "./open-connection.js";
import { copyRows, type CopyRow } from "../model/panel-model.js";
import { agentName, locationNames, locationNaming, type LocationNaming } from "../model/location-names.js";
import { fetchIntegrationTitles } from "../../data/translations.js";
import { offlineCheckNotice } from "./offline-notice.js";
import { registryRows } from "../model/keyring-model.js";
import { KeyringSession } from "../keyring-session.js";
import { calendarDay, dateLanguage, resolveTimeZone } from "../../common/datetime.js";
import { numberLanguage } from "../../common/number.js";
import { downloadTextFile } from "../../kit/download.js";
import { showDrillDialog, showKeyChangeDialog, showLoadKitDialog, showPrintKitDialog, showRestoreGuidanceDialog } from "../dialogs/show-dialog.js";
import "../components/reminder-settings.js";
import { defaultLocks } from "../../common/locks.js";
import { KEY_CHANGE_LOCK } from "../../flows/key-change/flow.js";
import type { FlowCheckpoint } from "../../flows/key-change/ports.js";
import { applyReminders, loadReminderSettings, saveReminderSettings, DEFAULT_REMINDER_SETTINGS, type ReminderSettings } from "../../flows/reminders.js";
import { KitParseError } from "../../kit/parse.js";
import type { KitClaims } from "../../flows/kit-claims.js";
import { RegistryError, type CopyRecord, type GenerationRecord } from "../../registry/model.js";
import { BackupFileError } from "../../common/backup-file-errors.js";
import type { VerifyProgress } from "../../registry/verify.js";
import "../components/keyring-overview.js";
import "../components/generations-timeline.js";
import "../components/journal-list.js";
import "../components/file-drop.js";
import "../components/vault-settings.js";
import "../components/drill-status.js";
import { olderGenerationDrills, type DrillAnswer, type DrillOutcome } from "../../flows/drill.js";
import { restoreGuidanceFromRegistry } from "../../flows/restore-guidance.js";
import { fireEvent } from "../../common/fire-event.js";
import { keyIn } from "../../common/localize.js";

/** Fired (bubbling, composed) when the user asks to change the key; the key-change dialog answers it. */
export const CHANGE_KEY_EVENT = "backup-keyring-change-key";

export interface Notice {
  kind: "success" | "warning" | "error" | "info";
  text: string;
  /** One line each, shown as a list under the text (e.g. a reason per damaged archive). */
  details?: string[];
  /** The connection dropped: the notice goes away once HA answers again. */
  connection?: boolean;
}

export type { HassLike } from "../../data/hass.js";

export type PanelStatus = "disconnected" | "connecting" | "loading" | "ready" | "error";

export class BackupKeyringPanel extends LitElement {
  @property({ attribute: false }) hass?: HassLike;
  @property({ type: Boolean, reflect: true }) narrow = false;
  @property({ attribute: false }) route?: { prefix: string; path: string };
  @property({ attribute: false }) panel?: { config?: Record<string, unknown> };
  /** Standalone mode (demo page, or opened outside HA): connect with URL + token. */
  @property({ type: Boolean }) standalone = false;

  @state() private status: PanelStatus = "disconnected";
  /** Where the panel is (connecting, loading, ready, error): for the page around it and for tests to wait on. */
  get loadStatus(): PanelStatus {
    return this.status;
  }
  /** HA went away and the panel is waiting for it to come back. */
  get isReconnecting(): boolean {
    return this.reconnecting;
  }
  /** HA's last answer as shown (null before the first). */
  get currentSnapshot(): InstanceSnapshot | null {
    return this.snapshot;
  }
  @state() private errorCode: InstanceError["code"] | null = null;
  @state() private snapshot: InstanceSnapshot | null = null;
  @state() private reconnecting = false;
  @state() private keyShown = false;
  @state() private hassUrl = "";
  /** IndexedDB name of the registry (tests use their own). */
  @property({ attribute: false }) registryName?: string;
  @state() private notice: Notice | null = null;
  /** Standalone on a small screen: HA's own breakpoint for `narrow`. */
  @state() private smallScreen = false;
  private readonly smallQuery = typeof matchMedia === "function" ? matchMedia("(max-width: 870px)") : null;
  private readonly onSmallChange = () => (this.smallScreen = this.smallQuery?.matches ?? false);
  @state() private verifying: VerifyProgress | null = null;
  @state() private checkingFile = false;
  /** The last backup file checked: offered for decrypt / re-key / extract (src/ui/components/recovery-tools.ts). */
  @state() private recoveryFile: File | null = null;
  /** The last offline check's result, shown under the drop zone where the user is looking. */
  @state() private fileResult: Notice | null = null;
  @state() private keyringVersion = 0;
  private verifyAbort: AbortController | null = null;
  /** The automatic check of local copies ran once in this panel's life. */
  private localChecked = false;
  @state() private backgroundCheck: { abort: AbortController; done: number; total: number } | null = null;
  protected session: KeyringSession | null = null;

  protected readonly i18n = new LocalizeController(this);
  protected conn: HaConnection | null = null;
  private ownConnection: Connection | null = null;
  private readonly lifecycle = new BackupFollowController(this);
  private readonly operationEnded = operationEndTracker();

  static override styles = [
    haStyles,
    css`
      :host { display: block; min-height: 100%; background: var(--primary-background-color, #fafafa); }
      header {
        display: flex; align-items: center; gap: var(--ha-space-2, 8px); height: var(--header-height, 56px);
        padding: 0 var(--ha-space-4, 16px);
        /* HA's header colours, darkened enough for its text to keep 4.5:1 (white on #03a9f4 is 2.6:1). */
        background: color-mix(in srgb, var(--app-header-background-color, var(--primary-color, #03a9f4)) 60%, black);
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
      .file-result { margin: var(--ha-space-2, 8px) 0 0; }
      .button-like {
        display: inline-flex; align-items: center; min-height: 36px; box-sizing: border-box; padding: 6px 14px; cursor: pointer;
        border-radius: var(--ha-border-radius-md, 8px); border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.2));
        color: var(--bk-text-primary); background: var(--card-background-color, #fff);
      }
      .button-like:focus-within { outline: 2px solid var(--bk-text-primary); outline-offset: 2px; }
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
    this.keyShown = false;
    this.verifyAbort?.abort();
    this.backgroundCheck?.abort.abort();
    // The registry's last mirror write (if one waits for its debounce) goes out before our own
    // connection closes; HA's connection is HA's to close.
    const own = this.ownConnection;
    this.ownConnection = null;
    void (this.session?.close() ?? Promise.resolve()).finally(() => own?.close());
    this.session = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("hass") && this.hass) {
      this.i18n.use(this.hass.language ?? this.hass.locale?.language);
      if (this.hass.connection !== this.conn) {
        this.hassUrl = this.hass.auth?.data?.hassUrl ?? location.origin;
        // HA tells who the user is with `hass`: an admin sees what is stored at once.
        if (this.hass.user?.is_admin) this.adminKnown = true;
        void this.rememberInstance(this.hassUrl);
        this.attach(this.hass.connection);
      }
    }
    // Navigating away (or to another panel path) hides the key again.
    if (changed.has("route") && changed.get("route") !== undefined) this.keyShown = false;
    // The reminder's link while the panel is already open.
    if (changed.has("route") && this.session?.ready) void this.openDrillFromRoute();
  }

  /**
   * Standalone connection from the form (or the demo page's URL fragment). `opening`: the
   * connection the shim started while this module loaded (else one is opened here).
   */
  async connectStandalone(req: ConnectRequest, opening?: Promise<Connection>): Promise<void> {
    // Kept for the form whatever happens next: a wrong token should not cost the typed address.
    this.hassUrl = req.url;
    this.ownConnection?.close();
    this.ownConnection = null;
    if (!isHomeAssistantUrl(req.url)) {
      void opening?.then(
        (c) => c.close(),
        () => undefined,
      );
      this.fail(new InstanceError("invalid_url"));
      return;
    }
    this.status = "connecting";
    this.errorCode = null;
    // What is stored for this address is read meanwhile; it shows once HA says the user is an admin.
    void this.rememberInstance(req.url);
    const attempt = ++this.connectAttempt;
    try {
      const conn = await (opening ?? openConnection(req));
      // A later attempt (the remembered sign-in and the page's own, one after the other) or a panel
      // taken off the page meanwhile: this connection is nobody's, so it is closed, not kept open.
      if (attempt !== this.connectAttempt || !this.isConnected) return void conn.close();
      rememberConnection(req);
      this.ownConnection = conn;
      this.hassUrl = req.url;
      this.attach(conn);
    } catch (err) {
      if (attempt === this.connectAttempt) this.fail(classifyError(err));
    }
  }

  /** Counts `connectStandalone` calls: only the newest one's connection is used. */
  private connectAttempt = 0;

  /** Follows the connection: load once HA's backup integration is up (again), then its events. */
  private attach(conn: HaConnection): void {
    this.detach();
    this.conn = conn;
    if (this.status !== "ready") this.status = "loading";
    this.lifecycle.follow(conn, {
      onEvent: (ev) => this.onManagerEvent(ev),
      // Inside HA, `hass` says who the user is; standalone, HA is asked (the load asks again).
      followsEvents: async () => (this.hass?.user ? this.hass.user.is_admin : (await fetchCurrentUser(conn)).is_admin),
      onAvailable: async () => {
        this.reconnecting = false;
        await this.reload();
        if (conn !== this.conn) return false;
        // HA answered with an error (shown as the panel's error): load again after a pause.
        if (this.status === "error" && this.errorCode === "ha_error") throw new Error("backup load failed");
        return this.status === "ready" && (this.snapshot?.user.is_admin ?? false);
      },
      onUnavailable: () => (this.reconnecting = true),
    });
  }

  private detach(): void {
    this.lifecycle.stop();
    this.conn = null;
  }

  /** The zone every date is shown in: the user's HA setting (local or server). Kits use it too. */
  private timeZone(s: InstanceSnapshot): string | undefined {
    return resolveTimeZone(this.hass?.locale?.time_zone, s.core.time_zone);
  }

  /** The language for dates and times, with the user's 12/24-hour choice. */
  private get dateLanguage(): string {
    return dateLanguage(this.i18n.language, this.hass?.locale);
  }

  private fail(err: InstanceError): void {
    this.status = "error";
    this.errorCode = err.code;
  }

  private loads: Promise<void> = Promise.resolve();
  /** The background check of local copies started by a load (it never rejects). */
  private localCheck: Promise<void> = Promise.resolve();

  /**
   * Settles when every load started so far (with its registry fold, interruption report and
   * reminders) is done, and the mirror write they caused; the background check of local copies
   * may still be running (it takes as long as HA needs to read every local backup).
   */
  get reconciled(): Promise<void> {
    return this.loads.then(() => this.session?.mirrorIdle());
  }

  /** Settles when every load started so far (with its registry fold, interruption report, reminders and background check of local copies) is done, and the mirror write they caused. */
  get settled(): Promise<void> {
    // The check's results are registry writes too: the mirror write (sent after its debounce) comes after them.
    return this.loads.then(() => this.localCheck).then(() => this.session?.mirrorIdle());
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
      // HA's integration titles come alongside (never rejects): locations are named by them in the first table.
      const titles = this.loadTitles(conn);
      const snapshot = await loadInstance(conn, { onUser: (user) => conn === this.conn && (this.adminKnown = user.is_admin) });
      await titles;
      // (A load sent before the one shown is older news, however late it answers.)
      if (conn !== this.conn || (this.snapshot && snapshot.readOrder < this.snapshot.readOrder)) return;
      this.snapshot = snapshot;
      if (this.notice?.connection) this.notice = null;
      this.errorCode = snapshot.user.is_admin ? null : "not_admin";
      this.status = "ready";
      await this.afterLoad(snapshot);
    } catch (err) {
      this.fail(classifyError(err));
    }
  }

  /** Integration titles HA gave for the locations' domains (by language), for `naming`. */
  @state() private titles: { language: string; byDomain: Record<string, string> } = { language: "", byDomain: {} };

  /** HA's integration titles in the user's language (once per language: they change only with HA's integrations). */
  private async loadTitles(conn: HaConnection): Promise<void> {
    const language = this.hass?.language ?? this.i18n.language;
    if (this.titles.language === language) return;
    const byDomain = await fetchIntegrationTitles(conn, language);
    // Not answered (refused, dropped): asked again on the next load.
    if (byDomain && conn === this.conn) this.titles = { language, byDomain };
  }

  /** How locations are named: HA's own words where the panel runs inside HA, else ours and HA's titles. */
  private get naming(): LocationNaming {
    return locationNaming(this.hass?.localize, this.i18n.localize, this.titles.byDomain);
  }

  /**
   * Whether HA said this user is an admin (from `hass`, or `auth/current_user` before the backup
   * answers arrive): only then is anything from the registry shown. Null: not known yet.
   */
  @state() private adminKnown: boolean | null = null;

  /** Reads what the registry remembers of the instance at this address (shown until HA's answer is in: `renderRemembered`). */
  private async rememberInstance(url: string): Promise<void> {
    this.session ??= new KeyringSession(this.registryName, () => this.keyringVersion++);
    try {
      await this.session.showRemembered(url || location.origin);
    } catch {
      // Nothing to show early; HA's answer fills the page as before.
    }
  }

  /** After every successful load: fold HA's state into the registry, report an interrupted key change, sync reminders. */
  private async afterLoad(snapshot: InstanceSnapshot): Promise<void> {
    if (!snapshot.backup) return;
    this.session ??= new KeyringSession(this.registryName, () => this.keyringVersion++);
    try {
      // Paint what the registry already knows, then reconcile (mirror first, then HA's state).
      await this.session.showStored(snapshot, this.hassUrl || location.origin);
      await this.session.fold(snapshot, this.hassUrl || location.origin, this.conn ?? undefined);
      await this.reportInterruptedChange();
      await this.syncReminders();
      await this.openDrillFromRoute();
      // A fresh registry knows nothing about older backups: check the newest copies on HA's own
      // disk with the current key on its own (HA reads them locally; the rest wait for "Verify all").
      const unsettled = this.session.unsettledLocalCopies();
      if (!this.localChecked && this.features().canDecryptOnDownload && unsettled.size > 0) {
        this.localChecked = true;
        this.localCheck = this.checkLocalInBackground(unsettled);
      }
    } catch (err) {
      this.showError(err);
    }
  }

  // --- kit drill ---

  private drillTargetId: string | null = null;
  /** The route that last opened the drill: the reminder's link opens it once, not on every reload. */
  private drillRouteHandled: unknown = null;

  /** The reminder's link (`/backup-keyring/drill`) opens the drill of the current key. */
  private async openDrillFromRoute(): Promise<void> {
    const route = this.route;
    if (!route || !/^\/drill\/?$/.test(route.path) || this.drillRouteHandled === route) return;
    this.drillRouteHandled = route;
    const active = this.session?.facts.active;
    if (active) await this.openDrill(active.id);
  }

  private async openDrill(generationId: string): Promise<void> {
    const f = this.session?.ready ? this.session.facts : null;
    const s = this.snapshot;
    const target = f?.generations.find((g) => g.id === generationId);
    if (!f || !s || !target) return;
    this.drillTargetId = generationId;
    // Loaded on first use (show-dialog.ts): the drill's code is not in the panel's chunk. Not
    // awaited: the promise settles when the dialog closes, and a load must not wait for that.
    const need = olderGenerationDrills(f.generations, f.copies).find((o) => o.generation.id === target.id);
    void showDrillDialog(this, {
      localize: this.i18n.localize,
      language: this.dateLanguage,
      timeZone: this.timeZone(s),
      generation: target,
      current: target.status === "active" && s.backup?.config.create_backup.password != null,
      backups: need?.backups ?? 0,
      guessed: need?.guessed ?? 0,
      judge: this.judgeDrill,
      downloadKit: () => this.downloadKit(false),
    }).catch((err) => this.showError(err));
  }

  private readonly judgeDrill = async (answer: DrillAnswer): Promise<DrillOutcome> => {
    if (!this.session || !this.drillTargetId) throw new Error("no drill");
    const outcome = await this.session.drill(this.drillTargetId, answer);
    // A pass dismisses the drill reminder in HA right away.
    if (outcome.result === "passed") await this.syncReminders().catch((err) => this.showError(err));
    return outcome;
  };

  // --- restore guidance ---

  private async openRestoreHelp(row: CopyRow): Promise<void> {
    const f = this.session?.ready ? this.session.facts : null;
    const s = this.snapshot;
    if (!f || !s || !this.session) return;
    const guidance = restoreGuidanceFromRegistry(row.backupId, f.copies, f.generations, { instanceName: s.core.location_name, timeZone: this.timeZone(s) });
    if (!guidance) return;
    const copyable = new Set<string>();
    for (const o of guidance.options) if (o.generationId && (await this.session.canCopyKey(o.generationId))) copyable.add(o.generationId);
    void showRestoreGuidanceDialog(this, {
      localize: this.i18n.localize,
      language: this.dateLanguage,
      timeZone: this.timeZone(s),
      guidance,
      copyable,
      locationName: (id: string) => agentName(id, s.backup?.agents ?? [], this.naming),
      copyKey: (id: string) => this.session?.keyFor(id) ?? Promise.resolve(null),
    }).catch((err) => this.showError(err));
  }

  private renderDrill(s: InstanceSnapshot, f: { generations: GenerationRecord[]; copies: CopyRecord[]; active: GenerationRecord | null }): unknown {
    const t = this.i18n.localize;
    return html`<bk-drill-status .localize=${t} .language=${this.dateLanguage} .timeZone=${this.timeZone(s)} .generations=${f.generations}
        .copies=${f.copies} .active=${f.active} .months=${this.reminderSettings.drillMonths} .now=${new Date()}
        @drill-request=${(e: CustomEvent<string>) => this.openDrill(e.detail)}></bk-drill-status>`;
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
    if (err instanceof RegistryError) return t(keyIn("errors.registry", err.code), err.params);
    if (err instanceof DOMException && err.name === "AbortError") return t("panel.verify.cancelled");
    const c = classifyError(err);
    return t(`errors.connection.${c.code}`);
  }

  private showError(err: unknown): void {
    const lost = !(err instanceof KitParseError || err instanceof BackupFileError || err instanceof RegistryError) && classifyError(err).code === "connection_lost";
    this.notice = { kind: "error", text: this.errorText(err), connection: lost };
  }

  private async downloadKit(print: boolean): Promise<void> {
    const s = this.snapshot;
    if (!this.session || !s) return;
    const ctx = {
      url: this.hassUrl || location.origin,
      instanceName: s.core.location_name,
      language: this.i18n.language,
      timeZone: this.timeZone(s),
      haVersion: s.core.version,
      localize: this.i18n.localize,
      locationNames: locationNames(s.backup?.agents ?? [], this.naming),
    };
    try {
      if (print) {
        void showPrintKitDialog(this, { facts: await this.session.kitFacts(ctx), localize: this.i18n.localize }).catch((err) => this.showError(err));
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
    const s = this.snapshot;
    if (!conn || !f || !this.session || !s) return;
    const registry = await this.session.openRegistry();
    this.reminderSettings = await loadReminderSettings(registry, conn);
    // Due days in the zone the panel and the card show them in; the link opens this panel's drill
    // wherever HA serves it (panel_custom's url_path; standalone, the default panel address).
    const drillLink = this.route?.prefix ? `${this.route.prefix}/drill` : undefined;
    await applyReminders(registry, conn, { active: f.active, copies: f.copies, now: new Date(), timeZone: this.timeZone(s), drillLink }, this.i18n.localize, this.reminderSettings);
  }

  private async changeReminders(next: ReminderSettings): Promise<void> {
    if (!this.session) return;
    try {
      await saveReminderSettings(await this.session.openRegistry(), next, this.conn ?? undefined);
      await this.syncReminders();
    } catch (err) {
      this.showError(err);
    }
  }

  /**
   * The current key on `only` (copies HA keeps on its own disk, `unsettledLocalCopies`), in the
   * background: it never blocks "Verify all backups" (which stops it and checks everything).
   */
  private async checkLocalInBackground(only: Set<string>): Promise<void> {
    const conn = this.conn;
    if (!this.session?.ready || !conn) return;
    const abort = new AbortController();
    this.backgroundCheck = { abort, done: 0, total: 0 };
    try {
      await this.session.verify(conn, {
        only,
        signal: abort.signal,
        onProgress: (p) => {
          if (this.backgroundCheck?.abort === abort) this.backgroundCheck = { abort, done: p.done, total: p.total };
        },
      });
    } catch {
      // Stopped, or the connection dropped: what was checked is kept; "Verify all" does the rest.
    } finally {
      if (this.backgroundCheck?.abort === abort) this.backgroundCheck = null;
    }
  }

  /** An older generation's kit, for a key loaded this session: it lists what is now proven. */
  private async downloadGenerationKit(generationId: string): Promise<void> {
    const s = this.snapshot;
    if (!this.session || !s) return;
    try {
      const kit = await this.session.generationKit(generationId, {
        url: this.hassUrl || location.origin,
        instanceName: s.core.location_name,
        language: this.i18n.language,
        timeZone: this.timeZone(s),
        haVersion: s.core.version,
        localize: this.i18n.localize,
        locationNames: locationNames(s.backup?.agents ?? [], this.naming),
      });
      downloadTextFile(kit.fileName, kit.text);
    } catch (err) {
      this.showError(err);
    }
  }

  /**
   * Checks copies online (progress visible, cancellable). Without arguments: every copy with every
   * key held. `narrow`: only some keys (a kit just loaded) and candidate copies (local ones, and
   * those a kit names); `lead` goes before the summary.
   */
  private async verify(only?: CopyRow, narrow?: { fingerprints?: string[]; backups?: string[]; lead?: () => string; alarm?: boolean }): Promise<void> {
    const conn = this.conn;
    if (!this.session?.ready || !conn || this.verifying) return;
    const t = this.i18n.localize;
    this.backgroundCheck?.abort.abort();
    this.backgroundCheck = null;
    this.verifyAbort = new AbortController();
    this.verifying = { done: 0, total: 0, current: null };
    try {
      const sum = await this.session.verify(conn, {
        signal: this.verifyAbort.signal,
        only: only ? new Set([only.id]) : undefined,
        onProgress: (p) => (this.verifying = p),
        ...(narrow ? { fingerprints: narrow.fingerprints, scope: "candidates" as const, backups: narrow.backups } : {}),
      });
      // Only a withdrawn belief or a contradicting proof is a warning: an expected outcome, a copy
      // HA cannot check and an error answer ("could not be checked") are not failures.
      const kind = narrow?.alarm ? "error" : sum.unavailable ? "info" : sum.failed > 0 || sum.mismatches > 0 ? "warning" : "success";
      const summary = sum.unavailable
        ? t("panel.verify.needs_newer_ha")
        : t("panel.verify.summary", {
            checked: sum.checked,
            opened: sum.opened,
            failed: sum.failed,
            other_key: sum.otherKey,
            not_supported: sum.notSupported,
            errors: sum.errors,
            mismatches: sum.mismatches,
          });
      this.notice = { kind, text: narrow?.lead ? `${narrow.lead()} ${summary}` : summary };
    } catch (err) {
      this.showError(err);
    } finally {
      this.verifying = null;
      this.verifyAbort = null;
    }
  }

  /**
   * What the kit's own block says (generation, fingerprint) against its key, in words: a kit whose
   * block belongs to another key was edited or mixed up, and the user must hear it.
   */
  private claimsWords(claims: KitClaims): { text: string; alarm: boolean } {
    const t = this.i18n.localize;
    if (claims.state === "mismatch") {
      const text = claims.actual === null ? t("panel.load.claims_mismatch_unknown", { claimed: claims.claimed }) : t("panel.load.claims_mismatch", { claimed: claims.claimed, actual: claims.actual });
      return { text, alarm: true };
    }
    if (claims.state === "other_registry") return { text: t("panel.load.claims_other_registry"), alarm: false };
    return { text: "", alarm: false };
  }

  /** For the load-kit dialog: null when loaded (the dialog closes), else the message it shows. */
  private async loadKit(text: string): Promise<string | null> {
    if (!this.session) return null;
    const t = this.i18n.localize;
    try {
      const res = await this.session.loadKit(text);
      const claims = this.claimsWords(res.claims);
      const legacyNote = res.legacy ? ` ${t("panel.load.legacy_note")}` : "";
      const claimsNote = claims.text ? ` ${claims.text}` : "";
      const loaded = res.generation === null ? t("panel.load.loaded_new") : t("panel.load.loaded", { generation: res.generation });
      this.notice = { kind: claims.alarm ? "error" : "success", text: `${loaded}${claimsNote}${legacyNote}` };
      // Prove it online at once: the copies on HA's own disk and every copy the kit names, with
      // every form of the key loaded (as typed, and tidied when it looks like a generated key).
      const session = this.session;
      void this.verify(undefined, {
        fingerprints: res.fingerprints,
        backups: res.listed,
        alarm: claims.alarm,
        lead: () => {
          const g = session.generationOf(res.fingerprints);
          const proven = g ? new Set(session.facts.copies.filter((c) => c.generationId === g.id && c.confidence === "verified" && !c.deleted).map((c) => c.backupId)).size : 0;
          return (g ? t("panel.load.proven", { generation: g.number, count: proven }) : t("panel.load.loaded_new")) + claimsNote + legacyNote;
        },
      });
      return null;
    } catch (err) {
      return this.errorText(err);
    }
  }

  /**
   * The offline recovery page, from a lazily loaded chunk that holds its HTML (byte for byte the
   * release's backup-keyring-recovery.html): a HACS install has only the .js files, so no link to
   * the .html file would work there.
   */
  private async downloadRecoveryPage(): Promise<void> {
    const { RECOVERY_PAGE_FILE, RECOVERY_PAGE_HTML } = await import("./recovery-page-html.js");
    downloadTextFile(RECOVERY_PAGE_FILE, RECOVERY_PAGE_HTML, "text/html;charset=utf-8");
  }

  private async checkFile(file: File): Promise<void> {
    if (!this.session?.ready) return;
    const t = this.i18n.localize;
    this.checkingFile = true;
    this.fileResult = null;
    try {
      const { report, matched, generation } = await this.session.checkFile(file);
      // Lazy: the streaming decrypt code loads only once a backup file is dropped.
      await import("../components/recovery-tools.js");
      this.recoveryFile = file;
      this.fileResult = offlineCheckNotice(report, { matched, generation }, report.name ?? file.name, t);
    } catch (err) {
      this.fileResult = { kind: "error", text: this.errorText(err) };
    } finally {
      this.checkingFile = false;
    }
  }

  private async exportRegistry(): Promise<void> {
    if (!this.session) return;
    try {
      await this.downloadExport();
      this.notice = { kind: "info", text: this.i18n.localize("panel.export.done") };
    } catch (err) {
      this.showError(err);
    }
  }

  private async downloadExport(): Promise<void> {
    const text = await this.session!.exportText();
    const day = calendarDay(new Date(), this.snapshot ? this.timeZone(this.snapshot) : undefined);
    downloadTextFile(`backup_keyring_registry_${day}.json`, text, "application/json");
  }

  /** HA keeps another browser's registry: use that one here (this one is downloaded as an export first), or keep this one and replace HA's copy. */
  private async resolveOtherRegistry(choice: "use_ha" | "keep_this"): Promise<void> {
    const session = this.session;
    if (!session) return;
    try {
      if (choice === "use_ha") {
        await this.downloadExport();
        await session.useMirroredRegistry();
        await this.reload();
      } else {
        await session.keepThisRegistry();
      }
      this.notice = { kind: "success", text: this.i18n.localize(choice === "use_ha" ? "registry.mirror.used_ha" : "registry.mirror.kept_this") };
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

  /** Announces the key change (a host may take it over with preventDefault), else opens our dialog. */
  private async requestKeyChange(): Promise<void> {
    const ev = new CustomEvent(CHANGE_KEY_EVENT, {
      bubbles: true,
      composed: true,
      cancelable: true,
      detail: { instanceId: this.session?.facts.instance?.id ?? null },
    });
    const s = this.snapshot;
    if (!this.dispatchEvent(ev) || !this.session || !this.conn || !s) return;
    try {
      const closed = showKeyChangeDialog(this, {
        conn: this.conn,
        registry: await this.session.openRegistry(),
        localize: this.i18n.localize,
        language: this.dateLanguage,
        numberLanguage: numberLanguage(this.i18n.language, this.hass?.locale),
        kit: {
          instanceName: s.core.location_name,
          url: this.hassUrl || location.origin,
          language: this.i18n.language,
          timeZone: this.timeZone(s),
          haVersion: s.core.version,
          locationNames: locationNames(s.backup?.agents ?? [], this.naming),
        },
      });
      await closed;
      void this.reload();
    } catch (err) {
      // The panel may have been closed while the dialog's preflight ran; then nobody is listening.
      if (this.isConnected) this.showError(err);
    }
  }

  private onManagerEvent(ev: ManagerStateEvent): void {
    const finished = this.operationEnded(ev);
    const upload = uploadProgress(ev);
    if (ev.manager_state === "create_backup" && upload && this.creating) this.creating = { stage: "upload_to_agents", percent: upload.percent };
    if (ev.manager_state === "create_backup" && !("agent_id" in ev)) {
      this.creating = { stage: ev.stage ?? null };
      if (ev.state === "completed") this.notice = { kind: "success", text: this.i18n.localize("panel.create.completed") };
      if (ev.state === "failed") this.notice = { kind: "error", text: this.i18n.localize("panel.create.failed", { reason: ev.reason ?? "" }) };
    }
    if (ev.manager_state === "idle") this.creating = null;
    if (finished) void this.reload();
  }

  /** A backup now, with the automatic settings (and so the current key), as HA's "Back up now" does. */
  @state() private creating: { stage: string | null; percent?: number } | null = null;

  private async createBackup(): Promise<void> {
    if (!this.conn || this.creating) return;
    this.creating = { stage: null };
    const conn = this.conn;
    try {
      // Its progress and end come only as events: sent before the panel follows them (just
      // after loading), the backup could finish unseen, with no notice and no reload.
      await this.lifecycle.following();
      // (Dropped meanwhile: HAWS would queue the request and send it on reconnect, before the
      // new connection follows events again.)
      if (conn !== this.conn || this.reconnecting) throw new InstanceError("connection_lost");
      await generateBackupWithAutomaticSettings(conn);
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
        ${this.renderKeyRestored()}
        ${key !== null && this.keyShown ? html`<p><code data-testid="key">${key}</code></p>` : nothing}
      </div>
      ${
        key !== null
          ? html`<button @click=${() => (this.keyShown = !this.keyShown)} aria-pressed=${this.keyShown ? "true" : "false"}>
            ${this.keyShown ? t("panel.key.hide") : t("panel.key.show")}
          </button>`
          : nothing
      }
      ${this.renderKeyActions(s)}
    </section>`;
  }

  /** HA's own settings page (another tab) put the old key back right after our change. */
  private renderKeyRestored(): unknown {
    const f = this.session?.ready ? this.session.facts : null;
    const restored = f ? keyRestoredAfterChange(f.journal, f.active) : null;
    if (!restored) return nothing;
    return html`<div class="alert warning" role="alert" data-testid="key-restored"><div>${this.i18n.localize("panel.key_restored", { generation: restored.restored })}</div></div>`;
  }

  /** Kit download/print and the key change, next to the key status. */
  private renderKeyActions(s: InstanceSnapshot): unknown {
    const t = this.i18n.localize;
    const hasKey = s.backup?.config.create_backup.password != null;
    return html`<div class="actions">
      ${
        hasKey && this.session?.facts.active
          ? html`<button class="primary" @click=${() => this.downloadKit(false)}>${t("panel.kit.download")}</button>
            <button @click=${() => this.downloadKit(true)}>${t("panel.kit.print")}</button>`
          : nothing
      }
      <button @click=${() => this.requestKeyChange()}>${hasKey ? t("panel.key.change") : t("panel.key.set_key")}</button>
    </div>`;
  }

  /** Status sentence, generation, kit and verification facts from the registry. */
  private renderOverview(s: InstanceSnapshot): unknown {
    const f = this.session?.ready ? this.session.facts : null;
    if (!f) return nothing;
    return html`<bk-keyring-overview .localize=${this.i18n.localize} .language=${this.dateLanguage} .timeZone=${this.timeZone(s)}
      .generations=${f.generations} .copies=${f.copies} .held=${f.held} .active=${f.active} .now=${new Date()}></bk-keyring-overview>
      ${this.renderDrill(s, f)}`;
  }

  private renderKeyring(s: InstanceSnapshot) {
    const f = this.session?.ready ? this.session.facts : null;
    if (!f) return nothing;
    const t = this.i18n.localize;
    return html`
      <bk-generations-timeline .localize=${t} .language=${this.dateLanguage} .timeZone=${this.timeZone(s)}
        .generations=${f.generations} .copies=${f.copies} .held=${f.held}
        @download-generation-kit=${(e: CustomEvent<string>) => this.downloadGenerationKit(e.detail)}></bk-generations-timeline>
      <section class="card tools" aria-labelledby="tools-title">
        <h2 id="tools-title">${t("panel.tools.title")}</h2>
        <div class="actions">
          <button @click=${() => showLoadKitDialog(this, { localize: t, submit: (text) => this.loadKit(text) }).catch((err) => this.showError(err))}>${t("panel.load.open")}</button>
          <button @click=${() => this.exportRegistry()}>${t("panel.export.button")}</button>
          <label class="button-like">${t("panel.import.button")}<input class="sr-only" type="file" accept=".json,application/json" @change=${this.importRegistry} /></label>
        </div>
        <p class="secondary">${t("registry.export.private")}</p>
        ${
          this.session && this.session.exportDue > 0
            ? html`<div class="alert info" role="status" data-testid="export-due"><div>${t(this.session.mirrorStatus?.state === "synced" ? "registry.export.due_synced" : "registry.export.due", { count: this.session.exportDue })}</div></div>`
            : nothing
        }
        ${this.session?.persisted === false ? html`<p class="secondary">${t("registry.storage.not_persisted")}</p>` : nothing}
        ${this.session?.persisted === true ? html`<p class="secondary">${t("registry.storage.persisted")}</p>` : nothing}
        ${this.renderMirrorStatus()}
        <h3>${t("panel.offline.title")}</h3>
        <p class="secondary">${t("panel.offline.description")}</p>
        <bk-file-drop .label=${this.checkingFile ? t("panel.offline.checking") : t("panel.offline.drop")} accept=".tar"
          ?disabled=${this.checkingFile} @file-picked=${(e: CustomEvent<File>) => this.checkFile(e.detail)}></bk-file-drop>
        ${
          this.fileResult
            ? html`<div class="alert ${this.fileResult.kind} file-result" data-testid="file-result" role=${this.fileResult.kind === "error" ? "alert" : "status"}>
              <div>${this.fileResult.text}${this.fileResult.details?.length ? html`<ul>${this.fileResult.details.map((d) => html`<li>${d}</li>`)}</ul>` : nothing}</div></div>`
            : nothing
        }
        ${
          this.recoveryFile && this.session
            ? html`<bk-recovery-tools .localize=${t} .file=${this.recoveryFile} .keys=${this.session.recoveryKeys()} .newKey=${this.session.rekeyKey()}></bk-recovery-tools>`
            : nothing
        }
        <p class="secondary"><button data-testid="recovery-page-download" @click=${() => this.downloadRecoveryPage()}>${t("recovery.page_download")}</button>
          — ${t("recovery.page_note")}</p>
      </section>
      <bk-reminder-settings .localize=${t} .settings=${this.reminderSettings}
        @settings-changed=${(e: CustomEvent<ReminderSettings>) => this.changeReminders(e.detail)}></bk-reminder-settings>
      <bk-vault-settings .localize=${t} .session=${this.session} ?hasCurrentKey=${s.backup?.config.create_backup.password != null}></bk-vault-settings>
      <bk-journal-list .localize=${t} .language=${this.dateLanguage} .timeZone=${this.timeZone(s)} .entries=${f.journal}
        .locationName=${(id: string) => agentName(id, s.backup?.agents ?? [], this.naming)}></bk-journal-list>
    `;
  }

  /** What this HA version's backup API offers (from the connection's `ha_version`). */
  private features() {
    return backupFeatures(this.conn?.haVersion ?? this.snapshot?.core.version ?? "");
  }

  /** Whether the registry is also in HA, or only in this browser (and why). */
  private renderMirrorStatus() {
    const m = this.session?.mirrorStatus;
    if (!m || m.state === "starting") return nothing;
    const t = this.i18n.localize;
    if (m.state === "synced") return html`<p class="secondary" data-testid="mirror">${t("registry.mirror.synced")}</p>`;
    return html`<div class="alert warning" role="status" data-testid="mirror"><div>${t(`registry.mirror.${m.reason}`)}
      ${
        m.reason === "other_registry"
          ? html`<div class="actions">
            <button @click=${() => this.resolveOtherRegistry("use_ha")}>${t("registry.mirror.use_ha")}</button>
            <button @click=${() => this.resolveOtherRegistry("keep_this")}>${t("registry.mirror.keep_this")}</button>
          </div>`
          : nothing
      }</div></div>`;
  }

  private renderVerifyBar() {
    const t = this.i18n.localize;
    const v = this.verifying;
    if (!this.session?.ready) return nothing;
    // Before 2025.2 HA cannot check a key against a stored backup (no can_decrypt_on_download).
    const online = this.features().canDecryptOnDownload;
    return html`<div class="actions verify">
      ${
        !online
          ? html`<span role="note">${t("panel.verify.needs_newer_ha")}</span>`
          : v
            ? html`<progress max=${v.total || 1} value=${v.done} aria-label=${t("panel.verify.progress", { done: v.done, total: v.total })}></progress>
            <span role="status">${t("panel.verify.progress", { done: v.done, total: v.total })}</span>
            <button @click=${() => this.verifyAbort?.abort()}>${t("common.cancel")}</button>`
            : html`<button class="primary" @click=${() => this.verify()}>${t("panel.verify.all")}</button>`
      }
      ${
        !v && this.backgroundCheck
          ? html`<span class="secondary" role="status">${t("panel.verify.background", { done: this.backgroundCheck.done, total: this.backgroundCheck.total })}</span>
            <button @click=${() => this.backgroundCheck?.abort.abort()}>${t("common.cancel")}</button>`
          : nothing
      }
      ${
        this.creating
          ? html`<span role="status">${t("panel.create.running")}${this.creating.stage ? ` (${stageText(t, this.creating.stage)}${this.creating.percent !== undefined ? ` ${this.creating.percent} %` : ""})` : ""}</span>`
          : html`<button @click=${() => this.createBackup()} ?disabled=${!this.snapshot?.backup?.config.create_backup.password || this.reconnecting}>${t("panel.create.button")}</button>`
      }
    </div>`;
  }

  private rowsCache: { version: number; snapshot: InstanceSnapshot; titles: object; rows: CopyRow[] } | null = null;

  /** Registry rows once the registry knows this instance (deleted copies included), else HA's list. */
  private tableRows(s: InstanceSnapshot): CopyRow[] {
    if (this.rowsCache && this.rowsCache.version === this.keyringVersion && this.rowsCache.snapshot === s && this.rowsCache.titles === this.titles) return this.rowsCache.rows;
    const f = this.session?.ready ? this.session.facts : null;
    const naming = this.naming;
    const rows = f ? registryRows(f.copies, f.generations, s.backup!.agents, naming) : copyRows(s.backup!.info, s.backup!.agents, naming);
    this.rowsCache = { version: this.keyringVersion, snapshot: s, titles: this.titles, rows };
    return rows;
  }

  private renderBackups(s: InstanceSnapshot) {
    const t = this.i18n.localize;
    if (!s.backup) return nothing;
    const errors = Object.entries(s.backup.info.agent_errors);
    return html`<section class="card" aria-labelledby="backups-title">
      <h2 id="backups-title">${t("panel.table.title")}</h2>
      ${errors.map(([agentId, message]) => html`<div class="alert warning" role="status"><div>${t("panel.agent_error", { location: agentName(agentId, s.backup!.agents, this.naming), message })}</div></div>`)}
      ${this.renderVerifyBar()}
      <bk-backup-table .rows=${this.tableRows(s)} .localize=${t} .language=${this.dateLanguage} .numberLanguage=${numberLanguage(this.i18n.language, this.hass?.locale)}
        .timeZone=${this.timeZone(s)} ?narrow=${this.narrow || (this.standalone && this.smallScreen)} ?withKeys=${this.session?.ready ?? false}
        ?canVerify=${(this.session?.ready ?? false) && this.verifying === null && this.features().canDecryptOnDownload}
        @verify-copy=${(e: CustomEvent<CopyRow>) => this.verify(e.detail)}
        @restore-help=${(e: CustomEvent<CopyRow>) => this.openRestoreHelp(e.detail)}></bk-backup-table>
    </section>`;
  }

  private rememberedCache: { version: number; titles: object; rows: CopyRow[] } | null = null;

  /** The remembered rows, made once per registry change (every render would otherwise remake and re-sort 30 000). */
  private rememberedRows(f: { copies: CopyRecord[]; generations: GenerationRecord[] }, agents: { agent_id: string; name: string }[]): CopyRow[] {
    if (this.rememberedCache?.version !== this.keyringVersion || this.rememberedCache.titles !== this.titles) {
      this.rememberedCache = { version: this.keyringVersion, titles: this.titles, rows: registryRows(f.copies, f.generations, agents, this.naming) };
    }
    return this.rememberedCache.rows;
  }

  /**
   * Before HA has answered: the backups as this browser last knew them, with their key
   * generations, said to be that (admins only; HA's answer replaces it).
   */
  private renderRemembered() {
    const r = this.session?.remembered;
    const f = this.session?.facts;
    if (!r || !f || this.adminKnown !== true || this.snapshot || this.status === "error") return nothing;
    const t = this.i18n.localize;
    return html`<section class="card" aria-labelledby="backups-title" data-testid="remembered">
      <h2 id="backups-title">${t("panel.table.title")}</h2>
      <p class="secondary" role="status">${t("panel.remembered", { name: r.instance.name })}</p>
      <bk-backup-table .rows=${this.rememberedRows(f, r.agents)} .localize=${t} .language=${this.dateLanguage} .numberLanguage=${numberLanguage(this.i18n.language, this.hass?.locale)}
        .timeZone=${resolveTimeZone(this.hass?.locale?.time_zone, this.hass?.config?.time_zone)} ?narrow=${this.narrow || (this.standalone && this.smallScreen)} withKeys
        .total=${r.total}></bk-backup-table>
    </section>`;
  }

  protected override render() {
    const t = this.i18n.localize;
    const s = this.snapshot;
    const showMenu = this.narrow && !this.standalone;
    return html`
      <header>
        ${showMenu ? html`<button class="menu" aria-label=${t("panel.menu")} @click=${() => fireEvent(this, "hass-toggle-menu", undefined)}>☰</button>` : nothing}
        <h1>${t("panel.title")}${s ? html` · <span data-testid="instance">${s.core.location_name}</span>` : nothing}</h1>
      </header>
      <main>
        ${this.reconnecting ? html`<div class="alert warning" role="status"><div>${t("panel.reconnecting")}</div></div>` : nothing}
        ${this.renderError()}
        ${
          this.standalone && !this.conn && this.status !== "connecting"
            ? html`<bk-connect-form .localize=${t} .url=${this.hassUrl} @connect-request=${(e: CustomEvent<ConnectRequest>) => this.connectStandalone(e.detail)}></bk-connect-form>`
            : nothing
        }
        ${(this.status === "connecting" || (this.status === "loading" && !s)) && !(this.session?.remembered && this.adminKnown) ? html`<p class="secondary" role="status">${t("panel.loading")}</p>` : nothing}
        ${
          this.notice
            ? html`<div class="alert ${this.notice.kind} notice" role=${this.notice.kind === "error" ? "alert" : "status"}>
              <div class="grow">${this.notice.text}${this.notice.details?.length ? html`<ul>${this.notice.details.map((d) => html`<li>${d}</li>`)}</ul>` : nothing}</div>
              <button class="dismiss" aria-label=${t("common.dismiss")} @click=${() => (this.notice = null)}>✕</button>
            </div>`
            : nothing
        }
        ${s?.backup ? html`${this.renderOverview(s)}${this.renderKeyStatus(s)}${this.renderBackups(s)}${this.renderKeyring(s)}` : this.renderRemembered()}
      </main>
    `;
  }
}

/**
 * The tag this class is registered under. The main module's shim (panel-shim.ts) holds the public
 * tag and nests the real panel under a private one; a page or test that imports this module first
 * gets the real panel under the public tag itself.
 */
export const PANEL_TAG = customElements.get("backup-keyring-panel") ? "bk-keyring-panel-main" : "backup-keyring-panel";
if (!customElements.get(PANEL_TAG)) customElements.define(PANEL_TAG, BackupKeyringPanel);

declare global {
  interface HTMLElementTagNameMap {
    "backup-keyring-panel": BackupKeyringPanel;
  }
}

declare global {
  interface BkDomEvents {
    /** HA's own: open or close the sidebar (the hamburger on a narrow screen). */
    "hass-toggle-menu": undefined;
  }
}
