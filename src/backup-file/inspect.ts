// A whole HA backup file: its plaintext backup.json, its inner archives and, given candidate keys,
// which candidate opens it. Reads headers and the first bytes of each inner archive only.
import type { ByteSource } from "../common/byte-source.js";
import { aesKeyOpens, passwordToAesKey } from "../securetar/aes.js";
import { detectMember, V2_HEADER, V3_HEADER, type MemberFormat, type V3Header } from "../securetar/detect.js";
import { loadV3Deep, parseV3Header, v3RootKeyFor, v3RootKeyOpens } from "../securetar/v3.js";
import type { V2StreamDamage } from "../securetar/v2-deep.js";
import type { StreamCrypto } from "../securetar/secretstream.js";
import type { StreamDamage } from "../securetar/v3-deep.js";
import { walkTar, type TarEntry } from "../tar/reader.js";
import { archiveEndSink, type ArchiveEndDamage, type Inflate } from "./archive-end.js";
import { completenessDamage, type CompletenessCode, type CompletenessItem } from "./completeness.js";
import { BackupFileError } from "../common/backup-file-errors.js";

const MAX_BACKUP_JSON = 1024 * 1024;
const HEAD_BYTES = V2_HEADER + 512; // enough for every format's check

export interface MemberReport {
  name: string;
  offset: number;
  size: number;
  format: MemberFormat;
  plaintextSize: number | null;
  /** The member is shorter or longer than its header promises, or (deep check) its stream is broken. */
  damaged: boolean;
  /** Why it is damaged; null when it is not (as far as checked). */
  damage: { code: MemberDamage } | null;
  /** 0-based index of the first candidate that opens this member; null = none (or not checked). */
  openedBy: number | null;
  /** The candidates were tried on this member. False for plain archives, and for v3 archives cut
   * inside their header or over MAX_V3_ROOT_SALTS: there `openedBy: null` proves nothing. */
  keyChecked: boolean;
}

/** `size_mismatch`: member size ≠ what its v2/v3 header promises, or implausible for a plain
 * archive; `unknown_format`: not gzip, tar or SecureTar; `too_many_key_salts`: a v3 archive over
 * MAX_V3_ROOT_SALTS, not key-checked; the `stream_*`/tag codes come from the deep v3 check;
 * `bad_padding`/`inner_archive` from the v1 deep check. */
export type MemberDamage = "size_mismatch" | "unknown_format" | "too_many_key_salts" | StreamDamage | V2StreamDamage | ArchiveEndDamage | AesDeepDamage;

/** What the injected v1 deep check reports (src/recovery/deep-aes.ts uses this type). */
export type AesDeepDamage = "bad_padding" | "inner_archive" | "size_mismatch";

/** Every reason a backup cannot be restored as it stands (stable codes, translated as
 * `errors.backup_file.damage.<code>`). */
export type DamageCode = MemberDamage | CompletenessCode;

export interface DamageItem {
  /** The inner archive concerned, or null for the backup as a whole. */
  archive: string | null;
  code: DamageCode;
}

export type BackupFormat = "v1" | "v2" | "v3" | "none" | "mixed";

export interface BackupFileReport {
  file: string;
  backupId: string | null;
  name: string | null;
  date: string | null;
  /** `protected` as backup.json claims it. */
  protectedFlag: boolean | null;
  /** What the bytes say: at least one inner archive is encrypted. */
  encrypted: boolean;
  format: BackupFormat;
  /** backup.json (or HA's flag for the location) says protected but an inner archive is
   * plaintext, or the reverse. Also listed in `damage`. */
  mislabelled: boolean;
  /** `damage` is not empty: the backup cannot be restored as it stands. */
  damaged: boolean;
  /** Every reason, backup-wide ones first, then per archive in file order, then missing archives. */
  damage: DamageItem[];
  /** 0-based index of the candidate that opens every key-checked encrypted member; null = none
   * (or none was checked: see each member's `keyChecked`). */
  openedBy: number | null;
  /** Every encrypted member is opened by the same candidate. */
  membersAgree: boolean;
  members: MemberReport[];
  backupJson: Record<string, unknown> | null;
}

const INNER_ARCHIVE = /\.(tar\.gz|tgz|tar)$/;
const isBackupJson = (name: string) => /^(\.\/)?(backup|snapshot)\.json$/.test(name);

async function readBackupJson(source: ByteSource, entry: TarEntry): Promise<Record<string, unknown>> {
  if (entry.size > MAX_BACKUP_JSON) throw new BackupFileError("bad_backup_json");
  try {
    const parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(await source.read(entry.dataOffset, entry.size))) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch {
    throw new BackupFileError("bad_backup_json");
  }
}

