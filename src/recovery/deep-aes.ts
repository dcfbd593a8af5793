// The deep check of a v1/v2 member (`verify --deep`, and the panel's deep check): decrypt the
// whole member, require correct PKCS#7 padding (v2) and a gzip stream whose CRC and length match
// (v1 after removing its per-write padding). Given to checkBackupKeys as a function, so the
// backup-file layer does not depend on this one.
import type { ByteSource } from "../common/byte-source.js";
import type { CryptoPort } from "./crypto-port.js";
import { RecoveryError } from "./errors.js";
import { openMember } from "./member-decrypt.js";

/** Gunzip that verifies the CRC: DecompressionStream exists in browsers and in Node ≥ 18. */
async function drainGunzipped(input: AsyncIterable<Uint8Array>): Promise<void> {
  const { browserGunzip } = await import("./browser-output.js");
  for await (const piece of browserGunzip(input)) void piece;
}

export type AesDeepDamage = "bad_padding" | "inner_archive" | "size_mismatch";

export type AesDeepCheck = (
  source: ByteSource,
  member: { offset: number; size: number; format: "v1" | "v2"; name: string },
  aesKey: Uint8Array,
  signal?: AbortSignal,
) => Promise<AesDeepDamage | null>;

export function aesDeepCheck(port: CryptoPort): AesDeepCheck {
  return async (source, member, aesKey, signal) => {
    try {
      const opened = await openMember(port, source, { offset: member.offset, size: member.size }, { format: member.format, aesKey }, signal);
      if (member.name.endsWith(".tar")) for await (const piece of opened.chunks) void piece;
      else await drainGunzipped(opened.chunks);
      return null;
    } catch (e) {
      if (e instanceof RecoveryError && e.code === "damaged") {
        const reason = String(e.params.reason);
        return reason === "bad_padding" || reason === "size_mismatch" ? reason : "inner_archive";
      }
      throw e;
    }
  };
}
