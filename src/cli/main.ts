// `backup-keyring`: the same checks as the panel, in a terminal (e.g. a cron job on a NAS).
import { readFile } from "node:fs/promises";
import { BackupFileError } from "../backup-file/errors.js";
import { checkBackupKeys, inspectBackup, type BackupFileReport } from "../backup-file/inspect.js";
import { localizeEnglish as t } from "../common/localize-english.js";
import { openFileSource } from "../common/node-file-source.js";
import { tidyKeyInput } from "../keys/format.js";
import { generateEncryptionKey } from "../keys/generate.js";
import { KitParseError, parseEmergencyKit } from "../kit/parse.js";
import { renderEmergencyKit } from "../kit/render.js";

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_UNREADABLE = 2;
export const EXIT_NOT_OPENED = 3;

const HELP = `backup-keyring — which encryption key opens which Home Assistant backup

Usage:
  backup-keyring verify <backup.tar>... [--key KEY]... [--kit FILE]... [--key-env VAR] [--keys-stdin] [--json] [--deep]
  backup-keyring inspect <backup.tar>... [--json]
  backup-keyring kit --instance NAME --url URL [--lang LANG] [--key KEY]

verify   Checks every backup against the candidate keys, in the order given.
         Exit 0: every backup is unencrypted or opened by a candidate.
         Exit 3: some backup is encrypted and no candidate opens it.
         Exit 2: a file cannot be read, is damaged, or is not a Home Assistant backup / SecureTar archive.
         --deep also decrypts every SecureTar v3 chunk (reads the whole backup) to prove it is intact.
inspect  Shows backup.json facts and each inner archive's format; needs no key.
kit      Prints an emergency kit in Home Assistant's layout (a new key unless --key is given).

Keys on the command line end up in your shell history. Prefer:
  --kit FILE          an emergency kit (.txt) made by Home Assistant or Backup Keyring
  --key-env VAR       keys from an environment variable (default BACKUP_KEYRING_KEYS), one per line or comma-separated
  --keys-stdin        keys from standard input, one per line
Keys are never printed.
`;

