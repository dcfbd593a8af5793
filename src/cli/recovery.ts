// `backup-keyring decrypt | extract | rekey`: offline recovery in a terminal. Own argument parser
// (these commands take -o/-C/--force/--new-key/--format/--list), same key sources as `verify`.
// Exit codes: 0 done; 3 no given key opens an encrypted inner archive; 2 the backup cannot be read,
// is damaged or is not a backup; 1 usage, an existing output (without --force), a write failure or
// (extract) a path that is in no inner archive. On any failure no output file is left behind.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { BackupFileError } from "../backup-file/errors.js";
import { localizeEnglish as t } from "../common/localize-english.js";
import { openFileSource, type NodeFileSource } from "../common/node-file-source.js";
import { tidyKeyInput } from "../keys/format.js";
import { KitParseError, parseEmergencyKit } from "../kit/parse.js";
import { decryptBackup, planKeys, rekeyBackup, rekeyFormat } from "../recovery/backup-recovery.js";
import { RecoveryError } from "../recovery/errors.js";
import { pathMatches, safeRelativePath, walkBackupContents, type Gunzip } from "../recovery/extract.js";
import { nodeCryptoPort } from "../recovery/node-crypto-port.js";
import { assertWritable, writeAtomically } from "./output-file.js";

const EXIT_OK = 0;
const EXIT_USAGE = 1;
const EXIT_UNREADABLE = 2;
const EXIT_NOT_OPENED = 3;

export const RECOVERY_HELP = `  backup-keyring decrypt <backup.tar> (--kit FILE | --key KEY | --key-env VAR | --keys-stdin)... -o OUT.tar [--force]
  backup-keyring extract <backup.tar> PATH... -C DIR [keys...] [--force]
  backup-keyring extract <backup.tar> --list [keys...]
  backup-keyring rekey <backup.tar> (old keys...) (--new-key KEY | --new-kit FILE) -o OUT.tar [--format v2|v3] [--force]

decrypt  Writes an unencrypted copy HA can restore (backup.json says protected: false).
extract  Copies single files out of the inner archives (e.g. homeassistant/configuration.yaml);
         --list shows every path. Writes only the files asked for.
rekey    Writes a copy encrypted with another key (format of the input, v1 becomes v2). The input is
         never changed.
         Exit 0 done, 3 no given key opens it, 2 unreadable/damaged/not a backup, 1 usage or output
         problem (an existing output is kept unless --force). Nothing is left behind on failure.
`;

class UsageError extends Error {}

interface RecoveryArgs {
  command: "decrypt" | "extract" | "rekey";
  input: string | null;
  paths: string[];
  keys: string[];
  kits: string[];
  keyEnv: string | null;
  keysStdin: boolean;
  output: string | null;
  dir: string | null;
  force: boolean;
  list: boolean;
  newKey: string | null;
  newKit: string | null;
  format: "v2" | "v3" | null;
}

