// HA's own labels for the emergency kit file (`ui.panel.config.backup.emergency_kit_file.*`).
// Source: home-assistant/frontend `src/translations/en.json` and `src/data/backup.ts`
// `generateEmergencyKit` (reference notes §7.2). HA's other languages live in its translation
// service, not in the frontend repository, and could not be read offline; the other languages
// below are our translations of HA's English labels (same lines, same order), so the kit reads in
// the user's language. Parsing never depends on these labels (see parse.ts).
// Kept as data, not in translations/*.json, so the HA block never drifts from HA's layout.
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
  description: "This emergency kit contains your backup encryption key. You need this key to be able to restore your Home Assistant backups.",
  date: "Date:",
  instance: "Instance:",
  url: "URL:",
  encryption_key: "Encryption key:",
  more_info: "For more information, visit {link}",
};

const kit = (title: string, description: string, date: string, instance: string, encryption_key: string, more_info: string): HaKitStrings => ({
  title,
  description,
  date,
  instance,
  url: "URL:",
  encryption_key,
  more_info,
});

/** English is HA's own text; the others translate it (see the note at the top). */
export const HA_KIT_STRINGS: Readonly<Record<string, HaKitStrings>> = {
  en: HA_KIT_STRINGS_EN,
  de: kit(
    "Home Assistant Backup-Notfallkit",
    "Dieses Notfallkit enthält deinen Verschlüsselungsschlüssel für Backups. Du benötigst diesen Schlüssel, um deine Home Assistant-Backups wiederherstellen zu können.",
    "Datum:",
    "Instanz:",
    "Verschlüsselungsschlüssel:",
    "Weitere Informationen findest du unter {link}",
  ),
  fr: kit(
    "Kit d'urgence des sauvegardes Home Assistant",
    "Ce kit d'urgence contient votre clé de chiffrement des sauvegardes. Vous avez besoin de cette clé pour pouvoir restaurer vos sauvegardes Home Assistant.",
    "Date :",
    "Instance :",
    "Clé de chiffrement :",
    "Pour plus d'informations, consultez {link}",
  ),
  nl: kit(
    "Home Assistant back-up noodpakket",
    "Dit noodpakket bevat je encryptiesleutel voor back-ups. Je hebt deze sleutel nodig om je Home Assistant-back-ups te kunnen herstellen.",
    "Datum:",
    "Instantie:",
    "Encryptiesleutel:",
    "Ga voor meer informatie naar {link}",
  ),
  es: kit(
    "Kit de emergencia de copias de seguridad de Home Assistant",
    "Este kit de emergencia contiene tu clave de cifrado de las copias de seguridad. Necesitas esta clave para poder restaurar tus copias de seguridad de Home Assistant.",
    "Fecha:",
    "Instancia:",
    "Clave de cifrado:",
    "Para más información, visita {link}",
  ),
  it: kit(
    "Kit di emergenza dei backup di Home Assistant",
    "Questo kit di emergenza contiene la chiave di crittografia dei tuoi backup. Ti serve questa chiave per poter ripristinare i backup di Home Assistant.",
    "Data:",
    "Istanza:",
    "Chiave di crittografia:",
    "Per maggiori informazioni, visita {link}",
  ),
  pl: kit(
    "Zestaw awaryjny kopii zapasowych Home Assistant",
    "Ten zestaw awaryjny zawiera klucz szyfrowania kopii zapasowych. Potrzebujesz tego klucza, aby móc przywrócić kopie zapasowe Home Assistant.",
    "Data:",
    "Instancja:",
    "Klucz szyfrowania:",
    "Więcej informacji znajdziesz na {link}",
  ),
  sv: kit(
    "Nödpaket för Home Assistant-säkerhetskopior",
    "Det här nödpaketet innehåller krypteringsnyckeln för dina säkerhetskopior. Du behöver nyckeln för att kunna återställa dina Home Assistant-säkerhetskopior.",
    "Datum:",
    "Instans:",
    "Krypteringsnyckel:",
    "Mer information finns på {link}",
  ),
  "pt-BR": kit(
    "Kit de emergência de backup do Home Assistant",
    "Este kit de emergência contém sua chave de criptografia de backup. Você precisa desta chave para poder restaurar seus backups do Home Assistant.",
    "Data:",
    "Instância:",
    "Chave de criptografia:",
    "Para mais informações, visite {link}",
  ),
  da: kit(
    "Home Assistant nødsæt til sikkerhedskopier",
    "Dette nødsæt indeholder krypteringsnøglen til dine sikkerhedskopier. Du skal bruge nøglen for at kunne gendanne dine Home Assistant-sikkerhedskopier.",
    "Dato:",
    "Instans:",
    "Krypteringsnøgle:",
    "Du kan finde flere oplysninger på {link}",
  ),
};

export function haKitStrings(language: string): HaKitStrings {
  return HA_KIT_STRINGS[language] ?? HA_KIT_STRINGS[language.split("-")[0]!] ?? HA_KIT_STRINGS_EN;
}
