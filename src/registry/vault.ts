// The opt-in vault: encryption keys kept so old kits can be downloaded again, encrypted with
// AES-GCM under a key derived from a passphrase (PBKDF2-SHA-256, 600 000 iterations). Locked by
// default; the derived key lives in memory only while unlocked. While unlocked, any script
// running in the same page (e.g. another custom card) could ask it for keys: lock it when done.
import { RegistryError } from "./model.js";
import type { Registry } from "./registry.js";
import type { VaultEntry, VaultRecord } from "./vault-model.js";

export const VAULT_ITERATIONS = 600_000;
/** Translation key of the statement the UI shows next to the vault: an unlocked vault is readable by any script in the page. */
export const VAULT_WARNING = "registry.vault.warning";
const CHECK_TEXT = "backup-keyring vault v1";
const enc = new TextEncoder();
const dec = new TextDecoder();

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", enc.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations }, base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

async function seal(key: CryptoKey, text: string): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  return { iv, ciphertext: new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: iv as BufferSource }, key, enc.encode(text))) };
}

async function open(key: CryptoKey, box: { iv: Uint8Array; ciphertext: Uint8Array }): Promise<string> {
  return dec.decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv as BufferSource }, key, box.ciphertext as BufferSource));
}

/** A full disk aborts the vault's single write; nothing is half-stored. */
function storageFull(err: unknown): never {
  if ((err as { name?: string })?.name === "QuotaExceededError") throw new RegistryError("storage_full");
  throw err;
}

export class Vault {
  private key: CryptoKey | null = null;
  readonly warning = VAULT_WARNING;

  constructor(private readonly registry: Registry) {}

  get unlocked(): boolean {
    return this.key !== null;
  }

  async exists(): Promise<boolean> {
    return (await this.registry.db.get("vault", "vault")) !== undefined;
  }

  /** Creates the vault (if there is none) and leaves it unlocked. */
  async create(passphrase: string): Promise<void> {
    if (passphrase.length < 8) throw new RegistryError("vault_passphrase_too_short");
    if (await this.exists()) throw new RegistryError("vault_exists");
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const key = await deriveKey(passphrase, salt, VAULT_ITERATIONS);
    const record: VaultRecord = { id: "vault", salt, iterations: VAULT_ITERATIONS, check: await seal(key, CHECK_TEXT), entries: [] };
    await this.registry.db.put("vault", record).catch(storageFull);
    this.key = key;
  }

  async unlock(passphrase: string): Promise<void> {
    const record = await this.registry.db.get("vault", "vault");
    if (!record) throw new RegistryError("vault_missing");
    const key = await deriveKey(passphrase, record.salt, record.iterations);
    try {
      if ((await open(key, record.check)) !== CHECK_TEXT) throw new Error("check");
    } catch {
      throw new RegistryError("vault_wrong_passphrase");
    }
    this.key = key;
  }

  lock(): void {
    this.key = null;
  }

  private requireKey(): CryptoKey {
    if (!this.key) throw new RegistryError("vault_locked");
    return this.key;
  }

  /** Stores a key for a generation, after checking it really is that generation's key. */
  async store(generationId: string, encryptionKey: string): Promise<void> {
    const key = this.requireKey();
    const gen = await this.registry.db.get("generations", generationId);
    if (!gen) throw new RegistryError("unknown_generation");
    const fingerprint = await this.registry.fingerprint(encryptionKey);
    if (fingerprint !== gen.fingerprint) throw new RegistryError("vault_key_mismatch");
    const box = await seal(key, encryptionKey);
    const tx = this.registry.db.transaction("vault", "readwrite");
    const record = (await tx.store.get("vault"))!;
    const entries = record.entries.filter((e) => e.generationId !== generationId);
    entries.push({ generationId, fingerprint, ...box });
    await Promise.all([tx.store.put({ ...record, entries }), tx.done]).catch(storageFull);
  }

  async load(generationId: string): Promise<string | null> {
    const key = this.requireKey();
    const record = await this.registry.db.get("vault", "vault");
    const entry = record?.entries.find((e) => e.generationId === generationId);
    return entry ? open(key, entry) : null;
  }

  async storedGenerations(): Promise<string[]> {
    return ((await this.registry.db.get("vault", "vault"))?.entries ?? []).map((e) => e.generationId);
  }

  /** Re-encrypts everything under a new passphrase in one transaction. */
  async changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<void> {
    if (newPassphrase.length < 8) throw new RegistryError("vault_passphrase_too_short");
    await this.unlock(oldPassphrase);
    const oldKey = this.requireKey();
    const record = (await this.registry.db.get("vault", "vault"))!;
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const newKey = await deriveKey(newPassphrase, salt, VAULT_ITERATIONS);
    const entries: VaultEntry[] = [];
    for (const e of record.entries) entries.push({ generationId: e.generationId, fingerprint: e.fingerprint, ...(await seal(newKey, await open(oldKey, e))) });
    const check = await seal(newKey, CHECK_TEXT);
    // One put: the vault is either all under the old passphrase or all under the new one.
    await this.registry.db.put("vault", { id: "vault", salt, iterations: VAULT_ITERATIONS, check, entries }).catch(storageFull);
    this.key = newKey;
  }

  /** Deletes the vault and every key in it (the registry itself stays). */
  async destroy(): Promise<void> {
    await this.registry.db.delete("vault", "vault");
    this.key = null;
  }
}

/** Asks the browser not to evict our storage under pressure; returns whether it agreed. */
export async function requestPersistentStorage(): Promise<boolean> {
  const storage = (globalThis as { navigator?: { storage?: { persist?: () => Promise<boolean> } } }).navigator?.storage;
  try {
    return (await storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
