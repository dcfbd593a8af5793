// Reads an emergency kit back: HA's layout in any language (found by its shape and the fixed
// documentation link, not by translated labels), the 2024-12 English layout, our own block,
// or a bare generated key. Errors name what is wrong and never repeat the text.
import { keyCandidates, tidyKeyInput, looksLikeGeneratedKey } from "../keys/format.js";
import { KIT_BLOCK_MARKER, KIT_DOC_PATH, type KitBackup } from "./render.js";

export type KitParseErrorCode = "empty" | "too_large" | "binary" | "no_key" | "not_a_kit" | "multiple_keys" | "is_backup";

export class KitParseError extends Error {
  constructor(readonly code: KitParseErrorCode) {
    super(`emergency kit: ${code}`);
    this.name = "KitParseError";
  }
}

export interface ParsedKit {
  /** The key: exactly as written in a kit or as a legacy password; tidied for a bare generated key. */
  key: string;
  /** A bare generated key as typed, when tidying changed it (a legacy password may look like one). */
  typed?: string;
  /** `legacy`: a one-line password that is not in the generated format (parseKitOrKey only). */
  source: "ha" | "backup-keyring" | "bare-key" | "legacy";
  instanceName?: string;
  url?: string;
  dateText?: string;
  generation?: number;
  fingerprint?: string;
  backups?: KitBackup[];
  /** `? ` lines: backups the kit says this key only probably opens (never read as facts). */
  guessed?: KitBackup[];
}

export const MAX_KIT_BYTES = 64 * 1024;

function afterLabel(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  const i = line.indexOf(": ");
  return i >= 0 ? line.slice(i + 2).trim() : line.trim();
}

function parseOurBlock(lines: string[], start: number): Pick<ParsedKit, "generation" | "fingerprint" | "backups" | "guessed"> {
  const out: Pick<ParsedKit, "generation" | "fingerprint" | "backups" | "guessed"> = {};
  for (const line of lines.slice(start + 1)) {
    // `- id | date | name | locations` (facts) or `? …` (guesses): exactly four fields, an id
    // without spaces. Anything else in the block (a hand-edited or damaged line) is no backup.
    const mark = /^([-?]) (.*)$/.exec(line);
    const fields = mark ? mark[2]!.split(" | ") : [];
    if (mark && fields.length === 4 && /^[^\s|]+$/.test(fields[0]!.trim()) && fields[1]!.trim() !== "") {
      (mark[1] === "-" ? (out.backups ??= []) : (out.guessed ??= [])).push({
        backup_id: fields[0]!.trim(),
        date: fields[1]!.trim(),
        name: fields[2]!.trim(),
        locations: fields[3]!
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      });
      continue;
    }
    if (mark) continue;
    const value = afterLabel(line) ?? "";
    if (out.generation === undefined && /^\d+$/.test(value)) out.generation = Number(value);
    else if (out.fingerprint === undefined && /^[0-9A-F]{4}(-[0-9A-F]{4}){2}$/.test(value)) out.fingerprint = value;
  }
  return out;
}

/** A tar header ("ustar" magic at 257): a backup file given where a kit belongs. */
function looksLikeTar(input: string): boolean {
  const head = input.slice(0, 1024);
  return input.slice(257, 262) === "ustar" || head.includes("\u0000ustar\u0000") || head.includes("\u0000ustar ");
}

/** HA's layout around the documentation line: blank line above it, the key above that, the label above the key. */
function isLayoutLink(lines: string[], i: number): boolean {
  return lines[i - 1]?.trim() === "" && !lines[i]!.startsWith("- ");
}

/**
 * A documentation line that closes a whole kit in HA's layout, counted up from it: blank, key,
 * label, blank, URL, label, blank. A note someone added after a kit (even one quoting the link)
 * does not have it, so it cannot pass for a second kit.
 */
