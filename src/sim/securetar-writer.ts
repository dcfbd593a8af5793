// SecureTar writers for the simulated HA: v2 (AES-128-CBC, 48-byte header) and v3 (Argon2id +
// BLAKE2b + libsodium secretstream, 136-byte header). Deliberately independent of the reader in
// src/securetar: native node:crypto and libsodium here, WebCrypto/hash-wasm/noble there, so the
// tests cross-check two implementations.
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import sodiumModule from "libsodium-wrappers-sumo";

const MAGIC = Buffer.from("SecureTar", "ascii");
const PERSONAL = Buffer.from("SecureTarv3\0\0\0\0\0", "binary");
const CHUNK = 1024 * 1024;

let sodiumReady: Promise<typeof sodiumModule> | null = null;
export function sodium(): Promise<typeof sodiumModule> {
  sodiumReady ??= sodiumModule.ready.then(() => sodiumModule);
  return sodiumReady;
}

/** SHA-256 applied 100 times (HA's `password_to_key`; also used for the IV). */
function sha256x100(input: Uint8Array): Buffer {
  let d = Buffer.from(input);
  for (let i = 0; i < 100; i++) d = createHash("sha256").update(d).digest();
  return d;
}

export function v2AesKey(password: string): Buffer {
  return sha256x100(Buffer.from(password, "utf8")).subarray(0, 16);
}

function fixedHeader(version: number, plaintextSize: number): Buffer {
  const h = Buffer.alloc(32);
  MAGIC.copy(h, 0);
  h[9] = version;
  h.writeBigUInt64BE(BigInt(plaintextSize), 16);
  return h;
}

export function encryptV2(plaintext: Uint8Array, password: string, salt: Uint8Array): Uint8Array {
  const key = v2AesKey(password);
  const iv = sha256x100(Buffer.concat([key, Buffer.from(salt)])).subarray(0, 16);
  const cipher = createCipheriv("aes-128-cbc", key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([fixedHeader(2, plaintext.length), Buffer.from(salt), body]);
}

/**
 * SecureTar v1 (the legacy format): the same AES-128-CBC as v2 but no header, so no plaintext size
 * and no magic; core cannot stream-decrypt it (`UnsupportedSecureTarVersion`).
 */
export function encryptV1(plaintext: Uint8Array, password: string, salt: Uint8Array): Uint8Array {
  return encryptV2(plaintext, password, salt).subarray(32);
}

/** Root context of a v3 backup: one Argon2id run, shared by every member of the backup. */
export interface V3Root {
  rootKey: Uint8Array;
  rootSalt: Uint8Array;
  validationSalt: Uint8Array;
  validationKey: Uint8Array;
}

const rootCache = new Map<string, V3Root>();

export async function v3Root(password: string, rootSalt: Uint8Array, validationSalt: Uint8Array): Promise<V3Root> {
  const cacheKey = `${Buffer.from(rootSalt).toString("hex")}:${Buffer.from(validationSalt).toString("hex")}:${createHash("sha256").update(password).digest("hex")}`;
  const hit = rootCache.get(cacheKey);
  if (hit) return hit;
  const s = await sodium();
  const rootKey = s.crypto_pwhash(32, Buffer.from(password, "utf8"), rootSalt, 8, 16 * 1024 * 1024, s.crypto_pwhash_ALG_ARGON2ID13);
  const validationKey = s.crypto_generichash_blake2b_salt_personal(32, rootKey, validationSalt, PERSONAL);
  const root = { rootKey, rootSalt, validationSalt, validationKey };
  rootCache.set(cacheKey, root);
  return root;
}

/** True when `password` derives the stored validation key (what HA's v3 password check does). */
export async function v3PasswordMatches(password: string, header: Uint8Array): Promise<boolean> {
  const root = await v3Root(password, header.subarray(32, 48), header.subarray(48, 64));
  return Buffer.compare(Buffer.from(root.validationKey), Buffer.from(header.subarray(64, 96))) === 0;
}

export async function encryptV3(plaintext: Uint8Array, root: V3Root, derivationSalt: Uint8Array): Promise<Uint8Array> {
  const s = await sodium();
  const streamKey = s.crypto_generichash_blake2b_salt_personal(32, root.rootKey, derivationSalt, PERSONAL);
  const { state, header } = s.crypto_secretstream_xchacha20poly1305_init_push(streamKey);
  const parts: Uint8Array[] = [fixedHeader(3, plaintext.length), root.rootSalt, root.validationSalt, root.validationKey, derivationSalt, header];
  const chunks = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  for (let i = 0; i < chunks; i++) {
    const last = i === chunks - 1;
    const tag = last ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    parts.push(s.crypto_secretstream_xchacha20poly1305_push(state, plaintext.subarray(i * CHUNK, (i + 1) * CHUNK), null, tag));
  }
  return Buffer.concat(parts);
}

export type StoredFormat = "v2" | "v3" | "plain";

export function detectStoredFormat(member: Uint8Array): StoredFormat {
  if (Buffer.from(member.subarray(0, 9)).equals(MAGIC)) return member[9] === 3 ? "v3" : "v2";
  return "plain";
}

/** Checks a password against one stored inner member, as HA's `validate_password_stream` would. */
export async function passwordOpensMember(member: Uint8Array, password: string): Promise<boolean> {
  const format = detectStoredFormat(member);
  if (format === "plain") return true;
  if (format === "v3") return v3PasswordMatches(password, member.subarray(0, 136));
  const key = v2AesKey(password);
  const salt = member.subarray(32, 48);
  const iv = sha256x100(Buffer.concat([key, Buffer.from(salt)])).subarray(0, 16);
  // The first 512 bytes, no padding check: securetar's `_validate_inner_tar` wants gzip's magic
  // (1f 8b 08) or tar's "ustar" at offset 257 before it reads on.
  const d = createDecipheriv("aes-128-cbc", key, iv);
  d.setAutoPadding(false);
  const body = member.subarray(48);
  const head = d.update(body.subarray(0, Math.min(512, body.length - (body.length % 16))));
  if (head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return true;
  return head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString("latin1") === "ustar";
}

/** Decrypts a whole member (used for HA's decrypt-on-download). */
export async function decryptMember(member: Uint8Array, password: string): Promise<Uint8Array> {
  const format = detectStoredFormat(member);
  if (format === "plain") return member;
  if (format === "v2") {
    const key = v2AesKey(password);
    const iv = sha256x100(Buffer.concat([key, Buffer.from(member.subarray(32, 48))])).subarray(0, 16);
    const d = createDecipheriv("aes-128-cbc", key, iv);
    return Buffer.concat([d.update(member.subarray(48)), d.final()]);
  }
  const s = await sodium();
  const root = await v3Root(password, member.subarray(32, 48), member.subarray(48, 64));
  const streamKey = s.crypto_generichash_blake2b_salt_personal(32, root.rootKey, member.subarray(96, 112), PERSONAL);
  const state = s.crypto_secretstream_xchacha20poly1305_init_pull(member.subarray(112, 136), streamKey);
  const out: Uint8Array[] = [];
  let at = 136;
  while (at < member.length) {
    const piece = member.subarray(at, Math.min(member.length, at + CHUNK + 17));
    const r = s.crypto_secretstream_xchacha20poly1305_pull(state, piece, null);
    if (!r) throw new Error("secretstream authentication failed");
    out.push(r.message);
    at += piece.length;
  }
  return Buffer.concat(out);
}
