// backup.json of a decrypted or re-keyed backup, as Supervisor writes it. Besides `protected`:
// - `crypto`: "aes128" in protected backups up to SecureTar v2, null in unprotected ones; Supervisor
//   stopped writing it with SecureTar v3 (2026.4, "Drop unused crypto attribute"), so a v3 copy
//   has none.
// - `docker.registries.<host>.password` (Supervisor ≤ 2025.1 wrote Docker registry logins into
//   backup.json): in a protected backup AES-128-CBC under the backup key (key = SHA-256×100 of
//   the password, IV = SHA-256×100 of the key, PKCS#7, base64: `Backup._encrypt_data`), in an
//   unprotected one the password itself. A decrypted copy holds them in the clear, a re-keyed copy
//   encrypted under the new key, so `restore_dockerconfig` reads them either way.
import { passwordToAesKeySync, sha256x100, type CryptoPort } from "./crypto-port.js";

type Json = Record<string, unknown>;

function registryCipher(port: CryptoPort, password: string): { key: Uint8Array; iv: Uint8Array } {
  const key = passwordToAesKeySync(port, password);
  return { key, iv: sha256x100(port, key).slice(0, 16) };
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unbase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function decryptValue(port: CryptoPort, password: string, value: string): Promise<string | null> {
  const bytes = unbase64(value);
  if (!bytes || bytes.length === 0 || bytes.length % 16 !== 0) return null;
  const { key, iv } = registryCipher(port, password);
  const plain = await port.aesCbcDecrypt(key, iv, bytes);
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 16 || plain.subarray(plain.length - pad).some((b) => b !== pad)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(plain.subarray(0, plain.length - pad));
  } catch {
    return null;
  }
}

async function encryptValue(port: CryptoPort, password: string, value: string): Promise<string> {
  const data = new TextEncoder().encode(value);
  const pad = 16 - (data.length % 16);
  const padded = new Uint8Array(data.length + pad).fill(pad);
  padded.set(data, 0);
  const { key, iv } = registryCipher(port, password);
  return base64(await port.aesCbcEncrypt(key, iv, padded));
}

/**
 * Applies `change` to every registry password; a value `change` cannot read (null) is kept as it
 * is. Returns a new object; the input is not modified.
 */
async function mapRegistryPasswords(json: Json, change: (value: string) => Promise<string | null>): Promise<Json> {
  const docker = json.docker;
  if (!docker || typeof docker !== "object" || Array.isArray(docker)) return json;
  const registries = (docker as Json).registries;
  if (!registries || typeof registries !== "object" || Array.isArray(registries)) return json;
  const out: Json = {};
  for (const [host, entry] of Object.entries(registries as Json)) {
    if (entry && typeof entry === "object" && !Array.isArray(entry) && typeof (entry as Json).password === "string") {
      const changed = await change((entry as Json).password as string);
      out[host] = { ...(entry as Json), password: changed ?? (entry as Json).password };
    } else out[host] = entry;
  }
  return { ...json, docker: { ...(docker as Json), registries: out } };
}

/** backup.json of the unencrypted copy: protected false, crypto null (where present), registry passwords in the clear. */
export async function decryptedBackupJson(json: Json, port: CryptoPort, password: string | null): Promise<Json> {
  const withPasswords = json.protected === true && password !== null ? await mapRegistryPasswords(json, (v) => decryptValue(port, password, v)) : json;
  return { ...withPasswords, protected: false, ...("crypto" in json ? { crypto: null } : {}) };
}

/** backup.json of a copy re-encrypted under `newPassword` in `format`. */
export async function rekeyedBackupJson(json: Json, port: CryptoPort, oldPassword: string | null, newPassword: string, format: "v2" | "v3"): Promise<Json> {
  // A protected input's registry passwords are read with its key; an unprotected one holds them in the clear.
  const read = (v: string) => (json.protected === true ? (oldPassword === null ? Promise.resolve(null) : decryptValue(port, oldPassword, v)) : Promise.resolve(v));
  const withPasswords = await mapRegistryPasswords(json, async (v) => {
    const plain = await read(v);
    return plain === null ? null : encryptValue(port, newPassword, plain);
  });
  const { crypto: _crypto, ...rest } = withPasswords;
  void _crypto;
  return { ...rest, protected: true, ...(format === "v2" && "crypto" in json ? { crypto: "aes128" } : {}) };
}