/** A plain gzip is at least its 10-byte header, an empty deflate block and the 8-byte trailer;
 * a plain tar is whole 512-byte blocks. */
function implausiblePlainSize(format: MemberFormat, size: number): boolean {
  return (format === "plain-gzip" && size < 20) || (format === "plain-tar" && (size % 512 !== 0 || size < 1024));
}

const isEncrypted = (m: MemberReport) => m.format === "v1" || m.format === "v2" || m.format === "v3";
const isPlain = (m: MemberReport) => m.format === "plain-gzip" || m.format === "plain-tar";

/**
 * The damage list in its documented order: backup-wide items, then per archive in file order (the
 * archive's own damage, then its completeness items), then missing archives. One pass over each
 * list (completeness items are grouped by archive first): a file with many archives costs linear
 * time, never a search of the whole list per archive.
 */
export function orderDamage(members: readonly Pick<MemberReport, "name" | "damage">[], completeness: readonly CompletenessItem[]): DamageItem[] {
  const items: DamageItem[] = [];
  const missing: DamageItem[] = [];
  const byArchive = new Map<string, DamageItem[]>();
  for (const c of completeness) {
    if (c.archive === null) items.push(c);
    else if (c.code === "missing") missing.push(c);
    else {
      const list = byArchive.get(c.archive);
      if (list) list.push(c);
      else byArchive.set(c.archive, [c]);
    }
  }
  for (const m of members) {
    if (m.damage) items.push({ archive: m.name, code: m.damage.code });
    const own = byArchive.get(m.name);
    if (own) for (const c of own) items.push(c);
  }
  for (const c of missing) items.push(c);
  return items;
}

/** Recomputes the report's damage list from its members and the completeness check. */
function collectDamage(report: BackupFileReport, expectProtected: boolean | undefined): void {
  const completeness = completenessDamage(
    report.backupJson,
    report.members.map((m) => ({ name: m.name, encrypted: isEncrypted(m), plain: isPlain(m) })),
    expectProtected,
  );
  const items = orderDamage(report.members, completeness);
  report.damage = items;
  report.damaged = items.length > 0;
  report.mislabelled = items.some((i) => i.code === "not_encrypted" || i.code === "unexpectedly_encrypted");
}

export interface InspectOptions {
  /** HA's `protected` flag for the location this file came from, when known. */
  expectProtected?: boolean;
}

/** Metadata, per-member formats and completeness against backup.json; no key needed. */
export async function inspectBackup(source: ByteSource, options: InspectOptions = {}): Promise<BackupFileReport> {
  let backupJson: Record<string, unknown> | null = null;
  const members: MemberReport[] = [];
  const heads = new Map<MemberReport, Uint8Array>();
  for await (const entry of walkTar(source)) {
    if (entry.type !== "file") continue;
    if (isBackupJson(entry.name)) {
      if (!backupJson || entry.name.includes("backup.json")) backupJson = await readBackupJson(source, entry);
      continue;
    }
    if (!INNER_ARCHIVE.test(entry.name)) continue;
    const head = await source.read(entry.dataOffset, Math.min(HEAD_BYTES, entry.size));
    const detected = detectMember(head, entry.size);
    const damage: MemberDamage | null = detected.sizeMismatch || implausiblePlainSize(detected.format, entry.size) ? "size_mismatch" : detected.format === "unknown" ? "unknown_format" : null;
    const report: MemberReport = {
      name: entry.name,
      offset: entry.dataOffset,
      size: entry.size,
      format: detected.format,
      plaintextSize: detected.plaintextSize ?? null,
      damaged: damage !== null,
      damage: damage ? { code: damage } : null,
      openedBy: null,
      keyChecked: false,
    };
    members.push(report);
    heads.set(report, head);
  }
  // A bare SecureTar archive (no backup.json) is still worth a key check, but it is not a backup
  // HA can restore (damage `no_backup_json`); a tar with neither is not a backup at all.
  if (!backupJson && members.length === 0) throw new BackupFileError("no_backup_json");
  const encryptedMembers = members.filter((m) => m.format === "v1" || m.format === "v2" || m.format === "v3");
  const versions = new Set(encryptedMembers.map((m) => m.format as "v1" | "v2" | "v3"));
  const protectedFlag = typeof backupJson?.protected === "boolean" ? backupJson.protected : null;
  const encrypted = encryptedMembers.length > 0;
  const hasPlain = members.some((m) => m.format === "plain-gzip" || m.format === "plain-tar");
  const report: BackupFileReport = {
    file: source.name,
    backupId: typeof backupJson?.slug === "string" ? backupJson.slug : null,
    name: typeof backupJson?.name === "string" ? backupJson.name : null,
    date: typeof backupJson?.date === "string" ? backupJson.date : null,
    protectedFlag,
    encrypted,
    format: !encrypted ? "none" : versions.size > 1 || hasPlain ? "mixed" : [...versions][0]!,
    mislabelled: false,
    damaged: false,
    damage: [],
    openedBy: null,
    membersAgree: true,
    members,
    backupJson,
  };
  collectDamage(report, options.expectProtected);
  headsOf.set(report, heads);
  return report;
}

