// The translated sentence for a damage reason: the same sentences `verify` prints
// (`errors.backup_file.damage.<code>`), so decrypt, extract, the panel and the page agree with it.
export function damageMessageKey(code: string): string {
  return `errors.backup_file.damage.${code}`;
}
