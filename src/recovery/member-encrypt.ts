// Streaming SecureTar encryption of one inner archive: v2 (AES-128-CBC, 48-byte header, one
// PKCS#7 pad) or v3 (secretstream, 1 MiB chunks, FINAL on the last), byte-compatible with
// securetar's writers. The plaintext size must be known up front (it is in the header).
import { expectedMemberSize, V3_CHUNK } from "../securetar/detect.js";
import { IO_CHUNK, rechunk } from "./chunks.js";
import { aesIvSync, type CryptoPort } from "./crypto-port.js";
import { RecoveryError } from "./errors.js";
import { SecretStreamPush, TAG_FINAL, TAG_MESSAGE } from "./secretstream.js";
import { v3SubkeyOf } from "./v3-keys.js";

/** One v3 root context per backup: every member shares root salt, validation salt and key. */
export interface V3RootContext {
  rootKey: Uint8Array;
  rootSalt: Uint8Array;
  validationSalt: Uint8Array;
  validationKey: Uint8Array;
}

export type EncryptTarget = { format: "v2"; aesKey: Uint8Array } | { format: "v3"; root: V3RootContext };

export function v3RootContext(rootKey: Uint8Array, rootSalt: Uint8Array, validationSalt: Uint8Array): V3RootContext {
  return { rootKey, rootSalt, validationSalt, validationKey: v3SubkeyOf(rootKey, validationSalt) };
}

export const encryptedSize = (format: "v2" | "v3", plaintextSize: number) => expectedMemberSize(format, plaintextSize);

function fixedHeader(version: number, plaintextSize: number): Uint8Array {
  const h = new Uint8Array(32);
  h.set([0x53, 0x65, 0x63, 0x75, 0x72, 0x65, 0x54, 0x61, 0x72], 0);
  h[9] = version;
  const view = new DataView(h.buffer);
  view.setUint32(16, Math.floor(plaintextSize / 2 ** 32));
  view.setUint32(20, plaintextSize >>> 0);
  return h;
}

function sizeChanged(): RecoveryError {
  return new RecoveryError("damaged", { reason: "stream_size_mismatch" });
}

async function* encryptV2(port: CryptoPort, key: Uint8Array, plaintextSize: number, plain: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const salt = port.random(16);
  const header = new Uint8Array(48);
  header.set(fixedHeader(2, plaintextSize), 0);
  header.set(salt, 32);
  yield header;
  let chain = aesIvSync(port, key, salt);
  let seen = 0;
  for await (const piece of rechunk(plain, IO_CHUNK)) {
    seen += piece.length;
    if (seen > plaintextSize) throw sizeChanged();
    let blocks = piece;
    if (seen === plaintextSize) {
      // PKCS#7 once at the end: 1..16 bytes, a full block when the size is a multiple of 16.
      const pad = 16 - (piece.length % 16);
      blocks = new Uint8Array(piece.length + pad);
      blocks.set(piece, 0);
      blocks.fill(pad, piece.length);
    } else if (piece.length % 16 !== 0) throw sizeChanged();
    const c = await port.aesCbcEncrypt(key, chain, blocks);
    chain = c.slice(c.length - 16);
    yield c;
  }
  if (seen !== plaintextSize) throw sizeChanged();
  if (plaintextSize === 0) yield await port.aesCbcEncrypt(key, chain, new Uint8Array(16).fill(16));
}

async function* encryptV3(port: CryptoPort, root: V3RootContext, plaintextSize: number, plain: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const derivationSalt = port.random(16);
  const streamHeader = port.random(24);
  const header = new Uint8Array(136);
  header.set(fixedHeader(3, plaintextSize), 0);
  header.set(root.rootSalt, 32);
  header.set(root.validationSalt, 48);
  header.set(root.validationKey, 64);
  header.set(derivationSalt, 96);
  header.set(streamHeader, 112);
  yield header;
  const stream = new SecretStreamPush(v3SubkeyOf(root.rootKey, derivationSalt), streamHeader, port);
  let seen = 0;
  for await (const piece of rechunk(plain, V3_CHUNK)) {
    seen += piece.length;
    if (seen > plaintextSize) throw sizeChanged();
    yield stream.push(piece, seen === plaintextSize ? TAG_FINAL : TAG_MESSAGE);
  }
  if (seen !== plaintextSize) throw sizeChanged();
  if (plaintextSize === 0) yield stream.push(new Uint8Array(0), TAG_FINAL);
}

export function encryptMember(port: CryptoPort, target: EncryptTarget, plaintextSize: number, plain: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  return target.format === "v2" ? encryptV2(port, target.aesKey, plaintextSize, plain) : encryptV3(port, target.root, plaintextSize, plain);
}
