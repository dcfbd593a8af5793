// The offline recovery page (dist/backup-keyring-recovery.html): one self-contained HTML file,
// all code inlined, no network, works opened from disk. Load emergency kits (or type keys), drop
// backups, see which key opens which, then decrypt or pull files out (bk-recovery-tools).
import { LitElement, css, html, nothing } from "lit";
import { state } from "lit/decorators.js";
import { checkBackupKeys, type BackupFileReport } from "../backup-file/inspect.js";
import { blobSource } from "../common/byte-source.js";
import { localizeFor, type LocalizeFunc } from "../common/localize.js";
import { localizeEnglish } from "../common/localize-english.js";
import { restoreGuidanceForFile } from "../flows/restore-guidance.js";
import { keyCandidates } from "../keys/format.js";
import { KitParseError, MAX_KIT_BYTES, parseEmergencyKit } from "../kit/parse.js";
import { recoveryErrorText } from "../ui/components/recovery-tools.js";
import "../ui/components/recovery-tools.js";
import { guidanceLine } from "../ui/components/guidance-line.js";
import { haStyles } from "../ui/styles.js";

interface LoadedKey {
  /** The key as the kit holds it or as typed: tried exactly, then tidied (keyCandidates). */
  key: string;
  /** Where it came from: a kit's file name, or null for a typed key. */
  from: string | null;
  /** From our Backup Keyring block in the kit, for the restore guidance. */
  generation?: number;
  fingerprint?: string;
}

interface BackupRow {
  file: File;
  report: BackupFileReport | null;
  /** The loaded key that opens it. */
  opener: LoadedKey | null;
  error: string | null;
}

export class BkRecoveryPage extends LitElement {
  @state() private t: LocalizeFunc = localizeEnglish;
  @state() private keys: LoadedKey[] = [];
  @state() private kitErrors: string[] = [];
  @state() private backups: BackupRow[] = [];
  @state() private selected: File | null = null;
  @state() private typed = "";
  @state() private over = false;