function closesWholeKit(lines: string[], i: number): boolean {
  const blank = (at: number) => lines[at]?.trim() === "";
  const text = (at: number) => !!lines[at]?.trim();
  return blank(i - 1) && text(i - 2) && text(i - 3) && blank(i - 4) && text(i - 5) && text(i - 6) && blank(i - 7);
}

export function parseEmergencyKit(input: string): ParsedKit {
  if (input.length > MAX_KIT_BYTES) throw new KitParseError("too_large");
  if (looksLikeTar(input)) throw new KitParseError("is_backup");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(input)) throw new KitParseError("binary");
  const text = input.replace(/^\ufeff/, "").replace(/\r\n?/g, "\n");
  if (text.trim() === "") throw new KitParseError("empty");

  const lines = text.split("\n");
  // Documentation lines in HA's layout. Our block lists backup names ("- id | date | name | …"),
  // and a name may contain the link: those lines never count. The first whole kit is the one
  // read; a later link counts only when it closes another whole kit (two kits pasted together),
  // so a note after the key line cannot change which key is read.
  const linkLines = lines.map((l, i) => (l.includes(`home-assistant.io${KIT_DOC_PATH}`) && isLayoutLink(lines, i) ? i : -1)).filter((i) => i >= 0);
  const kitLinks = linkLines.filter((i) => closesWholeKit(lines, i));
  if (kitLinks.length > 1) throw new KitParseError("multiple_keys");

  if (linkLines.length === 0) {
    const trimmed = text.trim();
    if (!trimmed.includes("\n")) {
      const key = tidyKeyInput(trimmed);
      if (looksLikeGeneratedKey(key)) return key === trimmed ? { key, source: "bare-key" } : { key, typed: trimmed, source: "bare-key" };
    }
    // Several keys pasted at once: say so rather than guess which one is meant.
    if (lines.filter((l) => looksLikeGeneratedKey(tidyKeyInput(l.trim()))).length > 1) throw new KitParseError("multiple_keys");
    // An HA kit whose last lines were cut off, or any other text.
    if (/home assistant/i.test(lines[0] ?? "") && lines.length >= 3) throw new KitParseError("no_key");
    throw new KitParseError("not_a_kit");
  }

  // HA's layout counted back from the documentation line: key 2 lines above, URL 5, instance 8, date 11.
  // Without a whole kit, the first link line (a kit whose key line was deleted: "no key" below).
  const link = kitLinks[0] ?? linkLines[0]!;
  const keyLine = lines[link - 2];
  // The key sits between its label and a blank line. With the key line deleted, the line above
  // the blank is the label ("Encryption key:", in any language) and above that a blank line.
  if (keyLine === undefined || keyLine.trim() === "" || lines[link - 1]?.trim() !== "" || !lines[link - 3]?.trim()) throw new KitParseError("no_key");
  const key = keyLine.replace(/[\r\n]+$/, "");
  const parsed: ParsedKit = {
    key,
    source: "ha",
    url: lines[link - 5]?.trim() || undefined,
    instanceName: lines[link - 8]?.trim() || undefined,
    dateText: afterLabel(lines[link - 11]) || undefined,
  };
  const marker = lines.indexOf(KIT_BLOCK_MARKER, link);
  if (marker >= 0) Object.assign(parsed, { source: "backup-keyring" }, parseOurBlock(lines, marker));
  return parsed;
}

/**
 * What the panel's "Load an old kit or key" accepts: a kit or a generated key as above, or else a
 * single line of text, taken as a legacy password exactly as typed (only the line break a paste
 * may add at the end is dropped).
 */
export function parseKitOrKey(input: string): ParsedKit {
  try {
    return parseEmergencyKit(input);
  } catch (err) {
    const line = input.replace(/\r?\n$/, "");
    if (err instanceof KitParseError && err.code === "not_a_kit" && line !== "" && !/[\r\n]/.test(line)) return { key: line, source: "legacy" };
    throw err;
  }
}

/** The strings to try for a parsed kit or key: exactly as written first, then tidied. */
export function kitKeyCandidates(kit: ParsedKit): string[] {
  return keyCandidates(kit.typed ?? kit.key);
}
