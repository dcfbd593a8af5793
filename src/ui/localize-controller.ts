// Gives an element a `localize` function for HA's language (standalone: the browser's), loading
// the language's strings lazily and re-rendering when they arrive.
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { localizeEnglish, localizeFor, resolveLanguage, type LocalizeFunc } from "../common/localize.js";

export class LocalizeController implements ReactiveController {
  localize: LocalizeFunc = localizeEnglish;
  language = "en";
  private requested: string | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** Call with `hass.language` (or null for the browser's language) whenever it may have changed. */
  use(languageTag: string | null | undefined): void {
    const tag = languageTag || (typeof navigator !== "undefined" ? navigator.language : "en");
    const language = resolveLanguage(tag);
    if (language === this.requested) return;
    this.requested = language;
    void localizeFor(language).then((fn) => {
      if (this.requested !== language) return;
      this.localize = fn;
      this.language = language;
      this.host.requestUpdate();
    });
  }
}
