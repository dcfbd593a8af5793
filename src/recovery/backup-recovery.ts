// Decrypt and re-key a whole HA backup, streaming: the outer tar is rewritten entry by entry,
// inner archives decrypted (or re-encrypted) piece by piece, everything else copied. Memory stays
// at a few MiB whatever the backup's size. The key plan comes from the same check the panel and
// `verify` run (checkBackupKeys), so "which key opens it" and "is it restorable" have one
// definition. An inner archive without authentication (v1, v2, plain) is checked while it streams
// (gzip CRC-32 and length, the inner tar's end): a damaged one stops the run, so a finished output
// is always one HA can restore.
import type { BackupFileReport, MemberReport } from "../backup-file/inspect.js";
import { checkBackupKeys } from "../backup-file/inspect.js";
import { archiveEndSink, type Inflate } from "../backup-file/archive-end.js";
import type { ByteSource } from "../common/byte-source.js";
import { parseV3Header, v3RootKeyFor } from "../securetar/v3.js";
import { walkTar, type TarEntry } from "../tar/reader.js";
import { IO_CHUNK, readRange } from "./chunks.js";
import { passwordToAesKeySync, type CryptoPort } from "./crypto-port.js";
import { RecoveryError } from "./errors.js";
import { encryptedSize, encryptMember, v3RootContext, type EncryptTarget } from "./member-encrypt.js";
import { openMember, resolveV1Reading, v1Readings, type MemberKey } from "./member-decrypt.js";
import { decryptedBackupJson, rekeyedBackupJson } from "./backup-json.js";
import { padTo, RECORD, tarHeaderFor } from "./tar-out.js";

export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
}

export interface RecoveryOptions {
  port: CryptoPort;
  /** The gzip reader that checks each written inner archive (default: the platform's). */
  inflate?: Inflate;
  signal?: AbortSignal;
  /** Bytes of the input handled so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
}

export interface KeyPlan {
  report: BackupFileReport;
  /** Per encrypted member (by data offset): the key that opens it. */
  keys: Map<number, MemberKey>;
  /** The password that opens the backup (its first encrypted archive), for backup.json's own secrets; null when unencrypted. */
  password: string | null;
}

export interface PlanOptions {
  signal?: AbortSignal;
  /**
   * Writing a whole backup (decrypt, re-key): the backup must be one HA can restore, by the same
   * verdict as `verify` (completeness against backup.json, labels, per-archive damage). Extract
   * needs only the archives it reads to be intact.
   */
  restorable?: boolean;
}

const ENCRYPTED = new Set(["v1", "v2", "v3"]);
const isEncrypted = (m: MemberReport) => ENCRYPTED.has(m.format);
const LABEL_CODES = new Set(["not_encrypted", "unexpectedly_encrypted"]);
const isBackupJson = (name: string) => /^(\.\/)?(backup|snapshot)\.json$/.test(name);

/**
 * Finds the key for every encrypted inner archive. Throws RecoveryError("damaged") when the file
 * is known damaged (every reason in `damage`), RecoveryError("no_key") when an archive opens with
 * none of the candidates. v1 archives whose ending allows two readings are read once here to
 * find the one HA wrote (and proven whole by it).
 */
