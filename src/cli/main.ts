// `backup-keyring`: the same checks as the panel, in a terminal (e.g. a cron job on a NAS).
import { BackupFileError } from "../common/backup-file-errors.js";
import { checkBackupKeys, inspectBackup, type BackupFileReport } from "../backup-file/inspect.js";
import { localizeEnglish as t } from "../common/localize-english.js";
import { openFileSource } from "../common/node-file-source.js";
import { formatTypedGeneratedKey } from "../keys/format.js";
import { generateEncryptionKey } from "../keys/generate.js";
import { mayBeKey, unknownOptionMessage, type Candidate } from "./candidates.js";
import { collectKeySources, KitFileError } from "./key-sources.js";
import { renderEmergencyKit } from "../kit/render.js";
import { aesDeepCheck } from "../recovery/deep-aes.js";
import { nodeCryptoPort } from "../recovery/node-crypto-port.js";
import { RECOVERY_HELP, recoveryMain } from "./recovery.js";
import { nodeInflate } from "./node-inflate.js";

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_UNREADABLE = 2;
export const EXIT_NOT_OPENED = 3;

const HELP = `backup-keyring — which encryption key opens which Home Assistant backup

Usage:
  backup-keyring verify <backup.tar>... [--key KEY]... [--kit FILE]... [--key-env VAR] [--keys-stdin] [--json] [--deep]
  backup-keyring inspect <backup.tar>... [--json]
  backup-keyring kit --instance NAME --url URL [--lang LANG] [--key KEY]
${RECOVERY_HELP}
verify   Checks every backup against the candidate keys, in the order given.
         Exit 0: every backup is unencrypted or opened by a candidate.
         Exit 3: some backup is encrypted and no candidate opens it.
         Exit 2: a file cannot be read, is not a Home Assistant backup, or is damaged: an archive that
                 backup.json promises is missing, cut short, extra, or encrypted when the backup
                 says it is not (or the reverse). One reason per archive is printed.
         --deep also reads every archive to its end (v1/v2 decrypted with padding and gzip CRC checked,
         v3 authentication, the inner tar's end) to prove it is intact.
         Each key is tried exactly as given, and also tidied when it looks like a generated key typed
         loosely. Text output names the key's source (kit file and generation, --key #n, …); in
         --json, "opened_by" is the 0-based position of that source among the keys as given
         (each --key, kit, environment entry and stdin line, in that order), whichever form opened
         it, and "opened_by_source" names it. A file that cannot be read has "error" and also
         "damaged": true, like every file that makes verify exit 2.
inspect  Shows backup.json facts and each inner archive's format; needs no key.
kit      Prints an emergency kit in Home Assistant's layout (a new key unless --key is given). A key
         typed in its seven groups (any case, spaces or dashes) is written in HA's format; anything
         else, such as a legacy password, exactly as given.

Keys on the command line end up in your shell history. Prefer:
  --kit FILE          an emergency kit (.txt) made by Home Assistant or Backup Keyring
  --key-env VAR       keys from an environment variable (default BACKUP_KEYRING_KEYS), one per line or comma-separated
  --keys-stdin        keys from standard input, one per line
Keys are never printed.
`;

