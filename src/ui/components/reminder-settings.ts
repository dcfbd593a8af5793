// Reminder settings: whether Backup Keyring may post notifications in Home Assistant, and after
// how many days an unverified newest backup deserves one.
import { LitElement, css, html } from "lit";
import { property } from "lit/decorators.js";
import type { LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import { DEFAULT_REMINDER_SETTINGS, type ReminderSettings } from "../../flows/reminders.js";
import { DRILL_INTERVALS } from "../../flows/drill.js";
import { haStyles } from "../styles.js";
import { fireEvent } from "../../common/fire-event.js";

export class BkReminderSettings extends LitElement {
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  @property({ attribute: false }) settings: ReminderSettings = DEFAULT_REMINDER_SETTINGS;

  static override styles = [
    haStyles,
    css`
      .fields { display: grid; gap: 8px; }
      label { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
      input[type="number"] { width: 6em; }
    `,
  ];

  private emit(next: ReminderSettings): void {
    fireEvent(this, "settings-changed", next, { bubbles: false, composed: false });
  }

  protected override render() {
    const t = this.localize;
    const s = this.settings;
    return html`<section class="card" aria-labelledby="reminders-title">
      <h2 id="reminders-title">${t("reminders.settings.title")}</h2>
      <div class="fields">
        <label><input type="checkbox" .checked=${s.enabled} @change=${(e: Event) => this.emit({ ...s, enabled: (e.target as HTMLInputElement).checked })} />
          ${t("reminders.settings.enabled")}</label>
        <label>${t("reminders.settings.days")}
          <input type="number" min="1" max="365" .value=${String(s.maxDaysUnverified)} ?disabled=${!s.enabled}
            @change=${(e: Event) => this.emit({ ...s, maxDaysUnverified: Math.max(1, Math.min(365, Number((e.target as HTMLInputElement).value) || 7)) })} />
        </label>
        <label>${t("drill.settings.interval")}
          <select data-testid="drill-months" @change=${(e: Event) => this.emit({ ...s, drillMonths: Number((e.target as HTMLSelectElement).value) })}>
            ${DRILL_INTERVALS.map((m) => html`<option value=${String(m)} ?selected=${m === s.drillMonths}>${t("drill.settings.months", { count: m })}</option>`)}
          </select>
        </label>
      </div>
    </section>`;
  }
}

if (!customElements.get("bk-reminder-settings")) customElements.define("bk-reminder-settings", BkReminderSettings);

declare global {
  interface BkDomEvents {
    "settings-changed": ReminderSettings;
  }
}
