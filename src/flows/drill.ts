// The key drill: at an interval the user chooses, the administrator shows they still hold a
// generation's emergency kit — by loading the kit file (its key's fingerprint must be that
// generation's) or by typing one group of the key, chosen at random (only for a key we hold now,
// i.e. HA's current key). A pass is recorded as "kit proven on <date>" (the caller's registry
// write: a date against a generation, never the key). Wrong answers are judged and forgotten.
// Pure: no DOM, no registry, no clock of its own; tested in Node.
import { KitParseError, kitKeyCandidates, parseKitOrKey, type KitParseErrorCode } from "../kit/parse.js";
import type { CopyRecord, GenerationRecord } from "../registry/model.js";
import { KEY_GROUPS, groupOf, pickGroup } from "./key-change/challenge.js";

export * from "./drill-schedule.js";
import { backupsByGeneration } from "./drill-schedule.js";

// --- judging an answer ---

export type DrillAnswer = { method: "file"; text: string } | { method: "group"; group: number; typed: string };

export type DrillOutcome =
  | { result: "passed"; generation: number }
  /** A kit of this instance, but of another generation. */
  | { result: "other_generation"; generation: number }
  /** A readable kit whose key is no generation this registry knows. */
  | { result: "wrong_kit" }
  | { result: "wrong_group"; group: number }
  | { result: "unreadable"; code: KitParseErrorCode }
  /** Typing a group needs the key at hand (HA's current key); for other generations load the file. */
  | { result: "group_unavailable" };

export interface DrillContext {
  /** This instance's generations (to name "a kit of generation 2" when the wrong one is loaded). */
  generations: GenerationRecord[];
  /** The registry's salted fingerprint. */
  fingerprint: (key: string) => Promise<string>;
  /** The target generation's key when it is held now (HA's current key), else null. */
  key: string | null;
}

/** Equal-length strings compared without an early exit (fingerprints, typed groups). */
export function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/** The group to ask for: 1..7, uniform (rejection sampling, no modulo bias). */
export function chooseDrillGroup(randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): number {
  return pickGroup(randomBytes);
}

export async function judgeDrill(target: GenerationRecord, answer: DrillAnswer, ctx: DrillContext): Promise<DrillOutcome> {
  if (answer.method === "group") {
    if (!Number.isInteger(answer.group) || answer.group < 1 || answer.group > KEY_GROUPS) return { result: "group_unavailable" };
    // The key at hand must really be the target's: otherwise a typed group would prove nothing.
    if (ctx.key === null || !sameText(await ctx.fingerprint(ctx.key), target.fingerprint)) return { result: "group_unavailable" };
    const expected = groupOf(ctx.key, answer.group);
    if (expected === null) return { result: "group_unavailable" };
    const typed = answer.typed.replace(/[\s-]+/g, "").toUpperCase();
    return sameText(typed, expected) ? { result: "passed", generation: target.number } : { result: "wrong_group", group: answer.group };
  }
  // As "Load an old kit or key" reads it: a kit, a generated key, or a one-line legacy password;
  // each key exactly as written first, tidied only in addition.
  let candidates: string[];
  try {
    candidates = kitKeyCandidates(parseKitOrKey(answer.text));
  } catch (err) {
    if (err instanceof KitParseError) return { result: "unreadable", code: err.code };
    throw err;
  }
  const fps = await Promise.all(candidates.map((k) => ctx.fingerprint(k)));
  if (fps.some((fp) => sameText(fp, target.fingerprint))) return { result: "passed", generation: target.number };
  const other = ctx.generations.find((g) => g.id !== target.id && g.instanceId === target.instanceId && g.status !== "abandoned" && fps.some((fp) => sameText(g.fingerprint, fp)));
  return other ? { result: "other_generation", generation: other.number } : { result: "wrong_kit" };
}

// --- which generations deserve a drill ---

/**
 * Older generations whose backups still exist: "do you still have generation 2's kit? 14 backups
 * need it", of which `guessed` are only dated into its period (said as such, never as a fact).
 */
export function olderGenerationDrills(generations: GenerationRecord[], copies: CopyRecord[]): { generation: GenerationRecord; backups: number; guessed: number }[] {
  const by = backupsByGeneration(copies);
  return generations
    .filter((g) => g.status === "retired" && (by.get(g.id)?.all.size ?? 0) > 0)
    .sort((a, b) => a.number - b.number)
    .map((g) => {
      const { all, known } = by.get(g.id)!;
      return { generation: g, backups: all.size, guessed: all.size - known.size };
    });
}
