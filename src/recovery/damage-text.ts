// The translated sentence for a damage reason: the same sentences `verify` prints
// (`errors.backup_file.damage.<code>`), so decrypt, extract, the panel and the page agree with it.
import { keyIn, type TranslationKey } from "../common/localize.js";

export function damageMessageKey(code: string): TranslationKey {
  return keyIn("errors.backup_file.damage", code);
}
