// HA's own labels for the emergency kit file (`ui.panel.config.backup.emergency_kit_file.*`).
// Source: home-assistant/frontend `src/translations/en.json` and `src/data/backup.ts`
// `generateEmergencyKit` (reference notes §7.2). HA's other languages live in its translation
// service, not in the frontend repository; they could not be found, so every language uses HA's
// English — exactly what HA itself shows when a translation is missing.
// Kept as data, not in translations/*.json, so the HA block never drifts from HA's wording.
export interface HaKitStrings {
  title: string;
  description: string;
  date: string;
  instance: string;
  url: string;
  encryption_key: string;
  /** Contains `{link}`. */
  more_info: string;
}

export const HA_KIT_STRINGS_EN: HaKitStrings = {
  title: "Home Assistant Backup Emergency Kit",
  description:
    "This emergency kit contains your backup encryption key. You need this key to be able to restore your Home Assistant backups.",
  date: "Date:",
  instance: "Instance:",
  url: "URL:",
  encryption_key: "Encryption key:",
  more_info: "For more information, visit {link}",
};

/** Languages for which HA's real translation is stored here (others fall back to English). */
export const HA_KIT_STRINGS: Readonly<Record<string, HaKitStrings>> = { en: HA_KIT_STRINGS_EN };

export function haKitStrings(language: string): HaKitStrings {
  return HA_KIT_STRINGS[language] ?? HA_KIT_STRINGS[language.split("-")[0]!] ?? HA_KIT_STRINGS_EN;
}