export async function planKeys(source: ByteSource, candidates: readonly string[], port: CryptoPort, options: PlanOptions = {}): Promise<KeyPlan> {
  const signal = options.signal;
  // The check's own Argon2id results are reused below: one run per candidate and root salt.
  const roots = new Map<string, Uint8Array>();
  const report = await checkBackupKeys(source, candidates, { signal, v3RootKeys: roots });
  // A label that disagrees with the archives (`not_encrypted`, `unexpectedly_encrypted`: a mixed
  // backup) is the one thing the output repairs: every archive comes out decrypted (or encrypted)
  // and backup.json says so. Everything else `verify` calls damage stops the run.
  const damage = options.restorable ? report.damage.filter((d) => !LABEL_CODES.has(d.code)) : report.members.filter((m) => m.damage).map((m) => ({ archive: m.name, code: m.damage!.code }));
  if (damage.length > 0) throw new RecoveryError("damaged", { reason: damage[0]!.code }, damage);
  const keys = new Map<number, MemberKey>();
  let password: string | null = null;
  for (const m of report.members) {
    if (!isEncrypted(m)) continue;
    if (m.openedBy === null) throw new RecoveryError("no_key", { member: m.name });
    const candidate = candidates[m.openedBy]!;
    password ??= candidate;
    const at = { offset: m.offset, size: m.size };
    if (m.format === "v3") {
      const header = parseV3Header(await source.read(m.offset, 136));
      const cacheKey = `${m.openedBy}:${Array.from(header.rootSalt).join(",")}`;
      let root = roots.get(cacheKey);
      if (!root) {
        root = await v3RootKeyFor(candidate, header);
        roots.set(cacheKey, root);
      }
      keys.set(m.offset, { format: "v3", rootKey: root });
    } else if (m.format === "v1") {
      const aesKey = passwordToAesKeySync(port, candidate);
      if ((await v1Readings(port, source, at, aesKey)) === 1) keys.set(m.offset, { format: "v1", aesKey });
      else {
        const reading = await resolveV1Reading(port, source, at, aesKey, !m.name.endsWith(".tar"), signal);
        if (reading === null) throw new RecoveryError("damaged", { reason: "gzip_invalid" }, [{ archive: m.name, code: "gzip_invalid" }]);
        keys.set(m.offset, { format: "v1", aesKey, reading, verified: true });
      }
    } else keys.set(m.offset, { format: "v2", aesKey: passwordToAesKeySync(port, candidate) });
  }
  return { report, keys, password };
}

/**
 * Passes a plaintext inner archive through while checking it is whole (gzip CRC-32 and length,
 * then the inner tar's end); throws RecoveryError("damaged") after the last piece otherwise.
 */
async function* checkedArchive(chunks: AsyncIterable<Uint8Array>, compressed: boolean, member: string, inflate?: Inflate): AsyncGenerator<Uint8Array> {
  const check = archiveEndSink(compressed, inflate);
  for await (const piece of chunks) {
    await check.write(piece);
    yield piece;
  }
  const damage = await check.close();
  if (damage) throw new RecoveryError("damaged", { reason: damage }, [{ archive: member, code: damage }]);
}

/** The plaintext of an inner archive (decrypted with the plan's key, or read as it is), checked unless authenticated or already proven. */
async function plaintextOf(source: ByteSource, plan: KeyPlan, entry: TarEntry, member: MemberReport, options: RecoveryOptions): Promise<{ size: number; chunks: AsyncIterable<Uint8Array> }> {
  const key = plan.keys.get(member.offset);
  const compressed = !entry.name.endsWith(".tar");
  if (!key) return { size: entry.size, chunks: checkedArchive(readRange(source, entry.dataOffset, entry.dataOffset + entry.size, IO_CHUNK, options.signal), compressed, entry.name, options.inflate) };
  const opened = await openMember(options.port, source, { offset: entry.dataOffset, size: entry.size }, key, options.signal);
  // v3 chunks are authenticated before they are handed on; a proven v1 reading was checked in planKeys.
  const trusted = key.format === "v3" || (key.format === "v1" && key.verified === true);
  return { size: opened.plaintextSize, chunks: trusted ? opened.chunks : checkedArchive(opened.chunks, compressed, entry.name, options.inflate) };
}

/** Keeps one write in flight while the next piece is being made. */
class Writer {
  private pending: Promise<void> = Promise.resolve();
  written = 0;
  constructor(private readonly sink: ByteSink) {}
  async write(bytes: Uint8Array): Promise<void> {
    await this.pending;
    this.written += bytes.length;
    this.pending = this.sink.write(bytes);
  }
  async flush(): Promise<void> {
    await this.pending;
  }
}

interface MemberOutput {
  size: number;
  chunks: AsyncIterable<Uint8Array>;
}

type MemberTransform = (entry: TarEntry, member: MemberReport) => Promise<MemberOutput | null>;

