// What every view of the registry receives from the panel: strings, locale and the registry's
// facts for one instance. Views extend this and only render.
import { LitElement } from "lit";
import { property } from "lit/decorators.js";
import type { LocalizeFunc } from "../../common/localize.js";
import { localizeEnglish } from "../../common/localize-english.js";
import type { CopyRecord, GenerationRecord } from "../../registry/model.js";

export class KeyringView extends LitElement {
  @property({ attribute: false }) localize: LocalizeFunc = localizeEnglish;
  @property() language = "en";
  @property() timeZone?: string;
  @property({ attribute: false }) generations: GenerationRecord[] = [];
  @property({ attribute: false }) copies: CopyRecord[] = [];
  /** Fingerprints of the keys held right now. */
  @property({ attribute: false }) held: ReadonlySet<string> = new Set();
}
