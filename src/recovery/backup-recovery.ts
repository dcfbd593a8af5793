// Decrypt and re-key a whole HA backup, streaming: the outer tar is rewritten entry by entry,
// inner archives decrypted (or re-encrypted) piece by piece, everything else copied. Memory stays
// at a few MiB whatever the backup's size. The key plan comes from the same check the panel and
// `verify` run (checkBackupKeys), so "which key opens it" has one definition.
import type { BackupFileReport, MemberReport } from "../backup-file/inspect.js";
import { checkBackupKeys } from "../backup-file/inspect.js";
import type { ByteSource } from "../common/byte-source.js";
import { parseV3Header, v3RootKeyFor } from "../securetar/v3.js";
import { walkTar, type TarEntry } from "../tar/reader.js";
import { IO_CHUNK, readRange } from "./chunks.js";
import { passwordToAesKeySync, type CryptoPort } from "./crypto-port.js";
import { RecoveryError } from "./errors.js";
import { encryptedSize, encryptMember, v3RootContext, type EncryptTarget } from "./member-encrypt.js";
import { openMember, type MemberKey } from "./member-decrypt.js";
import { padTo, RECORD, tarHeaderFor } from "./tar-out.js";

export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
}

export interface RecoveryOptions {
  port: CryptoPort;
  signal?: AbortSignal;
  /** Bytes of the input handled so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
}

export interface KeyPlan {
  report: BackupFileReport;
  /** Per encrypted member (by data offset): the key that opens it. */
  keys: Map<number, MemberKey>;
}

const ENCRYPTED = new Set(["v1", "v2", "v3"]);
const isEncrypted = (m: MemberReport) => ENCRYPTED.has(m.format);
const isBackupJson = (name: string) => /^(\.\/)?(backup|snapshot)\.json$/.test(name);

/**
 * Finds the key for every encrypted inner archive. Throws RecoveryError("no_key") when one opens
 * with none of the candidates, RecoveryError("damaged") when the file is known damaged.
 */
export async function planKeys(source: ByteSource, candidates: readonly string[], port: CryptoPort, signal?: AbortSignal): Promise<KeyPlan> {
  // The check's own Argon2id results are reused below: one run per candidate and root salt.
  const roots = new Map<string, Uint8Array>();
  const report = await checkBackupKeys(source, candidates, { signal, v3RootKeys: roots });
  const damagedMember = report.members.find((m) => m.damaged);
  if (damagedMember) throw new RecoveryError("damaged", { reason: damagedMember.damage?.code ?? "unknown_format", member: damagedMember.name });
  const keys = new Map<number, MemberKey>();
  for (const m of report.members) {
    if (!isEncrypted(m)) continue;
    if (m.openedBy === null) throw new RecoveryError("no_key", { member: m.name });
    const password = candidates[m.openedBy]!;
    if (m.format === "v3") {
      const header = parseV3Header(await source.read(m.offset, 136));
      const cacheKey = `${m.openedBy}:${Array.from(header.rootSalt).join(",")}`;
      let root = roots.get(cacheKey);
      if (!root) {
        root = await v3RootKeyFor(password, header);
        roots.set(cacheKey, root);
      }
      keys.set(m.offset, { format: "v3", rootKey: root });
    } else keys.set(m.offset, { format: m.format as "v1" | "v2", aesKey: passwordToAesKeySync(port, password) });
  }
  return { report, keys };
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
  transformJson: (json: Record<string, unknown>) => Record<string, unknown>,
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
        const bytes = new TextEncoder().encode(JSON.stringify(transformJson(json)));
        output = { size: bytes.length, chunks: (async function* () { yield bytes; })() };
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
    async (entry, member) => {
      const key = plan.keys.get(member.offset);
      if (!key) return null; // plaintext member: copied through
      const opened = await openMember(options.port, source, { offset: entry.dataOffset, size: entry.size }, key, options.signal);
      return { size: opened.plaintextSize, chunks: opened.chunks };
    },
    (json) => ({ ...json, protected: false, ...("crypto" in json ? { crypto: null } : {}) }),
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
  const enc = await encryptTarget(target, options.port);
  await rewriteBackup(
    source,
    plan,
    sink,
    options,
    async (entry, member) => {
      const key = plan.keys.get(member.offset);
      let plaintextSize = entry.size;
      let chunks: AsyncIterable<Uint8Array>;
      if (key) {
        const opened = await openMember(options.port, source, { offset: entry.dataOffset, size: entry.size }, key, options.signal);
        plaintextSize = opened.plaintextSize;
        chunks = opened.chunks;
      } else chunks = readRange(source, entry.dataOffset, entry.dataOffset + entry.size, IO_CHUNK, options.signal);
      return { size: encryptedSize(enc.format, plaintextSize), chunks: encryptMember(options.port, enc, plaintextSize, chunks) };
    },
    (json) => ({ ...json, protected: true, ...("crypto" in json ? { crypto: "aes128" } : {}) }),
  );
}