async function rewriteBackup(
  source: ByteSource,
  plan: KeyPlan,
  sink: ByteSink,
  options: RecoveryOptions,
  transformMember: MemberTransform,
  transformJson: (json: Record<string, unknown>) => Promise<Record<string, unknown>>,
): Promise<void> {
  const out = new Writer(sink);
  const membersByOffset = new Map(plan.report.members.map((m) => [m.offset, m]));
  const progress = (at: number) => options.onProgress?.(at, source.size);
  const writePadded = async (size: number) => {
    const pad = padTo(size, 512);
    if (pad) await out.write(new Uint8Array(pad));
  };
  for await (const entry of walkTar(source)) {
    options.signal?.throwIfAborted();
    const original = await source.read(entry.headerOffset, 512);
    const member = membersByOffset.get(entry.dataOffset);
    let output: MemberOutput | null = null;
    if (entry.type === "file" && isBackupJson(entry.name) && entry.size <= 1024 * 1024) {
      let json: Record<string, unknown> | null;
      try {
        json = JSON.parse(new TextDecoder().decode(await source.read(entry.dataOffset, entry.size))) as Record<string, unknown>;
      } catch {
        json = null; // checkBackupKeys already rejected a bad backup.json; an extra copy is kept as is
      }
      if (json && typeof json === "object" && !Array.isArray(json)) {
        const bytes = new TextEncoder().encode(JSON.stringify(await transformJson(json)));
        output = {
          size: bytes.length,
          chunks: (async function* () {
            yield bytes;
          })(),
        };
      }
    } else if (member && entry.type === "file") output = await transformMember(entry, member);
    if (!output) output = { size: entry.size, chunks: readRange(source, entry.dataOffset, entry.dataOffset + entry.size, IO_CHUNK, options.signal) };
    await out.write(tarHeaderFor(original, entry.name, output.size));
    let written = 0;
    for await (const piece of output.chunks) {
      options.signal?.throwIfAborted();
      written += piece.length;
      if (written > output.size) throw new RecoveryError("damaged", { reason: "stream_size_mismatch", member: entry.name });
      await out.write(piece);
      progress(Math.min(entry.dataOffset + written, entry.dataOffset + entry.size));
    }
    if (written !== output.size) throw new RecoveryError("damaged", { reason: "stream_size_mismatch", member: entry.name });
    await writePadded(output.size);
    progress(entry.dataOffset + entry.size);
  }
  // End of archive: two zero blocks, then zeros to a whole 10240-byte record (as tarfile writes).
  const end = 1024 + padTo(out.written + 1024, RECORD);
  await out.write(new Uint8Array(end));
  await out.flush();
  progress(source.size);
}

/** Writes the backup with every inner archive decrypted; backup.json says `protected: false`. */
export async function decryptBackup(source: ByteSource, plan: KeyPlan, sink: ByteSink, options: RecoveryOptions): Promise<void> {
  await rewriteBackup(
    source,
    plan,
    sink,
    options,
    (entry, member) => plaintextOf(source, plan, entry, member, options),
    (json) => decryptedBackupJson(json, options.port, plan.password),
  );
}

export interface RekeyTarget {
  newKey: string;
  format: "v2" | "v3";
}

/** The output format of a re-key: the one asked for, else the input's own (v1 becomes v2). */
export function rekeyFormat(report: BackupFileReport, asked: "v2" | "v3" | null): "v2" | "v3" {
  if (asked) return asked;
  return report.members.some((m) => m.format === "v3") ? "v3" : "v2";
}

async function encryptTarget(target: RekeyTarget, port: CryptoPort): Promise<EncryptTarget> {
  if (target.format === "v2") return { format: "v2", aesKey: passwordToAesKeySync(port, target.newKey) };
  const rootSalt = port.random(16);
  const validationSalt = port.random(16);
  const { v3RootKey } = await import("../securetar/v3-crypto.js");
  return { format: "v3", root: v3RootContext(await v3RootKey(target.newKey, rootSalt), rootSalt, validationSalt) };
}

/**
 * Writes the same backup with every inner archive encrypted under `target.newKey` (plaintext inner
 * archives too, as HA encrypts them all); backup.json says `protected: true`.
 */
export async function rekeyBackup(source: ByteSource, plan: KeyPlan, target: RekeyTarget, sink: ByteSink, options: RecoveryOptions): Promise<void> {
  // HA treats an empty password as none: a copy "encrypted" with it could never be opened.
  if (target.newKey === "") throw new RecoveryError("empty_new_key");
  const enc = await encryptTarget(target, options.port);
  await rewriteBackup(
    source,
    plan,
    sink,
    options,
    async (entry, member) => {
      const plain = await plaintextOf(source, plan, entry, member, options);
      return { size: encryptedSize(enc.format, plain.size), chunks: encryptMember(options.port, enc, plain.size, plain.chunks) };
    },
    (json) => rekeyedBackupJson(json, options.port, plan.password, target.newKey, target.format),
  );
}
