// Decrypt, re-key or pull single files out of a backup file in the browser, streaming: to the file
// the user picks (File System Access API) or, where the browser lacks it, to a download assembled
// in memory up to a stated size. Keys: the ones the owner passes (current key, loaded kits, the
// unlocked vault) plus any typed here, which stay in this element only. Used by the panel and by
// the offline recovery page.
import { LitElement, css, html, nothing } from "lit";
import { property, state } from "lit/decorators.js";
import { BackupFileError } from "../../common/backup-file-errors.js";
import { blobSource } from "../../common/byte-source.js";
import { type LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import { keyCandidates } from "../../keys/format.js";
import { decryptBackup, planKeys, rekeyBackup, rekeyFormat, type KeyPlan } from "../../recovery/backup-recovery.js";
import { BLOB_LIMIT, blobTarget, browserGunzip, canSaveToDisk, chooseSaveTarget, type SaveTarget } from "../../recovery/browser-output.js";
import { damageMessageKey } from "../../recovery/damage-text.js";
import { RecoveryError } from "../../recovery/errors.js";
import { walkBackupContents } from "../../recovery/extract.js";
import { webCryptoPort } from "../../recovery/web-crypto-port.js";
import { haStyles } from "../styles.js";

const MAX_LISTED = 200;

/** A translated sentence for anything decrypt / re-key / extract can throw. Never holds a key. */
export function recoveryErrorText(e: unknown, t: LocalizeFunc): string {
  if (e instanceof RecoveryError) {
    if (e.code === "damaged") {
      const reasons = e.damage.length > 0 ? e.damage : [{ archive: null, code: String(e.params.reason ?? "inner_archive") }];
      return [t("errors.recovery.damaged"), ...reasons.map((d) => `${d.archive !== null ? `${d.archive}: ` : ""}${t(damageMessageKey(d.code))}`)].join(" ");
    }
    return t(`errors.recovery.${e.code}`, e.params);
  }
  if (e instanceof BackupFileError) return t(`errors.backup_file.${e.code}`);
  if ((e as Error)?.name === "AbortError") return t("errors.recovery.cancelled");
  return t("errors.backup_file.unreadable");
}

const stem = (name: string) => name.replace(/\.tar$/i, "");
const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;

export class BkRecoveryTools extends LitElement {
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  @property({ attribute: false }) file: File | null = null;
  /** Candidate keys from the owner (current key first). */
  @property({ attribute: false }) keys: string[] = [];
  /** The key a re-key encrypts with (the current key); no re-key button without it. */
  @property({ attribute: false }) newKey: string | null = null;
  @state() private busy: "decrypt" | "rekey" | "list" | "extract" | null = null;
  @state() private progress = { done: 0, total: 0 };
  @state() private message: { kind: "ok" | "error"; text: string } | null = null;
  @state() private entries: { path: string; size: number }[] | null = null;
  @state() private more = 0;
  @state() private filter = "";
  @state() private typed = "";
  private typedKeys: string[] = [];
  private abort: AbortController | null = null;

  static override styles = [
    haStyles,
    css`
      :host { display: block; margin-top: var(--ha-space-3, 12px); }
      .actions { display: flex; flex-wrap: wrap; gap: var(--ha-space-2, 8px); align-items: center; }
      progress { flex: 1 1 12rem; }
      ul { list-style: none; padding: 0; margin: var(--ha-space-2, 8px) 0; max-height: 20rem; overflow: auto; }
      li { display: flex; gap: var(--ha-space-2, 8px); align-items: center; justify-content: space-between; padding: 2px 0; }
      li span { overflow-wrap: anywhere; font-family: var(--ha-font-family-code, monospace); font-size: 0.9rem; }
      input[type="text"], input[type="password"], input[type="search"] { font: inherit; padding: 6px 8px; border-radius: 4px;
        border: 1px solid var(--divider-color, #999); background: var(--card-background-color, #fff); color: inherit; min-width: 14rem; }
      .ok { color: var(--success-color, #2e7d32); }
      .error { color: var(--error-color, #b00020); }
    `,
  ];

  /** Every key exactly as given first, then its tidied form when it looks like a loosely typed generated key. */
  private candidates(): string[] {
    const out: string[] = [];
    for (const input of [...this.keys, ...this.typedKeys]) for (const key of keyCandidates(input)) if (!out.includes(key)) out.push(key);
    return out;
  }

  protected override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has("file")) {
      this.abort?.abort();
      this.entries = null;
      this.message = null;
    }
  }

  private async plan(signal: AbortSignal, restorable = false): Promise<KeyPlan> {
    return planKeys(blobSource(this.file!), this.candidates(), webCryptoPort, { signal, restorable });
  }

  private start(kind: NonNullable<BkRecoveryTools["busy"]>): AbortSignal {
    this.abort = new AbortController();
    this.busy = kind;
    this.message = null;
    this.progress = { done: 0, total: this.file?.size ?? 0 };
    return this.abort.signal;
  }

  private fail(e: unknown): void {
    this.message = { kind: "error", text: recoveryErrorText(e, this.localize) };
  }

  /**
   * Decrypt (protected: false) or re-key (the current key) the whole backup into a new file. The
   * save dialog is asked for first, straight from the click: it needs the click's user activation,
   * which the key check (Argon2id for v3) would outlast. If the check then fails, the picked file
   * is discarded (Chromium writes to a swap file and drops it on abort).
   */
  private async rewrite(kind: "decrypt" | "rekey"): Promise<void> {
    const file = this.file;
    if (!file || this.busy) return;
    const signal = this.start(kind);
    const name = `${stem(file.name)}-${kind === "decrypt" ? "decrypted" : "rekeyed"}.tar`;
    let target: SaveTarget | null = null;
    try {
      target = await chooseSaveTarget(name, file.size);
      if (!target) {
        this.busy = null;
        return;
      }
      const plan = await this.plan(signal, true);
      const options = { port: webCryptoPort, signal, onProgress: (done: number, total: number) => (this.progress = { done, total }) };
      const source = blobSource(file);
      if (kind === "decrypt") await decryptBackup(source, plan, target.sink, options);
      else await rekeyBackup(source, plan, { newKey: this.newKey!, format: rekeyFormat(plan.report, null) }, target.sink, options);
      await target.commit();
      target = null;
      this.message = { kind: "ok", text: this.localize(kind === "decrypt" ? "recovery.done_decrypt" : "recovery.done_rekey", { name }) };
    } catch (e) {
      this.fail(signal.aborted ? new RecoveryError("cancelled") : e);
    } finally {
      await target?.abort();
      this.busy = null;
    }
  }

  private async list(): Promise<void> {
    if (!this.file || this.busy) return;
    const signal = this.start("list");
    const found: { path: string; size: number }[] = [];
    let more = 0;
    const needle = this.filter.trim().toLowerCase();
    try {
      const plan = await this.plan(signal);
      await walkBackupContents(
        blobSource(this.file),
        plan,
        webCryptoPort,
        browserGunzip,
        async (entry) => {
          if (entry.type !== "file" || (needle && !entry.path.toLowerCase().includes(needle))) return true;
          if (found.length < MAX_LISTED) found.push({ path: entry.path, size: entry.size });
          else more++;
          return true;
        },
        signal,
      );
      this.entries = found;
      this.more = more;
    } catch (e) {
      this.fail(signal.aborted ? new RecoveryError("cancelled") : e);
    } finally {
      this.busy = null;
    }
  }

  private async extract(path: string, size: number): Promise<void> {
    if (!this.file || this.busy) return;
    const signal = this.start("extract");
    this.progress = { done: 0, total: size };
    let target: SaveTarget | null = null;
    try {
      const plan = await this.plan(signal);
      const name = path.split("/").pop() || "file";
      let saved = false;
      await walkBackupContents(
        blobSource(this.file),
        plan,
        webCryptoPort,
        browserGunzip,
        async (entry) => {
          if (entry.path !== path || entry.type !== "file") return true;
          // Single files are small; by now the click's user activation may have run out, which the
          // save dialog needs, so a download is used (up to the stated limit).
          target = blobTarget(name, entry.size, "application/octet-stream");
          let done = 0;
          for await (const piece of entry.data) {
            await target.sink.write(piece);
            this.progress = { done: (done += piece.length), total: entry.size };
          }
          await target.commit();
          target = null;
          saved = true;
          return false;
        },
        signal,
      );
      if (saved) this.message = { kind: "ok", text: this.localize("recovery.done_extract", { name }) };
    } catch (e) {
      this.fail(signal.aborted ? new RecoveryError("cancelled") : e);
    } finally {
      await (target as SaveTarget | null)?.abort();
      this.busy = null;
    }
  }

  private addTypedKey(): void {
    // Kept exactly as typed: candidates() adds the tidied form when it differs.
    const key = this.typed;
    if (key !== "" && !this.typedKeys.includes(key)) this.typedKeys = [...this.typedKeys, key];
    this.typed = "";
    this.message = { kind: "ok", text: this.localize("recovery.key_added", { count: this.typedKeys.length }) };
  }

  protected override render() {
    const t = this.localize;
    if (!this.file) return nothing;
    const pct = this.progress.total ? Math.floor((this.progress.done / this.progress.total) * 100) : 0;
    return html`
      <div class="actions">
        <button class="primary" ?disabled=${this.busy !== null} @click=${() => this.rewrite("decrypt")}>${t("recovery.decrypt")}</button>
        ${this.newKey ? html`<button ?disabled=${this.busy !== null} @click=${() => this.rewrite("rekey")}>${t("recovery.rekey")}</button>` : nothing}
        <input type="search" aria-label=${t("recovery.filter")} placeholder=${t("recovery.filter")} .value=${this.filter}
          @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)} />
        <button ?disabled=${this.busy !== null} @click=${() => this.list()}>${t("recovery.list")}</button>
      </div>
      <div class="actions">
        <input type="password" autocomplete="off" spellcheck="false" aria-label=${t("recovery.key_label")} placeholder=${t("recovery.key_label")}
          .value=${this.typed} @input=${(e: Event) => (this.typed = (e.target as HTMLInputElement).value)}
          @keydown=${(e: KeyboardEvent) => e.key === "Enter" && this.addTypedKey()} />
        <button ?disabled=${this.typed.trim() === ""} @click=${() => this.addTypedKey()}>${t("recovery.key_add")}</button>
      </div>
      ${canSaveToDisk() ? nothing : html`<p class="secondary">${t("recovery.blob_note", { size: mb(BLOB_LIMIT) })}</p>`}
      ${
        this.busy
          ? html`<div class="actions" role="status">
            <progress max="100" value=${pct} aria-label=${t("recovery.progress", { percent: pct })}></progress>
            <span>${t("recovery.progress", { percent: pct })}</span>
            <button @click=${() => this.abort?.abort()}>${t("common.cancel")}</button>
          </div>`
          : nothing
      }
      ${this.message ? html`<p class=${this.message.kind} role=${this.message.kind === "error" ? "alert" : "status"}>${this.message.text}</p>` : nothing}
      ${
        this.entries
          ? html`<ul aria-label=${t("recovery.list")}>
              ${this.entries.map((e) => html`<li><span>${e.path}</span><button ?disabled=${this.busy !== null} @click=${() => this.extract(e.path, e.size)}>${t("recovery.save_file")}</button></li>`)}
            </ul>
            ${this.more > 0 ? html`<p class="secondary">${t("recovery.more_files", { count: this.more })}</p>` : nothing}
            ${this.entries.length === 0 ? html`<p class="secondary">${t("recovery.no_files")}</p>` : nothing}`
          : nothing
      }
    `;
  }
}

if (!customElements.get("bk-recovery-tools")) customElements.define("bk-recovery-tools", BkRecoveryTools);

declare global {
  interface HTMLElementTagNameMap {
    "bk-recovery-tools": BkRecoveryTools;
  }
}
