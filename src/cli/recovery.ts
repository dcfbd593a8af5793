// `backup-keyring decrypt | extract | rekey`: offline recovery in a terminal. Own argument parser
// (these commands take -o/-C/--force/--new-key/--format/--list), same key sources and the same
// rules as `verify` (src/cli/key-sources.ts): keys tried exactly, then tidied; arguments that may
// be keys never printed. Exit codes: 0 done; 3 no given key opens an encrypted inner archive;
// 2 the backup cannot be read, is damaged or is not a backup HA can restore (the same verdict as
// `verify`); 1 usage, an existing output (without --force), an output that is the input, a write
// failure or (extract) a path that is in no inner archive. On any failure no output file is left.
import { chmod, lstat, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { BackupFileError } from "../common/backup-file-errors.js";
import { localizeEnglish as t } from "../common/localize-english.js";
import { openFileSource, type NodeFileSource } from "../common/node-file-source.js";
import { formatTypedGeneratedKey } from "../keys/format.js";
import { decryptBackup, planKeys, rekeyBackup, rekeyFormat } from "../recovery/backup-recovery.js";
import { damageMessageKey } from "../recovery/damage-text.js";
import { RecoveryError } from "../recovery/errors.js";
import { pathMatches, safeRelativePath, walkBackupContents, type Gunzip } from "../recovery/extract.js";
import { nodeCryptoPort } from "../recovery/node-crypto-port.js";
import { mayBeKey, unknownOptionMessage } from "./candidates.js";
import { nodeInflate } from "./node-inflate.js";
import { collectKeySources, KitFileError, newKeyFromKit } from "./key-sources.js";
import { assertNotInput, assertWritable, writeAtomically } from "./output-file.js";

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
         --list shows every path. Writes only the files asked for, with their modes from the
         archive (less the umask), never outside DIR.
rekey    Writes a copy encrypted with another key (format of the input, v1 becomes v2). The input is
         never changed. --new-key is used as kit --key writes it: a generated key typed in its
         groups in HA's format, anything else exactly as given.
         Exit 0 done, 3 no given key opens it, 2 unreadable/damaged/not a backup, 1 usage or output
         problem (an existing output is kept unless --force; the output may not be the input).
         Nothing is left behind on failure or Ctrl-C.
`;

class UsageError extends Error {}

interface RecoveryArgs {
  command: "decrypt" | "extract" | "rekey";
  input: string | null;
  inputPosition: number;
  paths: string[];
  keys: string[];
  kits: { path: string; position: number }[];
  keyEnv: string | null;
  keysStdin: boolean;
  output: string | null;
  outputPosition: number;
  dir: string | null;
  force: boolean;
  list: boolean;
  newKey: string | null;
  newKit: { path: string; position: number } | null;
  format: "v2" | "v3" | null;
}

function parse(command: RecoveryArgs["command"], argv: string[]): RecoveryArgs {
  const a: RecoveryArgs = {
    command,
    input: null,
    inputPosition: 0,
    paths: [],
    keys: [],
    kits: [],
    keyEnv: null,
    keysStdin: false,
    output: null,
    outputPosition: 0,
    dir: null,
    force: false,
    list: false,
    newKey: null,
    newKit: null,
    format: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // Never repeat a value in a message: it may be a key.
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    // 1-based position on the command line (the command name is argument 1).
    const position = () => i + 2;
    if (arg === "--key") a.keys.push(value());
    else if (arg === "--kit") a.kits.push({ path: value(), position: position() });
    else if (arg === "--key-env") a.keyEnv = value();
    else if (arg === "--keys-stdin") a.keysStdin = true;
    else if (arg === "-o" || arg === "--output") {
      a.output = value();
      a.outputPosition = position();
    } else if (arg === "-C" || arg === "--directory") a.dir = value();
    else if (arg === "--force") a.force = true;
    else if (arg === "--list" && command === "extract") a.list = true;
    else if (arg === "--new-key" && command === "rekey") a.newKey = value();
    else if (arg === "--new-kit" && command === "rekey") a.newKit = { path: value(), position: position() };
    else if (arg === "--format" && command === "rekey") {
      const f = value();
      if (f !== "v2" && f !== "v3") throw new UsageError("--format is v2 or v3");
      a.format = f;
    } else if (arg.startsWith("-") && arg !== "-") throw new UsageError(unknownOptionMessage(arg, position()));
    else if (a.input === null) {
      a.input = arg;
      a.inputPosition = position();
    } else if (command === "extract") a.paths.push(arg);
    else throw new UsageError("one backup file at a time");
  }
  if (a.input === null) throw new UsageError("name the backup file");
  if (command !== "extract" && !a.output) throw new UsageError(`${command} needs -o OUT.tar`);
  if (command === "extract" && !a.list && (a.paths.length === 0 || !a.dir)) throw new UsageError("extract needs PATH... and -C DIR (or --list)");
  if (command === "rekey" && (a.newKey === null) === (a.newKit === null)) throw new UsageError("rekey needs exactly one of --new-key or --new-kit");
  return a;
}

function damageLines(err: RecoveryError): string[] {
  return err.damage.map((d) => `  ${d.archive !== null ? `${d.archive}: ` : ""}${t(damageMessageKey(d.code))}`);
}

function failure(err: unknown): { exit: number; message: string; details: string[] } {
  if (err instanceof RecoveryError) {
    if (err.code === "damaged") {
      const details = damageLines(err);
      const reason = String(err.params.reason ?? "inner_archive");
      return { exit: EXIT_UNREADABLE, message: details.length > 0 ? t("errors.recovery.damaged") : `${t("errors.recovery.damaged")} ${t(damageMessageKey(reason))}`, details };
    }
    const exit = err.code === "no_key" ? EXIT_NOT_OPENED : EXIT_USAGE;
    return { exit, message: t(`errors.recovery.${err.code}`), details: [] };
  }
  if (err instanceof BackupFileError) return { exit: EXIT_UNREADABLE, message: t(`errors.backup_file.${err.code}`), details: [] };
  const code = (err as { code?: string }).code;
  if (code === "ENOENT") return { exit: EXIT_UNREADABLE, message: t("errors.backup_file.not_found"), details: [] };
  if (code === "EISDIR") return { exit: EXIT_UNREADABLE, message: t("errors.backup_file.not_a_file"), details: [] };
  return { exit: EXIT_UNREADABLE, message: t("errors.backup_file.unreadable"), details: [] };
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

/**
 * Where an extracted file goes: under DIR, never outside it — not through `..` or an absolute
 * name (refused by safeRelativePath), nor through a symlink already on disk: each folder on the
 * way is checked (lstat) before it is used or created, and the name itself must not be a link.
 */
async function extractTarget(dir: string, path: string): Promise<string> {
  if (!safeRelativePath(path)) throw new RecoveryError("unsafe_path");
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const parts = path.split("/");
  let at = root;
  for (const part of parts.slice(0, -1)) {
    at = join(at, part);
    const info = await lstat(at).catch(() => null);
    if (info === null) await mkdir(at);
    else if (info.isSymbolicLink() || !info.isDirectory()) throw new RecoveryError("unsafe_path");
  }
  const target = join(at, parts[parts.length - 1]!);
  if ((await lstat(target).catch(() => null))?.isSymbolicLink()) throw new RecoveryError("unsafe_path");
  return target;
}

/** A tar entry's permission bits as tar applies them: no setuid/setgid/sticky, less the umask. */
function extractedMode(mode: number): number {
  return mode & 0o777 & ~process.umask();
}

async function run(a: RecoveryArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const file = a.input!;
  // A name is printed as given unless it could be a key typed in the wrong place.
  const inputShown = mayBeKey(file) ? t("cli.argument_hidden", { n: a.inputPosition }) : file;
  const outputShown = a.output !== null && mayBeKey(a.output) ? t("cli.argument_hidden", { n: a.outputPosition }) : a.output;
  let newKey: string | null = null;
  if (a.command === "rekey") {
    // Exactly one key is written, as `kit --key` writes it: HA's format for a generated key typed
    // in its groups, anything else (a legacy password among it) exactly as given.
    newKey = a.newKey !== null ? (formatTypedGeneratedKey(a.newKey) ?? a.newKey) : await newKeyFromKit(a.newKit!.path, a.newKit!.position);
    if (newKey === "") {
      err(`backup-keyring: ${t("errors.recovery.empty_new_key")}\n`);
      return EXIT_USAGE;
    }
  }
  const keys = (await collectKeySources(a)).map((c) => c.key);
  let source: NodeFileSource;
  try {
    source = await openFileSource(file);
  } catch (e) {
    const f = failure(e);
    err(`${(e as { code?: string }).code === "ENOENT" ? inputShown : file}: ${f.message}\n`);
    return f.exit;
  }
  try {
    if (a.output) {
      // Refuse early, before minutes of work: the output exists, or it is the backup itself.
      try {
        await assertNotInput(file, a.output);
        await assertWritable(a.output, a.force);
      } catch (e) {
        const f = failure(e);
        err(`${outputShown}: ${f.message}\n`);
        return f.exit;
      }
    }
    const src = source;
    const onProgress = progressPrinter(err);
    if (a.command === "decrypt" || a.command === "rekey") {
      const plan = await planKeys(src, keys, nodeCryptoPort, { restorable: true });
      try {
        if (a.command === "decrypt") await writeAtomically(a.output!, a.force, (sink) => decryptBackup(src, plan, sink, { port: nodeCryptoPort, inflate: nodeInflate, onProgress }), { input: file });
        else {
          const format = rekeyFormat(plan.report, a.format);
          await writeAtomically(a.output!, a.force, (sink) => rekeyBackup(src, plan, { newKey: newKey!, format }, sink, { port: nodeCryptoPort, inflate: nodeInflate, onProgress }), { input: file });
        }
      } catch (e) {
        // Output problems name the output; damage found while streaming names the backup.
        if (e instanceof RecoveryError && (e.code === "output_exists" || e.code === "write_failed" || e.code === "output_is_input")) {
          if (onProgress) err("\n");
          err(`${outputShown}: ${failure(e).message}\n`);
          return EXIT_USAGE;
        }
        throw e;
      }
      if (onProgress) err("\n");
      out(`${file}: ${a.command === "decrypt" ? t("cli.recovery.decrypted", { output: a.output! }) : t("cli.recovery.rekeyed", { output: a.output!, format: rekeyFormat(plan.report, a.format) })}\n`);
      return EXIT_OK;
    }
    // extract / --list
    const plan = await planKeys(src, keys, nodeCryptoPort);
    const found = new Set<string>();
    let refused = 0;
    await walkBackupContents(src, plan, nodeCryptoPort, nodeGunzip, async (entry) => {
      if (a.list) {
        out(`${entry.path}${entry.type === "dir" ? "/" : ""}${entry.type === "file" ? `  ${entry.size}` : ""}\n`);
        return true;
      }
      const request = a.paths.find((p) => pathMatches(p, entry.member, entry.path.slice(entry.path.indexOf("/") + 1)));
      if (request === undefined || entry.type !== "file") return true;
      let target: string;
      try {
        target = await extractTarget(a.dir!, entry.path);
      } catch (e) {
        if (!(e instanceof RecoveryError)) throw e;
        refused++;
        err(`${entry.path}: ${t("errors.recovery.unsafe_path")}\n`);
        return true;
      }
      try {
        await writeAtomically(target, a.force, async (sink) => {
          for await (const piece of entry.data) await sink.write(piece);
        });
      } catch (e) {
        // An existing file (without --force) or a failed write: named, the others still extracted.
        if (!(e instanceof RecoveryError) || (e.code !== "output_exists" && e.code !== "write_failed")) throw e;
        refused++;
        err(`${target}: ${t(`errors.recovery.${e.code}`)}\n`);
        return true;
      }
      await chmod(target, extractedMode(entry.mode));
      found.add(request);
      out(`${entry.path} → ${target}\n`);
      return found.size < a.paths.length;
    });
    if (!a.list) {
      const missing = a.paths.filter((p) => !found.has(p));
      if (missing.length > 0 || refused > 0) {
        for (const p of missing) err(`${p}: ${t("errors.recovery.not_found")}\n`);
        return EXIT_USAGE;
      }
    }
    return EXIT_OK;
  } catch (e) {
    const f = failure(e);
    err(`${file}: ${f.message}\n`);
    for (const line of f.details) err(`${line}\n`);
    return f.exit;
  } finally {
    await source.close();
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
    if (e instanceof KitFileError) {
      io.err(`${e.shown}: ${e.text}\n`);
      return EXIT_UNREADABLE;
    }
    throw e;
  }
}