interface Args {
  command: string | null;
  files: string[];
  keys: string[];
  kits: string[];
  keyEnv: string | null;
  keysStdin: boolean;
  json: boolean;
  deep: boolean;
  instance: string | null;
  url: string | null;
  lang: string;
  help: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const a: Args = { command: null, files: [], keys: [], kits: [], keyEnv: null, keysStdin: false, json: false, deep: false, instance: null, url: null, lang: "en", help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--help" || arg === "-h") a.help = true;
    else if (arg === "--key") a.keys.push(value());
    else if (arg === "--kit") a.kits.push(value());
    else if (arg === "--key-env") a.keyEnv = value();
    else if (arg === "--keys-stdin") a.keysStdin = true;
    else if (arg === "--json") a.json = true;
    else if (arg === "--deep") a.deep = true;
    else if (arg === "--instance") a.instance = value();
    else if (arg === "--url") a.url = value();
    else if (arg === "--lang") a.lang = value();
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (a.command === null) a.command = arg;
    else a.files.push(arg);
  }
  return a;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Candidates in the order given: --key, then kits, then the environment, then stdin. */
async function collectCandidates(a: Args, out: (s: string) => void): Promise<string[] | null> {
  const keys = a.keys.map(tidyKeyInput);
  for (const kit of a.kits) {
    try {
      keys.push(parseEmergencyKit(await readFile(kit, "utf8")).key);
    } catch (err) {
      const code = err instanceof KitParseError ? err.code : "unreadable";
      out(`${kit}: ${t(err instanceof KitParseError ? `errors.kit.${code}` : "errors.backup_file.unreadable")}\n`);
      return null;
    }
  }
  const envName = a.keyEnv ?? "BACKUP_KEYRING_KEYS";
  const fromEnv = process.env[envName];
  if (fromEnv) keys.push(...fromEnv.split(/[\n,]/).map((k) => k.trim()).filter(Boolean).map(tidyKeyInput));
  if (a.keysStdin) keys.push(...(await readStdin()).split("\n").map((k) => k.replace(/\r$/, "")).filter((k) => k.trim() !== "").map(tidyKeyInput));
  return keys;
}

function memberJson(r: BackupFileReport) {
  return r.members.map((m) => ({ name: m.name, size: m.size, format: m.format, damaged: m.damaged, damage: m.damage?.code ?? null, opened_by: m.openedBy }));
}

function errorText(err: unknown): { code: string; message: string } {
  if (err instanceof BackupFileError) return { code: err.code, message: t(`errors.backup_file.${err.code}`) };
  const code = (err as { code?: string }).code;
  if (code === "EISDIR") return { code: "not_a_file", message: t("errors.backup_file.not_a_file") };
  if (code === "ENOENT") return { code: "not_found", message: t("errors.backup_file.not_found") };
  return { code: "unreadable", message: t("errors.backup_file.unreadable") };
}

async function runOnFiles(a: Args, candidates: string[] | null, out: (s: string) => void): Promise<number> {
  if (a.files.length === 0) throw new UsageError("name at least one backup file");
  let exit = EXIT_OK;
  const results: unknown[] = [];
  for (const file of a.files) {
    try {
      const source = await openFileSource(file);
      let r: BackupFileReport;
      try {
        r = candidates ? await checkBackupKeys(source, candidates, { deep: a.deep }) : await inspectBackup(source);
      } finally {
        await source.close();
      }
      const notOpened = candidates !== null && r.encrypted && r.openedBy === null;
      if (notOpened && exit === EXIT_OK) exit = EXIT_NOT_OPENED;
      // A damaged archive (cut short, broken stream) cannot be restored even with the right key.
      if (r.damaged) exit = EXIT_UNREADABLE;
      results.push({ file, backup_id: r.backupId, name: r.name, date: r.date, encrypted: r.encrypted, format: r.format, ...(candidates ? { opened_by: r.openedBy } : {}), protected: r.protectedFlag, mislabelled: r.mislabelled, damaged: r.damaged, damage: r.damage?.code ?? null, members: memberJson(r) });
      if (!a.json) {
        const what = !r.encrypted
          ? t("cli.unencrypted")
          : candidates === null
            ? t("cli.encrypted", { format: r.format })
            : r.openedBy !== null
              ? t("cli.opened_by", { n: r.openedBy + 1, format: r.format })
              : t("cli.not_opened", { format: r.format });
        // Bare SecureTar archives (no backup.json) have no name, ID or date to show.
        const label = r.backupJson ? `${r.name ?? "?"} (${r.backupId ?? "?"}, ${r.date ?? "?"}) — ` : "";
        out(`${file}: ${label}${what}\n`);
        if (r.mislabelled) out(`  ${t("cli.mislabelled")}\n`);
        if (r.damage) out(`  ${t("cli.damaged", { reason: t(`errors.backup_file.damage.${r.damage.code}`) })}\n`);
        if (candidates === null || !r.membersAgree) for (const m of r.members) out(`  ${m.name}: ${m.format}${m.openedBy !== null ? ` (${t("cli.opened_by_short", { n: m.openedBy + 1 })})` : ""}\n`);
      }
    } catch (err) {
      exit = EXIT_UNREADABLE;
      const e = errorText(err);
      results.push({ file, error: e });
      if (!a.json) out(`${file}: ${e.message}\n`);
    }
  }
  if (a.json) out(`${JSON.stringify({ backups: results }, null, 2)}\n`);
  return exit;
}

export async function main(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s));
  const err = io.err ?? ((s: string) => process.stderr.write(s));
  try {
    const a = parseArgs(argv);
    if (a.help || a.command === null) {
      out(HELP);
      return a.help ? EXIT_OK : EXIT_USAGE;
    }
    switch (a.command) {
      case "verify": {
        const candidates = await collectCandidates(a, err);
        if (candidates === null) return EXIT_UNREADABLE;
        if (candidates.length === 0) throw new UsageError("give at least one key (--kit, --key, --key-env or --keys-stdin)");
        return await runOnFiles(a, candidates, out);
      }
      case "inspect":
        return await runOnFiles(a, null, out);
      case "kit": {
        if (!a.instance || !a.url) throw new UsageError("kit needs --instance and --url");
        const { localizeFor } = await import("../common/localize.js");
        const key = a.keys[0] ?? generateEncryptionKey();
        out(`${renderEmergencyKit({ key, instanceName: a.instance, url: a.url, date: new Date(), language: a.lang, localize: await localizeFor(a.lang) })}\n`);
        return EXIT_OK;
      }
      default:
        throw new UsageError(`unknown command ${a.command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`backup-keyring: ${e.message}\n\n${HELP}`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
