// The vault's copy in HA, only when the user opts in (separately from the registry mirror): the
// keys in it stay encrypted under the passphrase, but whoever can read HA's files or backups can
// take this copy and try passphrases offline. The UI states that risk next to the switch.
//
// Rules (one vault per HA user, the last decision wins):
//  - The switch is per browser and only the user turns it on. A browser with no vault restores
//    HA's copy (its keys stay locked under the passphrase) but its switch stays off.
//  - A browser writes its vault only while its switch is on, and never over another vault (other
//    salt or passphrase check): turning the switch on is refused while HA keeps another one.
//    The same vault in two browsers gains the other's entries both ways.
//  - Turning it off removes the copy: HA keeps a note "removed at T" instead. A browser whose
//    switch was turned on before T turns it off on reading the note (and says so); one turned on
//    after T writes its vault again.
import { fromBase64, toBase64 } from "./mirror-codec.js";
import type { VaultEntry, VaultRecord } from "./vault-model.js";

export const VAULT_MIRROR_KEY = "backup_keyring_vault";
/** `meta` key: this browser's choice (`VaultMirrorChoice`; older registries stored `true`). */
export const VAULT_MIRROR_META = "mirrorVault";
const FORMAT = "backup-keyring-vault";
const EPOCH = "1970-01-01T00:00:00.000Z";

/** This browser's switch and when it was last set (null: never). */
export interface VaultMirrorChoice {
  on: boolean;
  at: string | null;
}

export function vaultMirrorChoice(v: unknown): VaultMirrorChoice {
  if (v === true) return { on: true, at: EPOCH };
  if (v && typeof v === "object" && typeof (v as VaultMirrorChoice).on === "boolean") {
    const at = (v as VaultMirrorChoice).at;
    return { on: (v as VaultMirrorChoice).on, at: typeof at === "string" ? at : null };
  }
  return { on: false, at: null };
}

interface WireBox {
  iv: string;
  ciphertext: string;
}

/** HA's copy: the vault (ciphertext only) and when its browser turned the switch on. */
export function encodeVault(v: VaultRecord, at: string): unknown {
  const box = (b: { iv: Uint8Array; ciphertext: Uint8Array }): WireBox => ({ iv: toBase64(b.iv), ciphertext: toBase64(b.ciphertext) });
  return {
    format: FORMAT,
    version: 1,
    at,
    salt: toBase64(v.salt),
    iterations: v.iterations,
    check: box(v.check),
    entries: v.entries.map((e) => ({ generationId: e.generationId, fingerprint: e.fingerprint, ...box(e) })),
  };
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const b64 = (v: unknown, max: number): Uint8Array | null => (typeof v === "string" && v.length <= max && B64.test(v) ? fromBase64(v) : null);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const isTime = (v: unknown): v is string => typeof v === "string" && ISO.test(v) && !Number.isNaN(Date.parse(v));

/** The vault from its HA copy, or null for anything that is not a well-formed one. */
export function decodeVault(value: unknown): VaultRecord | null {
  if (!value || typeof value !== "object") return null;
  const d = value as Record<string, unknown>;
  if (d.format !== FORMAT || d.version !== 1 || !Number.isSafeInteger(d.iterations) || (d.iterations as number) < 100_000 || !Array.isArray(d.entries) || d.entries.length > 10_000) return null;
  const box = (x: unknown) => {
    if (!x || typeof x !== "object") return null;
    const iv = b64((x as WireBox).iv, 64);
    const ciphertext = b64((x as WireBox).ciphertext, 4096);
    return iv && ciphertext && iv.length === 12 ? { iv, ciphertext } : null;
  };
  const salt = b64(d.salt, 64);
  const check = box(d.check);
  if (!salt || !check) return null;
  const entries: VaultEntry[] = [];
  for (const e of d.entries as Record<string, unknown>[]) {
    const sealed = box(e);
    if (!sealed || typeof e.generationId !== "string" || e.generationId.length > 100 || typeof e.fingerprint !== "string" || !/^[0-9a-f]{64}$/.test(e.fingerprint)) return null;
    entries.push({ generationId: e.generationId, fingerprint: e.fingerprint, ...sealed });
  }
  return { id: "vault", salt, iterations: d.iterations as number, check, entries };
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
/** One vault: the same salt and the same passphrase check. */
export const sameVault = (a: VaultRecord, b: VaultRecord) => sameBytes(a.salt, b.salt) && sameBytes(a.check.ciphertext, b.check.ciphertext);

export type RemoteVault = { kind: "none" } | { kind: "removed"; at: string } | { kind: "vault"; vault: VaultRecord; at: string; sameAs(v: VaultRecord): boolean };

/** What HA's vault key holds: nothing (or something unreadable), the "removed" note, or a vault. */
export function decodeVaultValue(value: unknown): RemoteVault {
  if (value && typeof value === "object" && (value as { format?: unknown }).format === FORMAT && (value as { removed?: unknown }).removed === true) {
    const at = (value as { at?: unknown }).at;
    return isTime(at) ? { kind: "removed", at } : { kind: "none" };
  }
  const vault = decodeVault(value);
  if (!vault) return { kind: "none" };
  const at = (value as { at?: unknown }).at;
  return { kind: "vault", vault, at: isTime(at) ? at : EPOCH, sameAs: (v) => sameVault(v, vault) };
}

/**
 * Merges HA's copy into this browser's vault: restored when there is none; entries for other
 * generations added when it is the same vault; left alone otherwise. Returns the vault to store,
 * or null when nothing changes.
 */
export function mergeVault(local: VaultRecord | undefined, remote: VaultRecord): VaultRecord | null {
  if (!local) return remote;
  if (!sameVault(local, remote)) return null;
  const have = new Set(local.entries.map((e) => e.generationId));
  const added = remote.entries.filter((e) => !have.has(e.generationId));
  return added.length === 0 ? null : { ...local, entries: [...local.entries, ...added] };
}

/** What reading HA's copy changes here (the rules above): a vault to store, the switch turned off, a note for the user. */
export function vaultPlan(local: VaultRecord | undefined, choice: VaultMirrorChoice, remote: RemoteVault): { store?: VaultRecord; choice?: VaultMirrorChoice; note?: "other_vault" | "off_elsewhere" } {
  if (remote.kind === "none") return {};
  if (remote.kind === "removed") {
    if (choice.on && (choice.at === null || remote.at > choice.at)) return { choice: { on: false, at: remote.at }, note: "off_elsewhere" };
    return {};
  }
  const merged = mergeVault(local, remote.vault);
  if (local && !remote.sameAs(local)) return choice.on ? { note: "other_vault" } : {};
  return merged ? { store: merged } : {};
}
