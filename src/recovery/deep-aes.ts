// The v1 deep check the CLI injects into checkBackupKeys (src/backup-file checks v2 and v3 itself)
// for `verify --deep`: the member decrypted whole, its per-write padding removed, a gzip stream
// whose CRC and length match around a tar that reaches its end, under one of the readings its
// ending allows (resolveV1Reading: an intact member passes under exactly one). Given as a
// function, so the backup-file layer does not depend on this one.
import type { CheckOptions } from "../backup-file/inspect.js";
import type { CryptoPort } from "./crypto-port.js";
import { RecoveryError } from "./errors.js";
import { resolveV1Reading } from "./member-decrypt.js";

export type AesDeepCheck = NonNullable<CheckOptions["deepAes"]>;

export function aesDeepCheck(port: CryptoPort): AesDeepCheck {
  return async (source, member, aesKey, signal) => {
    try {
      const reading = await resolveV1Reading(port, source, { offset: member.offset, size: member.size }, aesKey, !member.name.endsWith(".tar"), signal);
      return reading === null ? "inner_archive" : null;
    } catch (e) {
      // The member's size is not one a v1 writer produces.
      if (e instanceof RecoveryError && e.code === "damaged") return e.params.reason === "size_mismatch" ? "size_mismatch" : "inner_archive";
      throw e;
    }
  };
}