function parse(command: RecoveryArgs["command"], argv: string[]): RecoveryArgs {
  const a: RecoveryArgs = { command, input: null, paths: [], keys: [], kits: [], keyEnv: null, keysStdin: false, output: null, dir: null, force: false, list: false, newKey: null, newKit: null, format: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // Never repeat a value in a message: it may be a key.
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--key") a.keys.push(value());
    else if (arg === "--kit") a.kits.push(value());
    else if (arg === "--key-env") a.keyEnv = value();
    else if (arg === "--keys-stdin") a.keysStdin = true;
    else if (arg === "-o" || arg === "--output") a.output = value();
    else if (arg === "-C" || arg === "--directory") a.dir = value();
    else if (arg === "--force") a.force = true;
    else if (arg === "--list" && command === "extract") a.list = true;
    else if (arg === "--new-key" && command === "rekey") a.newKey = value();
    else if (arg === "--new-kit" && command === "rekey") a.newKit = value();
    else if (arg === "--format" && command === "rekey") {
      const f = value();
      if (f !== "v2" && f !== "v3") throw new UsageError("--format is v2 or v3");
      a.format = f;
    } else if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg.split("=")[0]}`);
    else if (a.input === null) a.input = arg;
    else if (command === "extract") a.paths.push(arg);
    else throw new UsageError("one backup file at a time");
  }
  if (a.input === null) throw new UsageError("name the backup file");
  if (command !== "extract" && !a.output) throw new UsageError(`${command} needs -o OUT.tar`);
  if (command === "extract" && !a.list && (a.paths.length === 0 || !a.dir)) throw new UsageError("extract needs PATH... and -C DIR (or --list)");
  if (command === "rekey" && (a.newKey === null) === (a.newKit === null)) throw new UsageError("rekey needs exactly one of --new-key or --new-kit");
  return a;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

class KitError extends Error {
  constructor(readonly file: string, readonly text: string) {
    super("kit");
  }
}

async function keyFromKit(file: string): Promise<string> {
  try {
    return parseEmergencyKit(await readFile(file, "utf8")).key;
  } catch (err) {
    throw new KitError(file, t(err instanceof KitParseError ? `errors.kit.${err.code}` : "errors.backup_file.unreadable"));
  }
}

async function candidates(a: RecoveryArgs): Promise<string[]> {
  const keys = a.keys.map(tidyKeyInput);
  for (const kit of a.kits) keys.push(await keyFromKit(kit));
  const fromEnv = process.env[a.keyEnv ?? "BACKUP_KEYRING_KEYS"];
  if (fromEnv) keys.push(...fromEnv.split(/[\n,]/).map((k) => k.trim()).filter(Boolean).map(tidyKeyInput));
  if (a.keysStdin) keys.push(...(await readStdin()).split("\n").map((k) => k.replace(/\r$/, "")).filter((k) => k.trim() !== "").map(tidyKeyInput));
  return keys;
}

const STREAM_DAMAGE = new Set(["size_mismatch", "stream_auth_failed", "final_too_early", "no_final_tag", "stream_size_mismatch", "stream_empty", "unknown_format"]);

function failure(err: unknown): { exit: number; message: string } {
  if (err instanceof RecoveryError) {
    if (err.code === "damaged") {
      const reason = String(err.params.reason ?? "");
      const detail = STREAM_DAMAGE.has(reason) ? t(`errors.backup_file.damage.${reason}`) : t(`errors.recovery.damage.${reason || "inner_archive"}`);
      return { exit: EXIT_UNREADABLE, message: `${t("errors.recovery.damaged")} ${detail}` };
    }
    const exit = err.code === "no_key" ? EXIT_NOT_OPENED : EXIT_USAGE;
    return { exit, message: t(`errors.recovery.${err.code}`) };
  }
  if (err instanceof BackupFileError) return { exit: EXIT_UNREADABLE, message: t(`errors.backup_file.${err.code}`) };
  const code = (err as { code?: string }).code;
  if (code === "ENOENT") return { exit: EXIT_UNREADABLE, message: t("errors.backup_file.not_found") };
  if (code === "EISDIR") return { exit: EXIT_UNREADABLE, message: t("errors.backup_file.not_a_file") };
  return { exit: EXIT_UNREADABLE, message: t("errors.backup_file.unreadable") };
}

/** zlib as a stream transform; a broken gzip becomes a "damaged" error. */
const nodeGunzip: Gunzip = (input) => {
  const gz = createGunzip();
  // pipeline, not pipe: an error in the decrypted input (a damaged chunk) must end the gunzip too.
  pipeline(Readable.from(input), gz, () => undefined);
  return (async function* () {
    try {
      for await (const piece of gz) yield new Uint8Array((piece as Buffer).buffer, (piece as Buffer).byteOffset, (piece as Buffer).length);
    } catch (e) {
      if (e instanceof RecoveryError || (e as Error).name === "AbortError") throw e;
      throw new RecoveryError("damaged", { reason: "inner_archive" });
    } finally {
      gz.destroy();
    }
  })();
};

function progressPrinter(err: (s: string) => void): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = -1;
  return (done, total) => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    if (pct !== last) err(`\r${pct}%`);
    last = pct;
  };
}

async function run(a: RecoveryArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const keys = await candidates(a);
  const file = a.input!;
  // Refuse early, before minutes of work, when the output exists.
  if (a.output) await assertWritable(a.output, a.force);
  const newKey = a.command === "rekey" ? (a.newKey !== null ? tidyKeyInput(a.newKey) : await keyFromKit(a.newKit!)) : null;
  let source: NodeFileSource | null = null;
  try {
    source = await openFileSource(file);
    const src = source;
    const plan = await planKeys(src, keys, nodeCryptoPort);
    const onProgress = progressPrinter(err);
    if (a.command === "decrypt") {
      await writeAtomically(a.output!, a.force, (sink) => decryptBackup(src, plan, sink, { port: nodeCryptoPort, onProgress }));
      if (onProgress) err("\n");
      out(`${file}: ${t("cli.recovery.decrypted", { output: a.output! })}\n`);
      return EXIT_OK;
    }
    if (a.command === "rekey") {
      const format = rekeyFormat(plan.report, a.format);
      await writeAtomically(a.output!, a.force, (sink) => rekeyBackup(src, plan, { newKey: newKey!, format }, sink, { port: nodeCryptoPort, onProgress }));
      if (onProgress) err("\n");
      out(`${file}: ${t("cli.recovery.rekeyed", { output: a.output!, format })}\n`);
      return EXIT_OK;
    }
    // extract / --list
    const found = new Set<string>();
    await walkBackupContents(src, plan, nodeCryptoPort, nodeGunzip, async (entry) => {
      if (a.list) {
        out(`${entry.path}${entry.type === "dir" ? "/" : ""}${entry.type === "file" ? `  ${entry.size}` : ""}\n`);
        return true;
      }
      const request = a.paths.find((p) => pathMatches(p, entry.member, entry.path.slice(entry.path.indexOf("/") + 1)));
      if (request === undefined || entry.type !== "file") return true;
      if (!safeRelativePath(entry.path)) return true;
      const target = join(a.dir!, entry.path);
      await writeAtomically(target, a.force, async (sink) => {
        for await (const piece of entry.data) await sink.write(piece);
      }, { makeDirs: true });
      found.add(request);
      out(`${entry.path} → ${target}\n`);
      return found.size < a.paths.length;
    });
    if (!a.list) {
      const missing = a.paths.filter((p) => !found.has(p));
      if (missing.length > 0) {
        for (const p of missing) err(`${p}: ${t("errors.recovery.not_found")}\n`);
        return EXIT_USAGE;
      }
    }
    return EXIT_OK;
  } catch (e) {
    const f = failure(e);
    err(`${file}: ${f.message}\n`);
    return f.exit;
  } finally {
    await source?.close();
  }
}

export async function recoveryMain(command: RecoveryArgs["command"], argv: string[], io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  let a: RecoveryArgs;
  try {
    a = parse(command, argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`backup-keyring: ${e.message}\n\n${RECOVERY_HELP}`);
    return EXIT_USAGE;
  }
  try {
    return await run(a, io.out, io.err);
  } catch (e) {
    if (e instanceof KitError) {
      io.err(`${e.file}: ${e.text}\n`);
      return EXIT_UNREADABLE;
    }
    if (e instanceof RecoveryError) {
      const f = failure(e);
      io.err(`${a.output ?? a.input}: ${f.message}\n`);
      return f.exit;
    }
    throw e;
  }
}
