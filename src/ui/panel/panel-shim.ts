// `backup-keyring-panel` as HA's panel_custom creates it: a small element in the main module that
// imports the real panel (and everything only the panel needs) on first connection, nests it in
// its shadow root and forwards what HA sets (`hass`, `narrow`, `route`, `panel`). Dashboards that
// only show the card never load the panel's code.
import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { property, state } from "lit/decorators.js";
import type { ConnectRequest } from "./connect-form.js";
import type { BackupKeyringPanel, HassLike } from "./backup-keyring-panel.js";
import { LocalizeController } from "../localize-controller.js";
import { isHomeAssistantUrl } from "./ha-url.js";
import { openConnection } from "./open-connection.js";
import { haStyles } from "../styles.js";

const FORWARDED = ["hass", "narrow", "route", "panel", "standalone", "registryName"] as const;

export class BackupKeyringPanelShim extends LitElement {
  @property({ attribute: false }) hass?: HassLike;
  @property({ type: Boolean, reflect: true }) narrow = false;
  @property({ attribute: false }) route?: { prefix: string; path: string };
  @property({ attribute: false }) panel?: { config?: Record<string, unknown> };
  @property({ type: Boolean }) standalone = false;
  @property({ attribute: false }) registryName?: string;
  @state() private failed = false;
  private inner: BackupKeyringPanel | null = null;
  private loading: Promise<BackupKeyringPanel> | null = null;
  private readonly i18n = new LocalizeController(this);

  static override styles = [haStyles, css`:host { display: block; height: 100%; } .alert { margin: var(--ha-space-4, 16px); }`];

  override connectedCallback(): void {
    super.connectedCallback();
    // Standalone, the address comes with the connection: the registry opens now all the same.
    if (this.standalone && !this.hass) this.preload(null);
    void this.load().catch(() => undefined);
  }

  /** The real panel, once its module has arrived. */
  /** Opens the registry while the panel's code loads (for an admin's page: what it shows first comes from there). */
  private preload(url: string | null): void {
    // Before the real panel exists (its session then takes the registry over): opened once, and
    // its copies read once the address is known.
    if (this.inner || (url === null ? this.preloaded !== "none" : this.preloaded === "read")) return;
    this.preloaded = url === null ? "opened" : "read";
    void import("../keyring-session.js").then((m) => m.preloadRegistry(this.registryName, url)).catch(() => undefined);
  }

  private preloaded: "none" | "opened" | "read" = "none";

  load(): Promise<BackupKeyringPanel> {
    // The session's chunk is fetched alongside the panel's, not after the panel's has been parsed.
    if (this.hass?.user?.is_admin) this.preload(this.hass.auth?.data?.hassUrl ?? location.origin);
    this.loading ??= Promise.all([import("./backup-keyring-panel.js"), import("../keyring-session.js")]).then(
      ([{ PANEL_TAG }]) => {
        const el = document.createElement(PANEL_TAG) as BackupKeyringPanel;
        for (const key of FORWARDED) (el as unknown as Record<string, unknown>)[key] = this[key];
        this.inner = el;
        this.failed = false;
        this.renderRoot.append(el);
        return el;
      },
      (err: unknown) => {
        // Offline, or HA now serves a newer build: say so, and try again on the next connection.
        this.failed = true;
        this.loading = null;
        throw err;
      },
    );
    return this.loading;
  }

  /** Standalone (demo page): same as the panel's own method. */
  async connectStandalone(req: ConnectRequest): Promise<void> {
    this.preload(req.url);
    // The connection opens while the panel's code arrives and starts (both wait on the network).
    const opening = isHomeAssistantUrl(req.url) ? openConnection(req) : undefined;
    opening?.catch(() => undefined);
    let panel: BackupKeyringPanel;
    try {
      panel = await this.load();
    } catch (err) {
      void opening?.then(
        (c) => c.close(),
        () => undefined,
      );
      throw err;
    }
    await panel.connectStandalone(req, opening);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("hass")) this.i18n.use(this.hass?.language ?? this.hass?.locale?.language);
    if (!this.inner) return;
    for (const key of FORWARDED) if (changed.has(key)) (this.inner as unknown as Record<string, unknown>)[key] = this[key];
  }

  protected override render() {
    return this.failed ? html`<div class="alert error" role="alert"><div>${this.i18n.localize("errors.panel_load")}</div></div>` : nothing;
  }
}

if (!customElements.get("backup-keyring-panel")) customElements.define("backup-keyring-panel", BackupKeyringPanelShim);