const headsOf = new WeakMap<BackupFileReport, Map<MemberReport, Uint8Array>>();

export interface CheckOptions extends InspectOptions {
  signal?: AbortSignal;
  /**
   * Read every archive to its end (the whole backup): plain archives are gunzipped (CRC checked)
   * and their tar followed to its end; opened v2 archives are decrypted (PKCS#7 padding, size),
   * opened v3 archives authenticated chunk by chunk, then the same gzip and tar checks; opened v1
   * archives by the injected `deepAes` (without it, v1 is not read past its first block: its
   * writer padded every write, so a plain gzip check would fail intact backups). Archives no
   * candidate opens cannot be read.
   */
  deep?: boolean;
  /**
   * v1 deep check (decrypt the whole member, undo its per-write padding, gzip CRC), used with
   * `deep`; injected by the caller (src/recovery/deep-aes.ts) so this layer does not import the
   * recovery one. v2 is checked here (src/securetar/v2-deep.ts).
   */
  deepAes?: (source: ByteSource, member: { offset: number; size: number; name: string }, aesKey: Uint8Array, signal?: AbortSignal) => Promise<AesDeepDamage | null>;
  /** The primitives of the v3 deep check's secretstream (default: @noble, pure JS); the CLI passes its OpenSSL port. */
  v3Crypto?: StreamCrypto;
  /** The gzip reader of the deep check (default: the platform's DecompressionStream). */
  inflate?: Inflate;
  /** v3 root keys found during the check, by `<candidate index>:<root salt>`; pass a map to reuse them (decrypt does). */
  v3RootKeys?: Map<string, Uint8Array>;
}

const READ_CHUNK = 1024 * 1024;

/** Reads one member to its end; returns what is wrong with it, or null. */
async function deepCheckMember(source: ByteSource, member: MemberReport, head: Uint8Array, key: Uint8Array | null, options: CheckOptions): Promise<MemberDamage | null> {
  const signal = options.signal;
  const compressed = !member.name.endsWith(".tar");
  if (member.format === "plain-gzip" || member.format === "plain-tar") {
    const sink = archiveEndSink(member.format === "plain-gzip", options.inflate);
    for (let at = 0; at < member.size; at += READ_CHUNK) {
      signal?.throwIfAborted();
      await sink.write(await source.read(member.offset + at, Math.min(READ_CHUNK, member.size - at)));
    }
    return sink.close();
  }
  if (key === null) return null;
  if (member.format === "v1") {
    // v1's writer padded every write: only the injected recovery check can undo that.
    return options.deepAes ? options.deepAes(source, { offset: member.offset, size: member.size, name: member.name }, key, signal) : null;
  }
  if (member.format === "v2") {
    const sink = archiveEndSink(compressed, options.inflate);
    const { checkV2Stream } = await import("../securetar/v2-deep.js");
    const stream = await checkV2Stream(source, member.offset, member.size, member.plaintextSize ?? 0, key, (b) => sink.write(b), signal);
    const end = await sink.close();
    return stream ?? end;
  }
  if (member.format === "v3") {
    const sink = archiveEndSink(compressed, options.inflate);
    const { checkV3Stream } = await loadV3Deep();
    const stream = await checkV3Stream(source, member.offset, member.size, member.plaintextSize ?? 0, parseV3Header(head), key, signal, (b) => sink.write(b), options.v3Crypto);
    const end = await sink.close();
    return stream.damage ?? end;
  }
  return null;
}

/**
 * Distinct SecureTar v3 root salts whose Argon2id runs are paid for in one file. HA (core and
 * Supervisor) derives every archive of a backup from one root context, so a backup has one; the
 * second allows for an archive re-encrypted on its own. Archives with further salts are damage
 * (`too_many_key_salts`) and are not key-checked: a hostile file cannot buy one Argon2id (t = 8,
 * 16 MiB) per archive and candidate.
 */
export const MAX_V3_ROOT_SALTS = 2;

