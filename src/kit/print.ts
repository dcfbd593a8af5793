// The printable emergency kit: one self-contained HTML document (inline CSS, no scripts, no network)
// with the same facts as the text kit, blanks to fill in by hand, and — only when asked — the key as
// a QR code with a warning. Every piece of text is escaped.
import { calendarDay } from "../common/datetime.js";
import { localizeEnglish } from "../common/localize-english.js";
import { displayFingerprint } from "../keys/fingerprint.js";
import { haKitStrings } from "./ha-kit-strings.js";
import { escapeHtml as esc } from "./html.js";
import { makeKeyQrCode, qrCodeSvg } from "./qr.js";
import { formatKitDate, kitBackupGroups, kitDocumentationUrl, type KitFacts } from "./render.js";

export type PaperSize = "a4" | "letter";

export interface PrintableKitOptions {
  /** `@page` size; default A4. */
  paper?: PaperSize;
  /** Show the key as a QR code. Off by default: anyone who sees the paper can scan it. */
  includeQrCode?: boolean;
}

const PAGE_SIZE: Record<PaperSize, string> = { a4: "A4", letter: "letter" };

function isoDay(iso: string, timeZone?: string): string {
  return calendarDay(new Date(iso), timeZone) || iso;
}

function row(label: string, value: string): string {
  return `<div class="row"><dt>${esc(label)}</dt><dd>${esc(value)}</dd></div>`;
}

export async function renderPrintableKit(facts: KitFacts, options: PrintableKitOptions = {}): Promise<string> {
  const t = facts.localize ?? localizeEnglish;
  const h = haKitStrings(facts.language);
  const paper = options.paper ?? "a4";
  const link = kitDocumentationUrl(facts.haVersion);
  const strip = (s: string) => s.replace(/:\s*$/, "");

  const rows = [row(strip(h.date), formatKitDate(facts.date, facts.language, facts.timeZone, facts.hour12)), row(strip(h.instance), facts.instanceName), row(strip(h.url), facts.url)];
  const ours: string[] = [];
  if (facts.generation) {
    const fp = facts.generation.fingerprint;
    ours.push(row(t("kit.generation"), String(facts.generation.number)));
    ours.push(row(t("kit.fingerprint"), /^[0-9a-f]{64}$/.test(fp) ? displayFingerprint(fp) : fp));
    ours.push(row(t("kit.generation_started"), isoDay(facts.generation.startedAt, facts.timeZone)));
  }
  let backups: string;
  const table = (list: NonNullable<KitFacts["backups"]>) =>
    `<table class="backups"><tbody>${list
      .map((b) => `<tr><td class="mono">${esc(b.backup_id)}</td><td>${esc(isoDay(b.date, facts.timeZone))}</td><td>${esc(b.name)}</td><td>${esc(b.locations.join(", "))}</td></tr>`)
      .join("")}</tbody></table>`;
  if (facts.backups === undefined) backups = `<p>${esc(t("kit.backups_unknown"))}</p>`;
  else if (facts.backups.length === 0) backups = `<p>${esc(t("kit.backups_none"))}</p>`;
  else {
    // The same headings as the text kit: proven by a check, made while the key was in use.
    const { checked, observed } = kitBackupGroups(facts.backups);
    backups = "";
    if (checked.length) backups += `<p>${esc(t("kit.backups_heading", { count: checked.length }))}</p>${table(checked)}`;
    if (observed.length) backups += `<p>${esc(t("kit.backups_observed_heading", { count: observed.length }))}</p>${table(observed)}`;
  }
  // Guesses apart, under their own heading, as in the text kit.
  if (facts.guessed?.length) backups += `<p>${esc(t("kit.backups_guessed_heading", { count: facts.guessed.length }))}</p>${table(facts.guessed)}`;

  let qr = "";
  if (options.includeQrCode) {
    const code = await makeKeyQrCode(facts.key);
    qr = `<figure class="qr">${qrCodeSvg(code, t("kit.print.qr_caption"))}<figcaption>${esc(t("kit.print.qr_caption"))}<br><strong>${esc(t("kit.print.qr_warning"))}</strong></figcaption></figure>`;
  }

  const fill = (label: string) => `<div class="fill"><span>${esc(label)}:</span><span class="line"></span></div>`;

  return `<!doctype html>
<html lang="${esc(facts.language)}">
<head>
<meta charset="utf-8">
<title>${esc(h.title)}</title>
<style>
@page { size: ${PAGE_SIZE[paper]}; margin: 16mm; }
* { box-sizing: border-box; }
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #000; background: #fff; margin: 0; }
h1 { font-size: 17pt; margin: 0 0 4pt; }
h2 { font-size: 12pt; margin: 14pt 0 4pt; border-bottom: 1px solid #000; }
p { margin: 4pt 0; }
dl { margin: 6pt 0; }
.row { display: flex; gap: 8pt; }
dt { font-weight: 600; min-width: 34%; }
dd { margin: 0; overflow-wrap: anywhere; }
.key { font: 600 15pt/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; letter-spacing: .04em; border: 2px solid #000; padding: 8pt; margin: 8pt 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
table.backups { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
table.backups td { border: 1px solid #888; padding: 2pt 4pt; vertical-align: top; overflow-wrap: anywhere; }
table.backups tr { break-inside: avoid; }
.fill { display: flex; gap: 6pt; margin: 14pt 0 0; align-items: flex-end; }
.fill .line { flex: 1; border-bottom: 1px solid #000; height: 1.2em; }
.qr { margin: 10pt 0; display: flex; gap: 12pt; align-items: center; break-inside: avoid; }
.qr svg { width: 38mm; height: 38mm; flex: none; }
.hint { font-size: 9.5pt; color: #333; }
</style>
</head>
<body>
<main>
<h1>${esc(h.title)}</h1>
<p>${esc(h.description)}</p>
<dl>${rows.join("")}</dl>
<h2>${esc(strip(h.encryption_key))}</h2>
<div class="key" data-kit-key>${esc(facts.key)}</div>
${qr}
<p class="hint">${esc(h.more_info.replace("{link}", link))}</p>
<h2>Backup Keyring</h2>
<p>${esc(t("kit.block_heading"))}</p>
${ours.length ? `<dl>${ours.join("")}</dl>` : ""}
${backups}
${fill(t("kit.print.stored_where"))}
${fill(t("kit.print.checked_on"))}
<p class="hint">${esc(t("kit.print.print_hint"))}</p>
</main>
</body>
</html>
`;
}
