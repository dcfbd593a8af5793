// The candidate keys of every command that takes keys (verify, decrypt, extract, rekey): --key
// values, kit files (read size-guarded by readKitFile), the environment, stdin, in that order;
// each tried exactly as given and, when it looks like a loosely typed generated key, tidied as
// well (addCandidate / kitKeyCandidates). A kit argument that could be a key is never printed:
// it is named by its position.
import { basename } from "node:path";
import { localizeEnglish as t } from "../common/localize-english.js";
import { keyCandidates } from "../keys/format.js";
import { KitParseError, kitKeyCandidates, type ParsedKit } from "../kit/parse.js";
import { addCandidate, mayBeKey, readKitFile, type Candidate } from "./candidates.js";

export interface KeySourceArgs {
  keys: string[];
  /** Kit file arguments with their 1-based argv positions. */
  kits: { path: string; position: number }[];
  keyEnv: string | null;
  keysStdin: boolean;
}

/** A kit file that cannot be used; `shown` is safe to print. */
export class KitFileError extends Error {
  constructor(
    readonly shown: string,
    readonly text: string,
  ) {
    super("kit file");
    this.name = "KitFileError";
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function kitErrorText(err: unknown): string {
  if (err instanceof KitParseError) return t(`errors.kit.${err.code}`);
  const code = (err as { code?: string }).code;
  if (code === "ENOENT") return t("errors.backup_file.not_found");
  if (code === "EISDIR") return t("errors.backup_file.not_a_file");
  return t("errors.backup_file.unreadable");
}

/** A kit file, parsed; throws KitFileError (its name shown only when it cannot be a key). */
async function kitFromFile(path: string, position: number): Promise<ParsedKit> {
  try {
    return await readKitFile(path);
  } catch (err) {
    throw new KitFileError(mayBeKey(path) ? t("cli.argument_hidden", { n: position }) : path, kitErrorText(err));
  }
}

/** The key a kit file gives for a re-key (the kit's own key); throws KitFileError. */
export async function newKeyFromKit(path: string, position: number): Promise<string> {
  return (await kitFromFile(path, position)).key;
}

/** "kit gen2.txt (generation 2)": the file's base name (its position if it could be a key), never its contents. */
function kitLabel(path: string, position: number, kit: ParsedKit): string {
  const file = mayBeKey(path) ? t("cli.argument_hidden", { n: position }) : basename(path);
  return kit.generation !== undefined ? t("cli.source.kit_generation", { file, generation: kit.generation }) : t("cli.source.kit", { file });
}

/** Candidates in the order given; both forms of one input carry that input's position. Throws KitFileError. */
export async function collectKeySources(a: KeySourceArgs): Promise<Candidate[]> {
  const list: Candidate[] = [];
  // Each key source keeps its position as given, whichever of its forms opens the backup.
  let source = 0;
  a.keys.forEach((k, i) => addCandidate(list, keyCandidates(k), t("cli.source.key", { n: i + 1 }), source++));
  for (const { path, position } of a.kits) {
    const kit = await kitFromFile(path, position);
    addCandidate(list, kitKeyCandidates(kit), kitLabel(path, position, kit), source++);
  }
  const envName = a.keyEnv ?? "BACKUP_KEYRING_KEYS";
  const fromEnv = process.env[envName];
  if (fromEnv)
    fromEnv
      .split(/[\n,]/)
      .map((k) => k.trim())
      .filter(Boolean)
      .forEach((k, i) => addCandidate(list, keyCandidates(k), t("cli.source.env", { name: envName, n: i + 1 }), source++));
  if (a.keysStdin)
    (await readStdin())
      .split("\n")
      .map((k) => k.replace(/\r$/, ""))
      .filter((k) => k.trim() !== "")
      .forEach((k, i) => addCandidate(list, keyCandidates(k), t("cli.source.stdin", { n: i + 1 }), source++));
  return list;
}
