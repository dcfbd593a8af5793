// The careful key change, step by step, driving the pure KeyChangeFlow. A native modal <dialog>
// traps focus; Escape cancels only before the commit (after it, closing would hide a change in
// progress, so the dialog stays until HA has answered).
import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { property, state } from "lit/decorators.js";
import { defaultLocks } from "../../common/locks.js";
import type { LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import type { HaConnection } from "../../data/connection.js";
import { backupFeatures } from "../../data/ha-version.js";
import { KeyChangeFlow, oldKeyWords, type FlowState } from "../../flows/key-change/flow.js";
import type { KitContext } from "../../flows/key-change/ports.js";
import { registryPort } from "../../flows/key-change/registry-port.js";
import type { Registry } from "../../registry/registry.js";
import { downloadTextFile } from "../../kit/download.js";
import { formatDateTime } from "../../common/datetime.js";
import { formatSize } from "../model/panel-model.js";
import { stageText } from "../backup-stage.js";
import { dialogStyles, haStyles } from "../styles.js";
import { ClosedSignal } from "./closed-signal.js";
import { keyIn } from "../../common/localize.js";

/** What `showKeyChangeDialog` (show-dialog.ts) opens the dialog with. */
export interface KeyChangeDialogParams {
  conn: HaConnection;
  registry: Registry;
  /** The kit's facts; its `timeZone` (HA's setting, resolved) is also the dialog's, so both list a backup under the same day. */
  kit: KitContext;
  localize: LocalizeFunc;
  /** For dates, with HA's 12/24-hour choice (`dateLanguage`). */
  language: string;
  /** For numbers and sizes: HA's number format (`numberLanguage`); omitted = `language`. */
  numberLanguage?: string;
}

const CLIPBOARD_CLEAR_MS = 60_000;

export class BkKeyChangeDialog extends LitElement {
  @property({ attribute: false }) conn: HaConnection | null = null;
  @property({ attribute: false }) registry: Registry | null = null;
  @property({ attribute: false }) kit: KitContext | null = null;
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  /** For dates (may carry HA's 12/24-hour choice); the kit's own language is in `kit`. */
  @property() language = "en";
  @property({ attribute: false }) numberLanguage: string | undefined = undefined;
  @state() private flowState: FlowState | null = null;
  @state() private revealed = false;
  @state() private typed = "";
  @state() private copied = false;
  private flow: KeyChangeFlow | null = null;
  private unsubscribe: (() => void) | null = null;
  private clipboardTimer: ReturnType<typeof setTimeout> | null = null;
  /** The step whose first control last got focus: a new step moves focus, a re-render does not. */
  private focusedStep: string | null = null;

  static override styles = [
    haStyles,
    dialogStyles,
    css`
      dialog { --bk-dialog-width: 560px; padding: 0; }
      /* One column that may shrink below its content's natural width (a file input is ~300 px wide),
         so on a 320 px phone text wraps instead of running off the edge. */
      .body { padding: 24px; display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; overflow-wrap: anywhere; }
      .body > *, .proof > * { min-width: 0; }
      @media (max-width: 450px) {
        .body { padding: 16px; }
        .actions { padding: 0 16px 16px; }
      }
      .actions { display: flex; gap: 8px; justify-content: flex-end; flex-wrap: wrap; padding: 0 24px 24px; }
      .key { font-family: var(--ha-font-family-code, monospace); font-size: 1.1rem; letter-spacing: 0.05em; word-break: break-all; }
      .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
      ul { margin: 0; padding-left: 1.2em; max-height: 10em; overflow: auto; }
      label.check { display: flex; gap: 8px; align-items: flex-start; }
      .proof { border-top: 1px solid var(--divider-color, #ddd); padding-top: 12px; display: grid; gap: 8px; }
      .ok { color: var(--bk-text-success); }
      .bad { color: var(--bk-text-error); }
    `,
  ];

  /** For `showKeyChangeDialog`: opens with these inputs; settles with the final step once closed. */
  async showDialog(params: KeyChangeDialogParams): Promise<string | null> {
    this.conn = params.conn;
    this.registry = params.registry;
    this.kit = params.kit;
    this.localize = params.localize;
    this.language = params.language;
    this.numberLanguage = params.numberLanguage;
    // open() may return without opening (missing inputs, already open) or fail: nothing will close.
    return this.closing.opening(
      () => this.open(),
      () => this.renderRoot.querySelector("dialog")?.open ?? false,
    );
  }

  /** Settles with the step the flow ended in. */
  private readonly closing = new ClosedSignal<string | null>(null);

  /** Opens the dialog and runs the preflight. */
  async open(): Promise<void> {
    if (!this.conn || !this.registry || !this.kit || this.renderRoot.querySelector("dialog")?.open) return;
    this.flow = new KeyChangeFlow({
      conn: this.conn,
      registry: registryPort(this.registry, this.kit.url),
      locks: defaultLocks(),
      kit: this.kit,
      download: (name, text) => downloadTextFile(name, text),
      randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
      now: () => new Date(),
    });
    this.unsubscribe = this.flow.subscribe((s) => (this.flowState = s));
    this.revealed = false;
    this.typed = "";
    await this.updateComplete;
    this.renderRoot.querySelector("dialog")?.showModal();
    await this.flow.start();
  }

  /** HA before 2025.2 has no backup/can_decrypt_on_download: no "create and verify" offer. */
  private canVerifyOnline(): boolean {
    const version = this.conn?.haVersion;
    return !version || backupFeatures(version).canDecryptOnDownload;
  }

  /** Keyboard and screen-reader users land on the new step's first control instead of <body>. */
  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const step = this.flowState?.step ?? null;
    if (step === this.focusedStep) return;
    this.focusedStep = step;
    // A step may name its primary action (the old-key step: the kit download, not the Stop button
    // of the old-key check that runs by itself above it, which Enter would otherwise stop).
    const first =
      this.renderRoot.querySelector<HTMLElement>("dialog .body [data-step-focus]:not([disabled])") ??
      this.renderRoot.querySelector<HTMLElement>("dialog .body button:not([disabled]), dialog .body input:not([disabled]), dialog .actions button:not([disabled])");
    // A step without controls (preflight, committing): the dialog itself holds focus, never <body>.
    (first ?? this.renderRoot.querySelector<HTMLElement>("dialog"))?.focus();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.close();
  }

  private get closable(): boolean {
    const step = this.flowState?.step;
    // "unresolved" with no phase left: HA has the new key, only the registry record waits.
    return step !== "committing" && !(step === "unresolved" && this.flowState?.commitPhase !== null);
  }

  private async cancel(): Promise<void> {
    if (!this.closable) return;
    await this.flow?.cancel();
    this.close();
  }

  private close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.flow?.close();
    this.flow = null;
    this.renderRoot.querySelector("dialog")?.close();
    this.closing.done(this.flowState?.step ?? null);
    this.flowState = null;
  }

  private async copyKey(): Promise<void> {
    const key = this.flow?.revealNewKey();
    if (!key) return;
    try {
      await navigator.clipboard.writeText(key);
      this.copied = true;
      if (this.clipboardTimer) clearTimeout(this.clipboardTimer);
      // Clear the clipboard later, but only if it still holds our key (the browser may not let us read it).
      this.clipboardTimer = setTimeout(async () => {
        this.copied = false;
        try {
          if ((await navigator.clipboard.readText()) === key) await navigator.clipboard.writeText("");
        } catch {
          // Reading the clipboard needs a permission; without it we leave it alone.
        }
      }, CLIPBOARD_CLEAR_MS);
    } catch {
      this.copied = false;
    }
  }

  private async loadProof(e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file && this.flow) this.flow.proveWithKit(await file.text());
  }

  private problem(s: FlowState) {
    if (!s.problem) return nothing;
    return html`<div class="alert error" role="alert"><div>${this.localize(keyIn("errors.flow", s.problem.code), s.problem.params)}</div></div>`;
  }

  /** A note that stops nothing (a kit download the registry could not record). */
  private notice(s: FlowState) {
    if (!s.notice) return nothing;
    return html`<div class="alert warning" role="status" data-testid="flow-notice"><div>${this.localize(keyIn("errors.flow", s.notice.code), s.notice.params)}</div></div>`;
  }

  private renderOldKey(s: FlowState) {
    const t = this.localize;
    const gen = s.oldGeneration;
    const words = oldKeyWords(s);
    return html`<div class="body">
        <h2 id="title">${t("flow.old.title")}</h2>
        <p>${t("flow.old.description")}</p>
        <p id="old-backups">${t("flow.old.backups", { count: words.proven, generation: gen?.number ?? 1 })}</p>
        ${
          s.oldBackups.length
            ? html`<ul tabindex="0" aria-labelledby="old-backups">${s.oldBackups.map(
                (b) => html`<li>${formatDateTime(b.date, this.language, this.kit?.timeZone)} · ${b.name} · ${t(b.checked ? "panel.confidence.verified" : "panel.confidence.observed")}</li>`,
              )}</ul>`
            : nothing
        }
        ${words.probably ? html`<p data-testid="old-guessed">${t("flow.old.guessed", { count: words.probably })}</p>` : nothing}
        ${words.unknown ? html`<p data-testid="old-unknown">${t("flow.old.unknown", { count: words.unknown })}</p>` : nothing}
        ${this.renderProve(s)}
        ${gen?.kitProvenAt ? html`<p class="ok">${t("flow.old.already_proven", { date: formatDateTime(gen.kitProvenAt, this.language, this.kit?.timeZone) })}</p>` : nothing}
        ${this.notice(s)}
        ${this.renderOldKit(s)}
      </div>
      <div class="actions">
        <button @click=${() => this.cancel()}>${t("flow.cancel")}</button>
        <button class="primary" ?disabled=${!(s.oldKitDownloaded && s.oldKitAcknowledged)} @click=${() => this.flow?.next()}>${t("flow.next")}</button>
      </div>`;
  }

  /** The old kit's download and its acknowledgement (which belongs to the latest download). */
  private renderOldKit(s: FlowState) {
    const t = this.localize;
    // On the old-key step the download is its primary action; later the new key's own controls are.
    return html`<div class="row"><button ?data-step-focus=${s.step === "old_key"} @click=${() => this.flow?.downloadOldKit()}>${t(s.oldKitOutdated ? "flow.old.download_again" : "flow.old.download")}</button>
        ${s.oldKitDownloaded && !s.oldKitOutdated ? html`<span class="ok">${t("flow.downloaded")}</span>` : nothing}</div>
      <label class="check"><input type="checkbox" ?disabled=${!s.oldKitDownloaded} .checked=${s.oldKitAcknowledged}
        @change=${(e: Event) => this.flow?.acknowledgeOldKit((e.target as HTMLInputElement).checked)} />${t("flow.old.acknowledge")}</label>`;
  }

  /** The old key's check before HA forgets it: progress, stop, and the choice to check remote copies. */
  private renderProve(s: FlowState) {
    const t = this.localize;
    const p = s.prove;
    if (p.phase === "unavailable") return html`<p class="prove" data-testid="prove" role="note">${t("flow.prove.unavailable")}</p>`;
    return html`<div class="prove" data-testid="prove">
      ${
        p.phase === "checking"
          ? html`<div class="row"><progress max=${p.total} .value=${p.done} aria-label=${t("flow.prove.checking", { done: p.done, total: p.total })}></progress>
            <span role="status">${t("flow.prove.checking", { done: p.done, total: p.total })}</span>
            <button @click=${() => this.flow?.stopProving()}>${t("flow.prove.stop")}</button></div>`
          : nothing
      }
      ${p.phase === "cancelled" ? html`<p role="status">${t("flow.prove.cancelled")}</p>` : nothing}
      ${p.phase === "failed" && p.problem ? html`<p class="bad" role="alert">${t(keyIn("errors.flow", p.problem.code), p.problem.params)}</p>` : nothing}
      ${
        p.phase !== "checking" && p.localLeft > 0
          ? html`<div class="row"><span>${t("flow.prove.local_left", { count: p.localLeft })}</span>
            <button @click=${() => void this.flow?.proveOldKey("local")}>${t("flow.prove.local_button")}</button></div>`
          : nothing
      }
      ${
        p.phase !== "checking" && p.remoteLeft.count > 0
          ? html`<div class="row"><span>${t("flow.prove.remote", { count: p.remoteLeft.count, size: formatSize(p.remoteLeft.bytes, this.numberLanguage ?? this.language) })}</span>
            <button @click=${() => void this.flow?.proveOldKey("remote")}>${t("flow.prove.remote_button")}</button></div>`
          : nothing
      }
      ${s.oldKitOutdated ? html`<p class="warn" role="status" data-testid="old-kit-outdated">${t("flow.prove.outdated")}</p>` : nothing}
    </div>`;
  }

  /**
   * On the new-key step the old key's check may still be running: its progress, and — whenever it
   * proved more since the last download — the updated old kit, until the commit.
   */
  private renderOldKeyLater(s: FlowState) {
    if (s.mode !== "change") return nothing;
    const checking = s.prove.phase === "checking";
    if (!checking && !s.oldKitOutdated && s.oldKitAcknowledged) return nothing;
    const t = this.localize;
    return html`<div class="proof" data-testid="old-kit-later">
      ${
        checking
          ? html`<div class="row"><progress max=${s.prove.total} .value=${s.prove.done} aria-label=${t("flow.prove.checking", { done: s.prove.done, total: s.prove.total })}></progress>
            <span role="status">${t("flow.prove.checking", { done: s.prove.done, total: s.prove.total })}</span>
            <button @click=${() => this.flow?.stopProving()}>${t("flow.prove.stop")}</button></div>`
          : nothing
      }
      ${s.oldKitOutdated ? html`<p class="warn" role="status" data-testid="old-kit-outdated">${t("flow.prove.outdated")}</p>` : nothing}
      ${s.oldKitOutdated || !s.oldKitAcknowledged ? this.renderOldKit(s) : nothing}
    </div>`;
  }

  private renderNewKey(s: FlowState) {
    const t = this.localize;
    const key = this.flow?.revealNewKey() ?? "";
    const masked = key.replace(/[A-Z0-9]/g, "•");
    return html`<div class="body">
        <h2 id="title">${s.mode === "set_first" ? t("flow.new.title_first") : t("flow.new.title")}</h2>
        ${this.renderOldKeyLater(s)}
        ${this.notice(s)}
        <p>${t("flow.new.description")}</p>
        <div class="row"><span class="key" data-testid="new-key">${this.revealed ? key : masked}</span></div>
        <div class="row">
          <button data-step-focus @click=${() => (this.revealed = !this.revealed)} aria-pressed=${this.revealed ? "true" : "false"}>${this.revealed ? t("flow.new.hide") : t("flow.new.reveal")}</button>
          <button @click=${() => this.copyKey()}>${this.copied ? t("flow.new.copied") : t("flow.new.copy")}</button>
          <button @click=${() => this.flow?.downloadNewKit()}>${t("flow.new.download")}</button>
          ${s.newKitDownloaded ? html`<span class="ok">${t("flow.downloaded")}</span>` : nothing}
        </div>
        ${
          s.newKitDownloaded
            ? html`<div class="proof">
              <h3>${t("flow.proof.title")}</h3>
              <p class="secondary">${t("flow.proof.description")}</p>
              <label>${t("flow.proof.load")} <input type="file" accept=".txt,text/plain" @change=${(e: Event) => this.loadProof(e)} /></label>
              <div class="row">
                <label for="group">${t("flow.proof.type_group", { n: s.challengeGroup })}</label>
                <input id="group" maxlength="8" autocomplete="off" spellcheck="false" .value=${this.typed}
                  @input=${(e: Event) => (this.typed = (e.target as HTMLInputElement).value)}
                  @keydown=${(e: KeyboardEvent) => {
                    // Enter runs Check, as in a form (and never submits or closes the dialog).
                    if (e.key !== "Enter") return;
                    e.preventDefault();
                    this.flow?.proveWithGroup(this.typed);
                  }} />
                <button @click=${() => this.flow?.proveWithGroup(this.typed)}>${t("flow.proof.check")}</button>
              </div>
              ${s.proof !== "none" ? html`<p class="ok" role="status">${t("flow.proof.ok")}</p>` : nothing}
              ${s.proofError ? html`<p class="bad" role="alert">${t(`flow.proof.error.${s.proofError}`)}</p>` : nothing}
            </div>`
            : nothing
        }
      </div>
      <div class="actions">
        ${s.mode === "change" ? html`<button @click=${() => this.flow?.back()}>${t("flow.back")}</button>` : nothing}
        <button @click=${() => this.cancel()}>${t("flow.cancel")}</button>
        <button class="danger" ?disabled=${!this.flow?.canCommit} @click=${() => this.flow?.commit()}>
          ${s.mode === "set_first" ? t("flow.commit_first") : t("flow.commit")}</button>
      </div>`;
  }

  private renderDone(s: FlowState) {
    const t = this.localize;
    const after = s.after;
    return html`<div class="body">
        <h2 id="title">${t("flow.done.title")}</h2>
        <p>${t("flow.done.description", { generation: s.newGeneration?.number ?? "" })}</p>
        <p>${t("flow.done.close_other_tabs")}</p>
        ${
          after === null
            ? html`<p>${t(this.canVerifyOnline() ? "flow.done.offer_backup" : "flow.done.verify_needs_newer_ha")}</p>`
            : after.phase === "creating" || after.phase === "verifying"
              ? html`<p role="status">${t(`flow.after.${after.phase}`)}${after.stage ? ` (${stageText(t, after.stage)})` : ""}</p>`
              : after.phase === "verified"
                ? html`<p class="ok" role="status">${t("flow.after.verified")}</p>`
                : html`<p class="bad" role="alert">${t(keyIn("errors.flow", after.problem?.code ?? "backup_failed"), after.problem?.params)}</p>`
        }
      </div>
      <div class="actions">
        ${(after === null || after.phase === "failed") && this.canVerifyOnline() ? html`<button @click=${() => this.flow?.createAndVerifyBackup()}>${t("flow.done.create_backup")}</button>` : nothing}
        <button class="primary" @click=${() => this.close()}>${t("flow.done.close")}</button>
      </div>`;
  }

  private renderBody(s: FlowState) {
    const t = this.localize;
    switch (s.step) {
      case "preflight":
        return html`<div class="body"><h2 id="title">${t("flow.title")}</h2><p role="status">${t("flow.preflight")}</p></div>`;
      case "old_key":
        return this.renderOldKey(s);
      case "new_key":
        return html`${this.problem(s)}${this.renderNewKey(s)}`;
      case "committing":
      case "unresolved":
        if (s.commitPhase === null) {
          return html`<div class="body"><h2 id="title">${t("flow.title")}</h2>${this.problem(s)}</div>
            <div class="actions"><button class="primary" @click=${() => this.close()}>${t("flow.close")}</button></div>`;
        }
        return html`<div class="body"><h2 id="title">${t("flow.title")}</h2><p role="status">${t(`flow.commit_phase.${s.commitPhase ?? "checking"}`)}</p></div>`;
      case "waiting_for_idle":
        return html`<div class="body"><h2 id="title">${t("flow.title")}</h2><p role="status">${t("flow.waiting")}</p></div>
          <div class="actions"><button @click=${() => this.flow?.stopWaiting()}>${t("flow.stop_waiting")}</button></div>`;
      case "done":
        return this.renderDone(s);
      case "blocked":
      case "aborted":
        return html`<div class="body"><h2 id="title">${t(s.step === "blocked" ? "flow.blocked_title" : "flow.aborted_title")}</h2>${this.problem(s)}</div>
          <div class="actions"><button class="primary" @click=${() => this.close()}>${t("flow.close")}</button></div>`;
      default:
        return nothing;
    }
  }

  protected override render() {
    const s = this.flowState;
    return html`<dialog aria-labelledby="title" tabindex="-1" @cancel=${(e: Event) => {
      e.preventDefault();
      void this.cancel();
    }}>${s ? this.renderBody(s) : nothing}</dialog>`;
  }
}

if (!customElements.get("bk-key-change-dialog")) customElements.define("bk-key-change-dialog", BkKeyChangeDialog);

declare global {
  interface HTMLElementTagNameMap {
    "bk-key-change-dialog": BkKeyChangeDialog;
  }
}
