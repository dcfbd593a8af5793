// One restore-guidance line, with the kit's file name shown as code so it can be searched for
// exactly. Shared by the panel's restore dialog and the offline recovery page.
import { html } from "lit";
import { formatDateTime } from "../../common/datetime.js";
import type { LocalizeFunc } from "../../common/localize.js";
import type { GuidanceLine } from "../../flows/restore-guidance.js";

export function guidanceLine(l: GuidanceLine, t: LocalizeFunc, language: string, timeZone?: string) {
  const p = l.params && "date" in l.params ? { ...l.params, date: formatDateTime(String(l.params.date), language, timeZone) } : l.params;
  const text = t(l.key, p);
  const file = typeof l.params?.file === "string" ? l.params.file : null;
  if (!file || !text.includes(file)) return html`<li>${text}</li>`;
  const [before, after] = [text.slice(0, text.indexOf(file)), text.slice(text.indexOf(file) + file.length)];
  return html`<li>${before}<code>${file}</code>${after}</li>`;
}
