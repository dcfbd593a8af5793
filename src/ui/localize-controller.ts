// Gives an element a `localize` function for HA's language (standalone: the browser's), loading
// the language's strings (and English, for missing keys) lazily and re-rendering when they arrive.
// Until then `localize` returns "" and `ready` is false, so an element can show a quiet placeholder.
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { localizeFor, localizePending, resolveLanguage, type LocalizeFunc } from "../common/localize.js";

export class LocalizeController implements ReactiveController {
  localize: LocalizeFunc = localizePending;
  language = "en";
  ready = false;
  private requested: string | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {
    // An element used before anyone calls `use` (a card preview, a bare test page) still gets strings.
    if (this.requested === null) this.use(null);
  }

  /** Call with `hass.language` (or null for the browser's language) whenever it may have changed. */
  use(languageTag: string | null | undefined): void {
    const tag = languageTag || (typeof navigator !== "undefined" ? navigator.language : "en");
    const language = resolveLanguage(tag);
    if (language === this.requested) return;
    this.requested = language;
    localizeFor(language).then(
      (fn) => {
        if (this.requested !== language) return;
        this.localize = fn;
        this.language = language;
        this.ready = true;
        this.host.requestUpdate();
      },
      () => {
        // The chunk could not be loaded (offline, or HA now serves a newer build): allow a retry.
        if (this.requested === language) this.requested = null;
      },
    );
  }
}