interface Args {
  command: string | null;
  files: string[];
  /** 1-based argv position of each file argument, to name one that must not be printed. */
  filePositions: number[];
  keys: string[];
  /** Kit file arguments with their 1-based argv positions. */
  kits: { path: string; position: number }[];
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

const COMMANDS = ["verify", "inspect", "kit", "decrypt", "extract", "rekey"];

function parseArgs(argv: string[]): Args {
  const a: Args = { command: null, files: [], filePositions: [], keys: [], kits: [], keyEnv: null, keysStdin: false, json: false, deep: false, instance: null, url: null, lang: "en", help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--help" || arg === "-h") a.help = true;
    else if (arg === "--key") a.keys.push(value());
    else if (arg === "--kit") a.kits.push({ path: value(), position: i + 1 });
    else if (arg === "--key-env") a.keyEnv = value();
    else if (arg === "--keys-stdin") a.keysStdin = true;
    else if (arg === "--json") a.json = true;
    else if (arg === "--deep") a.deep = true;
    else if (arg === "--instance") a.instance = value();
    else if (arg === "--url") a.url = value();
    else if (arg === "--lang") a.lang = value();
    else if (arg.startsWith("-")) throw new UsageError(unknownOptionMessage(arg, i + 1));
    else if (a.command === null) a.command = arg;
    else {
      a.files.push(arg);
      a.filePositions.push(i + 1);
    }
  }
  return a;
}

/** Candidates in the order given (src/cli/key-sources.ts); null after printing why a kit cannot be used. */
async function collectLabelledCandidates(a: Args, out: (s: string) => void): Promise<Candidate[] | null> {
  try {
    return await collectKeySources(a);
  } catch (err) {
    if (!(err instanceof KitFileError)) throw err;
    out(`${err.shown}: ${err.text}\n`);
    return null;
  }
}

/** The user's key source (0-based, as given) behind a candidate index, whichever form opened it. */
const sourceOf = (candidates: Candidate[], index: number | null) => (index === null ? null : candidates[index]!.source);

function memberJson(r: BackupFileReport, candidates: Candidate[] | null) {
  return r.members.map((m) => ({
    name: m.name,
    size: m.size,
    format: m.format,
    damaged: m.damaged,
    damage: m.damage?.code ?? null,
    opened_by: candidates ? sourceOf(candidates, m.openedBy) : m.openedBy,
    ...(candidates ? { opened_by_source: m.openedBy !== null ? candidates[m.openedBy]!.label : null, key_checked: m.keyChecked } : {}),
  }));
}

/** One line per reason: "<archive>: <reason>", or the reason alone for the backup as a whole. */
function damageLines(r: BackupFileReport): string[] {
  return r.damage.map((d) => `${d.archive !== null ? `${d.archive}: ` : ""}${t(`errors.backup_file.damage.${d.code}`)}`);
}

function errorText(err: unknown): { code: string; message: string } {
  if (err instanceof BackupFileError) return { code: err.code, message: t(`errors.backup_file.${err.code}`) };
  const code = (err as { code?: string }).code;
  if (code === "EISDIR") return { code: "not_a_file", message: t("errors.backup_file.not_a_file") };
  if (code === "ENOENT") return { code: "not_found", message: t("errors.backup_file.not_found") };
  return { code: "unreadable", message: t("errors.backup_file.unreadable") };
}

/**
 * The exit code for one readable backup: 2 when it is damaged (it cannot be restored even with the
 * right key), 3 when keys were given, it is encrypted and none opens it, else 0.
 */
export function verifyExit(r: BackupFileReport, withKeys: boolean): number {
  if (r.damaged) return EXIT_UNREADABLE;
  if (withKeys && r.encrypted && r.openedBy === null) return EXIT_NOT_OPENED;
  return EXIT_OK;
}

async function runOnFiles(a: Args, candidates: Candidate[] | null, out: (s: string) => void): Promise<number> {
  if (a.files.length === 0) throw new UsageError("name at least one backup file");
  let exit = EXIT_OK;
  const results: unknown[] = [];
  for (const [index, path] of a.files.entries()) {
    // A file name is printed as given, unless the file does not exist and the argument could be a
    // key typed in the wrong place.
    let file = path;
    try {
      const source = await openFileSource(path).catch((err: unknown) => {
        if ((err as { code?: string }).code === "ENOENT" && mayBeKey(path)) file = t("cli.argument_hidden", { n: a.filePositions[index]! });
        throw err;
      });
      let r: BackupFileReport;
      try {
        r = candidates
          ? await checkBackupKeys(
              source,
              candidates.map((c) => c.key),
              { deep: a.deep, deepAes: aesDeepCheck(nodeCryptoPort), v3Crypto: nodeCryptoPort, inflate: nodeInflate },
            )
          : await inspectBackup(source);
      } finally {
        await source.close();
      }
      const verdict = verifyExit(r, candidates !== null);
      if (verdict === EXIT_UNREADABLE || (verdict === EXIT_NOT_OPENED && exit === EXIT_OK)) exit = verdict;
      results.push({
        file,
        backup_id: r.backupId,
        name: r.name,
        date: r.date,
        encrypted: r.encrypted,
        format: r.format,
        ...(candidates ? { opened_by: sourceOf(candidates, r.openedBy), opened_by_source: r.openedBy !== null ? candidates[r.openedBy]!.label : null } : {}),
        protected: r.protectedFlag,
        mislabelled: r.mislabelled,
        damaged: r.damaged,
        damage: r.damage.map((d) => ({ archive: d.archive, code: d.code })),
        members: memberJson(r, candidates),
      });
      if (!a.json) {
        const what = !r.encrypted
          ? t("cli.unencrypted")
          : candidates === null
            ? t("cli.encrypted", { format: r.format })
            : r.openedBy !== null
              ? t("cli.opened_with", { source: candidates[r.openedBy]!.label, format: r.format })
              : t("cli.not_opened", { format: r.format });
        // Bare SecureTar archives (no backup.json) have no name, ID or date to show.
        const label = r.backupJson ? `${r.name ?? "?"} (${r.backupId ?? "?"}, ${r.date ?? "?"}) — ` : "";
        // Only what is proven: a protected backup whose archives are gone is not "not encrypted", and
        // when no archive could be key-checked (all damaged) "no key opens it" is not known either.
        const unchecked = r.encrypted && candidates !== null && !r.members.some((m) => m.keyChecked);
        const claim = r.damaged && ((!r.encrypted && r.protectedFlag === true) || unchecked) ? t("cli.damaged_short") : what;
        out(`${file}: ${label}${claim}\n`);
        if (r.damaged) {
          out(`  ${t("cli.damaged_heading")}\n`);
          for (const line of damageLines(r)) out(`    ${line}\n`);
        }
        if (candidates === null || !r.membersAgree) for (const m of r.members) out(`  ${m.name}: ${m.format}${m.openedBy !== null ? ` (${candidates![m.openedBy]!.label})` : ""}\n`);
      }
    } catch (err) {
      exit = EXIT_UNREADABLE;
      const e = errorText(err);
      // Every file that makes verify exit 2 has `damaged: true`, so a filter on it finds this one too.
      results.push({ file, error: e, damaged: true, damage: [{ archive: null, code: e.code }] });
      if (!a.json) out(`${file}: ${e.message}\n`);
    }
  }
  if (a.json) out(`${JSON.stringify({ backups: results }, null, 2)}\n`);
  return exit;
}

export async function main(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s));
  const err = io.err ?? ((s: string) => process.stderr.write(s));
  // Offline recovery (decrypt / extract / rekey) has its own options: src/cli/recovery.ts.
  if (argv[0] === "decrypt" || argv[0] === "extract" || argv[0] === "rekey") return recoveryMain(argv[0], argv.slice(1), { out, err });
  try {
    const a = parseArgs(argv);
    if (a.help || a.command === null) {
      out(HELP);
      return a.help ? EXIT_OK : EXIT_USAGE;
    }
    switch (a.command) {
      case "verify": {
        const candidates = await collectLabelledCandidates(a, err);
        if (candidates === null) return EXIT_UNREADABLE;
        if (candidates.length === 0) throw new UsageError("give at least one key (--kit, --key, --key-env or --keys-stdin)");
        return await runOnFiles(a, candidates, out);
      }
      case "inspect":
        return await runOnFiles(a, null, out);
      case "kit": {
        if (!a.instance || !a.url) throw new UsageError("kit needs --instance and --url");
        let language: string;
        try {
          language = Intl.getCanonicalLocales(a.lang)[0]!;
        } catch {
          throw new UsageError('--lang needs a language tag such as "de" or "pt-BR" (value not shown)');
        }
        const { localizeFor } = await import("../common/localize.js");
        // HA's format for a generated key typed in groups (any case, spaces or dashes); anything
        // else, a legacy password among it, is written exactly as given.
        const key = a.keys[0] !== undefined ? (formatTypedGeneratedKey(a.keys[0]) ?? a.keys[0]) : generateEncryptionKey();
        out(`${renderEmergencyKit({ key, instanceName: a.instance, url: a.url, date: new Date(), language, localize: await localizeFor(language) })}\n`);
        return EXIT_OK;
      }
      default:
        // Never echoed: a key typed first would otherwise be printed.
        throw new UsageError(`unknown command (not shown); the commands are ${COMMANDS.join(", ")}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`backup-keyring: ${e.message}\n\n${HELP}`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