/**
 * Tries the candidate keys (exact strings, never normalised) in order. v1/v2: one AES block per
 * member and candidate. v3: one Argon2id per candidate and root salt (members of one backup share
 * it). The expensive v3 step is bounded: it runs for the archives backup.json promises that are
 * not damaged, for at most MAX_V3_ROOT_SALTS salts; other archives (not promised, or damaged) are
 * tried only with v3 root keys already derived. Only when no promised, intact archive is
 * encrypted (no backup.json, or all damaged) do the others get the same salt-capped check, so the
 * file still gets an answer. `openedBy` speaks for the promised archives when there are any.
 */
export async function checkBackupKeys(source: ByteSource, candidates: readonly string[], options: CheckOptions = {}): Promise<BackupFileReport> {
  const report = await inspectBackup(source, options);
  const heads = headsOf.get(report)!;
  const aesKeys = new Map<number, Uint8Array>();
  const v3Roots = options.v3RootKeys ?? new Map<string, Uint8Array>();
  const salts = new Set<string>();
  /** The AES key (v1/v2) or v3 root key that opened each member, for the deep check. */
  const keyOf = new Map<MemberReport, Uint8Array>();
  const unexpected = new Set(report.damage.filter((d) => d.code === "unexpected").map((d) => d.archive));
  const encrypted = report.members.filter(isEncrypted);
  const promised = encrypted.filter((m) => !m.damaged && !unexpected.has(m.name));
  const others = encrypted.filter((m) => m.damaged || unexpected.has(m.name));
  const checkMember = async (member: MemberReport, deriveV3: boolean): Promise<void> => {
    const head = heads.get(member)!;
    let header: V3Header | null = null;
    if (member.format === "v3") {
      if (head.length < V3_HEADER) return;
      header = parseV3Header(head);
      const salt = Array.from(header.rootSalt).join(",");
      if (deriveV3 && !salts.has(salt)) {
        if (salts.size >= MAX_V3_ROOT_SALTS) {
          member.damaged = true;
          member.damage = { code: "too_many_key_salts" };
          return;
        }
        salts.add(salt);
      }
    }
    let tried = true;
    for (let i = 0; i < candidates.length; i++) {
      options.signal?.throwIfAborted();
      let opens: boolean;
      if (header) {
        // HA treats an empty password as "no password", so it never encrypts with one.
        if (candidates[i] === "") continue;
        const cacheKey = `${i}:${Array.from(header.rootSalt).join(",")}`;
        let root = v3Roots.get(cacheKey);
        if (!root) {
          if (!deriveV3) {
            tried = false;
            continue;
          }
          root = await v3RootKeyFor(candidates[i]!, header);
          v3Roots.set(cacheKey, root);
        }
        opens = await v3RootKeyOpens(root, header);
        if (opens) keyOf.set(member, root);
      } else {
        let key = aesKeys.get(i);
        if (!key) {
          key = passwordToAesKey(candidates[i]!);
          aesKeys.set(i, key);
        }
        const start = member.format === "v2" ? 32 : 0;
        opens = await aesKeyOpens(key, head.subarray(start), member.name.endsWith(".tar"));
        if (opens) keyOf.set(member, key);
      }
      if (opens) {
        member.openedBy = i;
        tried = true;
        break;
      }
    }
    member.keyChecked = tried;
  };
  for (const member of promised) await checkMember(member, true);
  for (const member of others) await checkMember(member, promised.length === 0);
  if (options.deep) {
    // Damaged and unexpected archives are damage already: reading them adds nothing.
    for (const member of report.members) {
      if (member.damaged || unexpected.has(member.name)) continue;
      const damage = await deepCheckMember(source, member, heads.get(member)!, keyOf.get(member) ?? null, options);
      if (damage) {
        member.damaged = true;
        member.damage = { code: damage };
      }
    }
  }
  collectDamage(report, options.expectProtected);
  const checked = encrypted.filter((m) => m.keyChecked);
  const deciding = promised.some((m) => m.keyChecked) ? promised.filter((m) => m.keyChecked) : checked;
  const openers = new Set(deciding.map((m) => m.openedBy));
  report.membersAgree = new Set(checked.map((m) => m.openedBy)).size <= 1;
  report.openedBy = deciding.length > 0 && openers.size === 1 ? ([...openers][0] ?? null) : null;
  return report;
}

/** For callers that hold a raw AES-128 key instead of a password (securetar's v1 test vector). */
export async function rawAesKeyOpensMember(source: ByteSource, member: MemberReport, rawKey: Uint8Array): Promise<boolean> {
  const head = await source.read(member.offset, Math.min(HEAD_BYTES, member.size));
  return aesKeyOpens(rawKey, head.subarray(member.format === "v2" ? 32 : 0), member.name.endsWith(".tar"));
}
