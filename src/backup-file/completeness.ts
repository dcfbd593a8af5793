// Does a backup hold what its own backup.json promises? HA restores component by component from
// the archives backup.json names (Supervisor `tar_name`: `<name>.tar.gz`, `.tar` when
// `compressed` is false; folders with `/` → `_`). A promised archive that is absent, an archive
// nobody promised, or one encrypted differently from what the backup (or HA's per-location flag)
// says cannot be restored as it stands: each is damage, reported per archive with a stable code.
// Pure logic: no I/O, no keys.

export type CompletenessCode = "missing" | "unexpected" | "not_encrypted" | "unexpectedly_encrypted" | "backup_json_incomplete" | "no_backup_json";

export interface CompletenessItem {
  /** The inner archive's name, or null for the backup as a whole. */
  archive: string | null;
  code: CompletenessCode;
}

export interface ArchiveFacts {
  name: string;
  encrypted: boolean;
  plain: boolean;
}

/** Written by Supervisor since 2026 (mounts, docker config) without an entry in backup.json. */
const UNDECLARED_ALLOWED = /^supervisor\.tar(\.gz)?$/;

const strip = (name: string) => name.replace(/^(\.\/)+/, "");
const nonEmptyString = (v: unknown) => typeof v === "string" && v.trim() !== "";

/**
 * The archive names backup.json promises, or null when backup.json is too malformed to say
 * (then `backup_json_incomplete` is reported instead). Core writes no `folders`/`addons` at all:
 * absent means none.
 */
export function promisedArchives(json: Record<string, unknown>): string[] | null {
  const ext = json.compressed === false ? ".tar" : ".tar.gz";
  const out: string[] = [];
  const ha = json.homeassistant;
  if (ha !== undefined && ha !== null) {
    if (typeof ha !== "object" || Array.isArray(ha)) return null;
    out.push(`homeassistant${ext}`);
  }
  const folders = json.folders ?? [];
  const addons = json.addons ?? [];
  if (!Array.isArray(folders) || !Array.isArray(addons)) return null;
  for (const f of folders) {
    if (!nonEmptyString(f)) return null;
    out.push(`${(f as string).replace(/\//g, "_")}${ext}`);
  }
  for (const a of addons) {
    const slug = a && typeof a === "object" ? (a as Record<string, unknown>).slug : undefined;
    if (!nonEmptyString(slug)) return null;
    out.push(`${slug as string}${ext}`);
  }
  return out;
}

/**
 * `expectProtected`: HA's flag for the location the file came from, when known; it and
 * backup.json's `protected` must both hold for every archive.
 */
export function completenessDamage(json: Record<string, unknown> | null, archives: readonly ArchiveFacts[], expectProtected?: boolean): CompletenessItem[] {
  const items: CompletenessItem[] = [];
  const expectations: boolean[] = [];
  if (expectProtected !== undefined) expectations.push(expectProtected);
  if (json === null) {
    items.push({ archive: null, code: "no_backup_json" });
  } else {
    if (!nonEmptyString(json.slug) || !nonEmptyString(json.name) || !nonEmptyString(json.date)) items.push({ archive: null, code: "backup_json_incomplete" });
    if (typeof json.protected === "boolean") expectations.push(json.protected);
  }
  for (const a of archives) {
    if (expectations.some((p) => p) && a.plain) items.push({ archive: a.name, code: "not_encrypted" });
    else if (expectations.some((p) => !p) && a.encrypted) items.push({ archive: a.name, code: "unexpectedly_encrypted" });
  }
  if (json === null) return items;
  const promised = promisedArchives(json);
  if (promised === null) {
    if (!items.some((i) => i.code === "backup_json_incomplete")) items.push({ archive: null, code: "backup_json_incomplete" });
    return items;
  }
  const present = new Set(archives.map((a) => strip(a.name)));
  const wanted = new Set(promised);
  for (const a of archives) {
    const name = strip(a.name);
    if (!wanted.has(name) && !UNDECLARED_ALLOWED.test(name)) items.push({ archive: a.name, code: "unexpected" });
  }
  for (const name of promised) if (!present.has(name)) items.push({ archive: name, code: "missing" });
  return items;
}
