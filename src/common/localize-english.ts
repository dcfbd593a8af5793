// English, synchronously: for the CLI, the Node programs and defaults of elements that are always
// given their real `localize` by their owner. The browser entry never imports this module, so the
// English strings stay out of the module HA loads on every dashboard.
import en from "../../translations/en.json";
import { createLocalize, flatten, type LocalizeFunc, type Messages } from "./localize.js";

export const englishMessages: Record<string, string> = flatten(en as Messages);

export const localizeEnglish: LocalizeFunc = createLocalize(englishMessages, "en");
