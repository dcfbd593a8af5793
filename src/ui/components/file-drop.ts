// A drop zone (and file picker) for a backup file to verify offline. The file is read in place,
// a few kilobytes at a time; nothing is uploaded.
import { LitElement, css, html } from "lit";
import { property, state } from "lit/decorators.js";
import { haStyles } from "../styles.js";
import { fireEvent } from "../../common/fire-event.js";

export class BkFileDrop extends LitElement {
  @property() label = "";
  @property() accept = "";
  @property({ type: Boolean }) disabled = false;
  @state() private over = false;

  static override styles = [
    haStyles,
    css`
      :host { display: block; }
      .zone {
        border: 2px dashed var(--divider-color, #bbb); border-radius: var(--ha-card-border-radius, 12px);
        padding: var(--ha-space-4, 16px); text-align: center; cursor: pointer; display: block;
      }
      .zone.over { border-color: var(--primary-color, #0277bd); background: var(--secondary-background-color, #f5f5f5); }
      input { position: absolute; opacity: 0; width: 1px; height: 1px; }
      input:focus-visible + span { outline: 2px solid var(--primary-color, #0277bd); outline-offset: 2px; }
    `,
  ];

  private emit(file: File | undefined): void {
    if (file && !this.disabled) fireEvent(this, "file-picked", file, { bubbles: false, composed: false });
  }

  protected override render() {
    return html`<label class="zone ${this.over ? "over" : ""}"
        @dragover=${(e: DragEvent) => {
          e.preventDefault();
          this.over = true;
        }}
        @dragleave=${() => (this.over = false)}
        @drop=${(e: DragEvent) => {
          e.preventDefault();
          this.over = false;
          this.emit(e.dataTransfer?.files[0]);
        }}>
      <input type="file" accept=${this.accept} ?disabled=${this.disabled}
        @change=${(e: Event) => {
          const input = e.target as HTMLInputElement;
          this.emit(input.files?.[0]);
          input.value = "";
        }} />
      <span>${this.label}</span>
    </label>`;
  }
}

if (!customElements.get("bk-file-drop")) customElements.define("bk-file-drop", BkFileDrop);

declare global {
  interface HTMLElementTagNameMap {
    "bk-file-drop": BkFileDrop;
  }
}

declare global {
  interface BkDomEvents {
    "file-picked": File;
  }
}