  static override styles = [
    haStyles,
    css`
      :host { display: block; max-width: 56rem; margin: 0 auto; padding: var(--ha-space-4, 16px); }
      section { margin-bottom: var(--ha-space-4, 16px); }
      .zone { border: 2px dashed var(--divider-color, #bbb); border-radius: 12px; padding: 16px; text-align: center; display: block; cursor: pointer; }
      .zone.over { border-color: var(--primary-color, #0277bd); }
      ul { padding-left: 1.2rem; }
      li { margin: 4px 0; }
      .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
      .ok { color: var(--success-color, #2e7d32); }
      .error { color: var(--error-color, #b00020); }
      input[type="password"] { font: inherit; padding: 6px 8px; border-radius: 4px; border: 1px solid var(--divider-color, #999); min-width: 16rem; }
      .guidance { flex-basis: 100%; }
      .guidance ol { margin: 4px 0; padding-inline-start: 1.2em; }
      code { word-break: break-all; }
      .sr-only { position: absolute; opacity: 0; width: 1px; height: 1px; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void localizeFor(navigator.language).then((t) => {
      this.t = t;
      document.title = t("recovery.page.title");
      document.documentElement.lang = navigator.language;
    });
  }

  private addKey(key: string, from: string | null, block: Pick<LoadedKey, "generation" | "fingerprint"> = {}): void {
    if (key === "" || this.keys.some((k) => k.key === key)) return;
    this.keys = [...this.keys, { key, from, ...block }];
    void this.recheck();
  }

  private async loadKits(files: FileList | null): Promise<void> {
    const errors: string[] = [];
    for (const file of Array.from(files ?? [])) {
      try {
        if (file.size > MAX_KIT_BYTES) throw new KitParseError("too_large");
        const kit = parseEmergencyKit(await file.text());
        this.addKey(kit.typed ?? kit.key, file.name, { generation: kit.generation, fingerprint: kit.fingerprint });
      } catch (e) {
        const message = e instanceof KitParseError ? this.t(`errors.kit.${e.code}`) : this.t("errors.backup_file.unreadable");
        errors.push(this.t("recovery.page.kit_error", { file: file.name, message }));
      }
    }
    this.kitErrors = errors;
  }

  /** Every loaded key's candidates in order (exact first, then tidied), each with the key it came from. */
  private candidates(): { key: string; from: LoadedKey }[] {
    const out: { key: string; from: LoadedKey }[] = [];
    for (const k of this.keys) for (const key of keyCandidates(k.key)) if (!out.some((c) => c.key === key)) out.push({ key, from: k });
    return out;
  }

  private async check(row: BackupRow): Promise<BackupRow> {
    try {
      const candidates = this.candidates();
      const report = await checkBackupKeys(
        blobSource(row.file),
        candidates.map((c) => c.key),
      );
      const opener = report.openedBy !== null ? candidates[report.openedBy]!.from : null;
      return { file: row.file, report, opener, error: null };
    } catch (e) {
      return { file: row.file, report: null, opener: null, error: recoveryErrorText(e, this.t) };
    }
  }

  private async addBackups(files: FileList | File[] | null | undefined): Promise<void> {
    const fresh: BackupRow[] = Array.from(files ?? []).map((file) => ({ file, report: null, opener: null, error: null }));
    this.backups = [...this.backups, ...fresh];
    for (const row of fresh) {
      const checked = await this.check(row);
      this.backups = this.backups.map((r) => (r.file === row.file ? checked : r));
    }
  }

  private async recheck(): Promise<void> {
    for (const row of this.backups) {
      const checked = await this.check(row);
      this.backups = this.backups.map((r) => (r.file === row.file ? checked : r));
    }
  }

  private status(row: BackupRow) {
    const t = this.t;
    if (row.error) return html`<span class="error">${row.error}</span>`;
    const r = row.report;
    if (!r) return html`<span>${t("recovery.page.checking")}</span>`;
    const damage =
      r.damage.length > 0 ? html`<ul class="error">${r.damage.map((d) => html`<li>${d.archive !== null ? `${d.archive}: ` : ""}${t(`errors.backup_file.damage.${d.code}`)}</li>`)}</ul>` : nothing;
    if (!r.encrypted) return html`<span class="ok">${t("recovery.page.unencrypted")}</span>${damage}`;
    const k = row.opener;
    if (r.openedBy === null || !k) return html`<span class="error">${t("recovery.page.not_opened")}</span>${damage}`;
    return html`<span class="ok">${t("recovery.page.opens_with", { n: this.keys.indexOf(k) + 1 })}${k.from ? ` (${k.from})` : ""}</span>${damage}`;
  }

  /** HA's restore steps for this file, naming the loaded kit that opened it. A damaged backup gets
   * none: HA cannot restore it as it stands (its damage is listed; the tools can still extract). */
  private guidance(report: BackupFileReport) {
    if (report.damaged) return nothing;
    // restoreGuidanceForFile names the opener by the report's candidate index.
    const kits = this.candidates().map(({ from: k }) => ({ fileName: k.from, generation: k.generation, fingerprint: k.fingerprint }));
    const lines = restoreGuidanceForFile(report, kits).options.flatMap((o) => o.lines);
    return html`<div class="guidance" data-testid="guidance"><strong>${this.t("restore.button")}</strong>
      <ol>${lines.map((l) => guidanceLine(l, this.t, navigator.language))}</ol></div>`;
  }

  protected override render() {
    const t = this.t;
    return html`
      <h1>${t("recovery.page.title")}</h1>
      <p class="secondary">${t("recovery.page.intro")}</p>
      <section class="card" aria-labelledby="kits">
        <h2 id="kits">${t("recovery.page.kits")}</h2>
        <div class="row">
          <label class="zone"><input class="sr-only" type="file" accept=".txt,text/plain" multiple data-testid="kits"
            @change=${(e: Event) => this.loadKits((e.target as HTMLInputElement).files)} /><span>${t("recovery.page.kits_load")}</span></label>
        </div>
        <div class="row">
          <input type="password" autocomplete="off" spellcheck="false" aria-label=${t("recovery.key_label")} placeholder=${t("recovery.key_label")}
            .value=${this.typed} @input=${(e: Event) => (this.typed = (e.target as HTMLInputElement).value)}
            @keydown=${(e: KeyboardEvent) => {
              if (e.key === "Enter") {
                this.addKey(this.typed, null);
                this.typed = "";
              }
            }} />
          <button ?disabled=${this.typed.trim() === ""} @click=${() => {
            this.addKey(this.typed, null);
            this.typed = "";
          }}>${t("recovery.key_add")}</button>
        </div>
        <p role="status">${t("recovery.page.kits_loaded", { count: this.keys.length })}</p>
        ${this.kitErrors.map((m) => html`<p class="error" role="alert">${m}</p>`)}
      </section>
      <section class="card" aria-labelledby="backups">
        <h2 id="backups">${t("recovery.page.backups")}</h2>
        <label class="zone ${this.over ? "over" : ""}"
          @dragover=${(e: DragEvent) => {
            e.preventDefault();
            this.over = true;
          }}
          @dragleave=${() => (this.over = false)}
          @drop=${(e: DragEvent) => {
            e.preventDefault();
            this.over = false;
            void this.addBackups(e.dataTransfer?.files);
          }}>
          <input class="sr-only" type="file" accept=".tar" multiple data-testid="backups"
            @change=${(e: Event) => {
              const input = e.target as HTMLInputElement;
              void this.addBackups(input.files);
            }} />
          <span>${t("recovery.page.backups_drop")}</span>
        </label>
        <ul>
          ${this.backups.map(
            (row) => html`<li class="row">
            <strong>${row.report?.name ?? row.file.name}</strong> <span class="secondary">${row.file.name}</span> — ${this.status(row)}
            ${row.report ? html`<button @click=${() => (this.selected = row.file)} aria-pressed=${this.selected === row.file ? "true" : "false"}>${t("recovery.title")}</button>` : nothing}
            ${row.report ? this.guidance(row.report) : nothing}
          </li>`,
          )}
        </ul>
        ${
          this.selected
            ? html`<h3>${this.selected.name}</h3>
              <bk-recovery-tools .localize=${t} .file=${this.selected} .keys=${this.keys.map((k) => k.key)}></bk-recovery-tools>`
            : nothing
        }
      </section>
    `;
  }
}

if (!customElements.get("bk-recovery-page")) customElements.define("bk-recovery-page", BkRecoveryPage);
document.body.append(document.createElement("bk-recovery-page"));
