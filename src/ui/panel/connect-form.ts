// Standalone mode: connect to a Home Assistant by URL and long-lived access token. The token is
// remembered on this device only when the user ticks the box.
import { LitElement, css, html } from "lit";
import { property, state } from "lit/decorators.js";
import type { LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import { haStyles } from "../styles.js";
import { fireEvent } from "../../common/fire-event.js";

export interface ConnectRequest {
  url: string;
  token: string;
  remember: boolean;
}

export const REMEMBER_KEY = "backup-keyring:standalone";

export function loadRemembered(): ConnectRequest | null {
  try {
    const raw = localStorage.getItem(REMEMBER_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<ConnectRequest>;
    return typeof v.url === "string" && typeof v.token === "string" ? { url: v.url, token: v.token, remember: true } : null;
  } catch {
    return null;
  }
}

export function rememberConnection(req: ConnectRequest | null): void {
  try {
    if (req?.remember) localStorage.setItem(REMEMBER_KEY, JSON.stringify({ url: req.url, token: req.token }));
    else localStorage.removeItem(REMEMBER_KEY);
  } catch {
    // Storage may be blocked; the connection still works for this visit.
  }
}

export class BkConnectForm extends LitElement {
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  @property() url = "";
  @state() private token = "";
  @state() private remember = false;

  static override styles = [
    haStyles,
    css`
      form { display: grid; gap: var(--ha-space-3, 12px); max-width: 32rem; }
      label { display: grid; gap: 4px; }
      .check { display: flex; gap: 8px; align-items: center; }
    `,
  ];

  private submit(e: Event): void {
    e.preventDefault();
    const url = this.url.trim().replace(/\/+$/, "");
    fireEvent(this, "connect-request", { url, token: this.token.trim(), remember: this.remember }, { bubbles: false, composed: false });
  }

  protected override render() {
    const t = this.localize;
    return html`<form class="card" @submit=${this.submit}>
      <h2>${t("panel.connect.title")}</h2>
      <p class="secondary">${t("panel.connect.description")}</p>
      <label>${t("panel.connect.url")}
        <input name="url" type="url" required placeholder="http://homeassistant.local:8123" .value=${this.url}
          @input=${(e: Event) => (this.url = (e.target as HTMLInputElement).value)} autocomplete="url" />
      </label>
      <label>${t("panel.connect.token")}
        <input name="token" type="password" required .value=${this.token} autocomplete="off"
          @input=${(e: Event) => (this.token = (e.target as HTMLInputElement).value)} />
      </label>
      <label class="check"><input name="remember" type="checkbox" .checked=${this.remember}
          @change=${(e: Event) => (this.remember = (e.target as HTMLInputElement).checked)} />${t("panel.connect.remember")}</label>
      <div><button class="primary" type="submit">${t("panel.connect.connect")}</button></div>
    </form>`;
  }
}

if (!customElements.get("bk-connect-form")) customElements.define("bk-connect-form", BkConnectForm);

declare global {
  interface BkDomEvents {
    "connect-request": ConnectRequest;
  }
}
