// The deep checks injected into checkBackupKeys by the CLI. v1/v2 (`verify --deep`, and the panel's deep check): decrypt the
// whole member, require correct PKCS#7 padding (v2) and a gzip stream whose CRC and length match,
// around a tar that reaches its end. v1 (after removing its per-write padding) is tried under
// each reading its ending allows (resolveV1Reading): an intact member passes under exactly one.
// Given to checkBackupKeys as a function, so the backup-file layer does not depend on this one.
import { archiveEndSink } from "../backup-file/archive-end.js";
import type { ByteSource } from "../common/byte-source.js";
import type { CryptoPort } from "./crypto-port.js";
import { RecoveryError } from "./errors.js";
import { openMember, resolveV1Reading } from "./member-decrypt.js";
import { SecretStreamPull } from "./secretstream.js";

export type AesDeepDamage = "bad_padding" | "inner_archive" | "size_mismatch";

export type AesDeepCheck = (
  source: ByteSource,
  member: { offset: number; size: number; format: "v1" | "v2"; name: string },
  aesKey: Uint8Array,
  signal?: AbortSignal,
) => Promise<AesDeepDamage | null>;

export function aesDeepCheck(port: CryptoPort): AesDeepCheck {
  return async (source, member, aesKey, signal) => {
    const at = { offset: member.offset, size: member.size };
    const compressed = !member.name.endsWith(".tar");
    try {
      if (member.format === "v1") return (await resolveV1Reading(port, source, at, aesKey, compressed, signal)) === null ? "inner_archive" : null;
      const opened = await openMember(port, source, at, { format: member.format, aesKey }, signal);
      const sink = archiveEndSink(compressed);
      for await (const piece of opened.chunks) await sink.write(piece);
      return (await sink.close()) === null ? null : "inner_archive";
    } catch (e) {
      if (e instanceof RecoveryError && e.code === "damaged") {
        const reason = String(e.params.reason);
        return reason === "bad_padding" || reason === "size_mismatch" ? reason : "inner_archive";
      }
      throw e;
    }
  };
}

/**
 * The v3 deep check's secretstream over a CryptoPort: in the CLI OpenSSL's ChaCha20-Poly1305
 * (every full chunk's MAC is that AEAD's tag), instead of the pure-JS default.
 */
export function v3StreamOpener(port: CryptoPort): (streamKey: Uint8Array, header: Uint8Array) => SecretStreamPull {
  return (streamKey, header) => new SecretStreamPull(port, streamKey, header);
}
