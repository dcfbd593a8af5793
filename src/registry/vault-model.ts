// The opt-in vault's stored shape: keys encrypted with AES-GCM under a passphrase-derived key.
export interface VaultEntry {
  generationId: string;
  fingerprint: string;
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

export interface VaultRecord {
  id: "vault";
  salt: Uint8Array;
  iterations: number;
  /** A known plaintext encrypted under the vault key: tells a wrong passphrase from a right one. */
  check: { iv: Uint8Array; ciphertext: Uint8Array };
  entries: VaultEntry[];
}
