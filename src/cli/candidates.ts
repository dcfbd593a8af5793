// Candidate keys for the CLI, each with a label that says where it came from (a kit file and its
// generation, `--key #2`, the environment, stdin) and never contains the key itself. And the rule
// for arguments that may be keys: they are never printed.
import { open } from "node:fs/promises";
import { tidyKeyInput } from "../keys/format.js";
import { KitParseError, MAX_KIT_BYTES, parseEmergencyKit, type ParsedKit } from "../kit/parse.js";

export interface Candidate {
  key: string;
  /** Where the key came from, safe to print. */
  label: string;
  /** 0-based position of the key source as the user gave it (each --key, kit, environment entry,
   * stdin line, in that order); the exact and the tidied form of one input share it. */
  source: number;
}

/** Adds `forms` of one key source (exact first, then tidied), each string once. */
export function addCandidate(list: Candidate[], forms: readonly string[], label: string, source: number): void {
  for (const key of forms) if (!list.some((c) => c.key === key)) list.push({ key, label, source });
}

/**
 * Could this command-line argument be a key rather than a file name or option? A generated key
 * in any typing, or text with neither a path separator nor a dot (file names almost always have
 * one of them: `backup.tar`, `./x`). Such arguments are named by position, never printed.
 */
export function mayBeKey(arg: string): boolean {
  if (/^[A-Z0-9]{4}(-[A-Z0-9]{4}){6}$/.test(tidyKeyInput(arg))) return true;
  return !/[/\\.]/.test(arg);
}

/** The message for an unknown option: its name, never its value (`--key=…` carries a key), and
 * only its position when it does not look like an option name. */
export function unknownOptionMessage(arg: string, position: number): string {
  const name = arg.split("=")[0]!;
  if (!/^--?[a-z][a-z-]*$/.test(name)) return `unknown option (argument ${position}, not shown)`;
  return arg.includes("=") ? `unknown option ${name}=… (value not shown; write "${name} VALUE")` : `unknown option ${name}`;
}

/**
 * Reads a kit file without loading a huge file: at most MAX_KIT_BYTES + 1 bytes. A tar archive (a
 * backup given by mistake) is `not_a_kit_but_backup`.
 */
export async function readKitFile(path: string): Promise<ParsedKit> {
  const handle = await open(path, "r");
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error("not a regular file"), { code: "EISDIR" });
    const buf = new Uint8Array(Math.min(stat.size, MAX_KIT_BYTES + 1));
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await handle.read(buf, done, buf.length - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    const head = buf.subarray(0, done);
    if (head.length >= 262 && new TextDecoder().decode(head.subarray(257, 262)) === "ustar") throw new KitParseError("is_backup");
    if (stat.size > MAX_KIT_BYTES) throw new KitParseError("too_large");
    return parseEmergencyKit(new TextDecoder().decode(head));
  } finally {
    await handle.close();
  }
}
