// The vault's copy in HA, only when the user opts in (separately from the registry mirror): the
// keys in it stay encrypted under the passphrase, but whoever can read HA's files or backups can
// take this copy and try passphrases offline. The UI states that risk next to the switch.
import { fromBase64, toBase64 } from "./mirror-codec.js";
import type { VaultEntry, VaultRecord } from "./vault-model.js";

export const VAULT_MIRROR_KEY = "backup_keyring_vault";
/** `meta` key: whether this browser mirrors its vault (false or absent: never). */
export const VAULT_MIRROR_META = "mirrorVault";

interface WireBox {
  iv: string;
  ciphertext: string;
}

export function encodeVault(v: VaultRecord): unknown {
  const box = (b: { iv: Uint8Array; ciphertext: Uint8Array }): WireBox => ({ iv: toBase64(b.iv), ciphertext: toBase64(b.ciphertext) });
  return {
    format: "backup-keyring-vault",
    version: 1,
    salt: toBase64(v.salt),
    iterations: v.iterations,
    check: box(v.check),
    entries: v.entries.map((e) => ({ generationId: e.generationId, fingerprint: e.fingerprint, ...box(e) })),
  };
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const b64 = (v: unknown, max: number): Uint8Array | null => (typeof v === "string" && v.length <= max && B64.test(v) ? fromBase64(v) : null);

/** The vault from its HA copy, or null for anything that is not a well-formed one. */
export function decodeVault(value: unknown): VaultRecord | null {
  if (!value || typeof value !== "object") return null;
  const d = value as Record<string, unknown>;
  if (d.format !== "backup-keyring-vault" || d.version !== 1 || !Number.isSafeInteger(d.iterations) || (d.iterations as number) < 100_000 || !Array.isArray(d.entries) || d.entries.length > 10_000) return null;
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

/**
 * Merges HA's copy into this browser's vault: restored when there is none; entries for other
 * generations added when it is the same vault (same salt and check); left alone otherwise.
 * Returns the vault to store, or null when nothing changes.
 */
export function mergeVault(local: VaultRecord | undefined, remote: VaultRecord): VaultRecord | null {
  if (!local) return remote;
  if (!sameBytes(local.salt, remote.salt) || !sameBytes(local.check.ciphertext, remote.check.ciphertext)) return null;
  const have = new Set(local.entries.map((e) => e.generationId));
  const added = remote.entries.filter((e) => !have.has(e.generationId));
  return added.length === 0 ? null : { ...local, entries: [...local.entries, ...added] };
}
