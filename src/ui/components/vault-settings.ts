// The opt-in vault: keeps encryption keys in this browser, encrypted under a passphrase, so old
// kits can be remade and old backups verified later. Off until the user creates it; locked again
// when the panel closes.
import { LitElement, css, html, nothing } from "lit";
import { property, state } from "lit/decorators.js";
import type { LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import { RegistryError } from "../../registry/model.js";
import type { KeyringSession } from "../keyring-session.js";
import { haStyles } from "../styles.js";
import { keyIn } from "../../common/localize.js";

type VaultView = "loading" | "none" | "locked" | "unlocked";

export class BkVaultSettings extends LitElement {
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  @property({ attribute: false }) session: KeyringSession | null = null;
  /** Whether HA currently has a key that could be stored. */
  @property({ type: Boolean }) hasCurrentKey = false;
  @state() private view: VaultView = "loading";
  @state() private stored = 0;
  @state() private busy = false;
  @state() private message: { kind: "success" | "error"; text: string } | null = null;
  @state() private passphrase = "";
  @state() private confirm = "";
  /** The vault is also kept in HA (separate opt-in), or null when that is not possible here. */
  @state() private mirrored: boolean | null = null;

  static override styles = [
    haStyles,
    css`
      :host { display: block; }
      form { display: grid; gap: var(--ha-space-2, 8px); max-width: 28rem; }
      label { display: grid; gap: 4px; }
      .actions { display: flex; gap: var(--ha-space-2, 8px); flex-wrap: wrap; }
      .alert { margin: var(--ha-space-2, 8px) 0 0; }
      label.mirror { display: flex; gap: var(--ha-space-2, 8px); align-items: center; margin-top: var(--ha-space-3, 12px); }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    const v = await this.session?.vault();
    if (!v) return;
    this.view = !(await v.exists()) ? "none" : v.unlocked ? "unlocked" : "locked";
    this.stored = (await v.storedGenerations()).length;
    this.mirrored = this.session?.canMirrorVault ? await this.session.vaultMirrored() : null;
  }

  private toggleMirror(on: boolean): void {
    const s = this.session;
    if (!s) return;
    const t = this.localize;
    void this.run(async () => {
      await s.setVaultMirrored(on);
      return t(on ? "panel.vault.mirror_on" : "panel.vault.mirror_off");
    });
  }

  private async run(action: () => Promise<string>): Promise<void> {
    this.busy = true;
    this.message = null;
    try {
      this.message = { kind: "success", text: await action() };
    } catch (err) {
      const t = this.localize;
      this.message = { kind: "error", text: err instanceof RegistryError ? t(keyIn("errors.registry", err.code), err.params) : t("errors.connection.ha_error") };
    } finally {
      this.passphrase = "";
      this.confirm = "";
      this.busy = false;
      await this.refresh();
    }
  }

  private submit(e: Event): void {
    e.preventDefault();
    const t = this.localize;
    const s = this.session;
    if (!s) return;
    if (this.view === "none") {
      if (this.passphrase !== this.confirm) {
        this.message = { kind: "error", text: t("panel.vault.mismatch") };
        return;
      }
      const pass = this.passphrase;
      void this.run(async () => {
        await s.createVault(pass);
        return t("panel.vault.created");
      });
    } else if (this.view === "locked") {
      const pass = this.passphrase;
      void this.run(async () => {
        await (await s.vault()).unlock(pass);
        return t("panel.vault.unlocked");
      });
    }
  }

  private passField(name: string, label: string, value: string, set: (v: string) => void) {
    return html`<label>${label}<input name=${name} type="password" autocomplete=${this.view === "none" ? "new-password" : "current-password"} required
      .value=${value} @input=${(e: Event) => set((e.target as HTMLInputElement).value)} /></label>`;
  }

  protected override render() {
    const t = this.localize;
    const s = this.session;
    return html`<section class="card" aria-labelledby="vault-title">
      <h2 id="vault-title">${t("panel.vault.title")}</h2>
      <p class="secondary">${t("panel.vault.description")}</p>
      <div class="alert warning" role="note"><div>${t("registry.vault.warning")}</div></div>
      ${
        this.view === "none" || this.view === "locked"
          ? html`<form @submit=${this.submit}>
            ${this.passField("passphrase", t("panel.vault.passphrase"), this.passphrase, (v) => (this.passphrase = v))}
            ${this.view === "none" ? this.passField("confirm", t("panel.vault.confirm"), this.confirm, (v) => (this.confirm = v)) : nothing}
            <div class="actions"><button class="primary" type="submit" ?disabled=${this.busy}>${this.view === "none" ? t("panel.vault.create") : t("panel.vault.unlock")}</button></div>
          </form>`
          : nothing
      }
      ${
        this.view === "unlocked" && s
          ? html`<p>${t("panel.vault.stored", { count: this.stored })}</p>
            <div class="actions">
              ${
                this.hasCurrentKey
                  ? html`<button ?disabled=${this.busy} @click=${() => this.run(async () => t("panel.vault.stored_current", { generation: await s.storeCurrentKey() }))}>${t("panel.vault.store_current")}</button>`
                  : nothing
              }
              <button ?disabled=${this.busy || this.stored === 0} @click=${() => this.run(async () => t("panel.vault.used", { count: await s.useVaultKeys() }))}>${t("panel.vault.use")}</button>
              <button ?disabled=${this.busy} @click=${() =>
                this.run(async () => {
                  (await s.vault()).lock();
                  return t("panel.vault.locked");
                })}>${t("panel.vault.lock")}</button>
            </div>`
          : nothing
      }
      ${
        this.view !== "none" && this.view !== "loading" && this.mirrored !== null
          ? html`<label class="mirror"><input type="checkbox" .checked=${this.mirrored} ?disabled=${this.busy}
              @change=${(e: Event) => this.toggleMirror((e.target as HTMLInputElement).checked)} />${t("panel.vault.mirror")}</label>
            <p class="secondary">${t("panel.vault.mirror_risk")}</p>
            ${s?.vaultNote ? html`<p class="secondary" role="status">${t(`panel.vault.mirror_${s.vaultNote}`)}</p>` : nothing}`
          : nothing
      }
      ${this.message ? html`<div class="alert ${this.message.kind}" role=${this.message.kind === "error" ? "alert" : "status"}><div>${this.message.text}</div></div>` : nothing}
    </section>`;
  }
}

if (!customElements.get("bk-vault-settings")) customElements.define("bk-vault-settings", BkVaultSettings);

declare global {
  interface HTMLElementTagNameMap {
    "bk-vault-settings": BkVaultSettings;
  }
}
