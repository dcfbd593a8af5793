// A whole HA backup file: its plaintext backup.json, its inner archives and, given candidate keys,
// which candidate opens it. Reads headers and the first bytes of each inner archive only.
import type { ByteSource } from "../common/byte-source.js";
import { aesKeyOpens, passwordToAesKey } from "../securetar/aes.js";
import { detectMember, V2_HEADER, V3_HEADER, type MemberFormat } from "../securetar/detect.js";
import { loadV3Deep, parseV3Header, v3RootKeyFor, v3RootKeyOpens } from "../securetar/v3.js";
import type { StreamDamage } from "../securetar/v3-deep.js";
import { walkTar, type TarEntry } from "../tar/reader.js";
import { BackupFileError } from "./errors.js";

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
}

/** `size_mismatch`: member size ≠ what its v2/v3 header promises; `unknown_format`: not gzip,
 * tar or SecureTar; the `stream_*`/tag codes come from the deep v3 check. */
export type MemberDamage = "size_mismatch" | "unknown_format" | StreamDamage;

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
  /** backup.json says protected but an inner archive is plaintext, or the reverse. */
  mislabelled: boolean;
  /** A member is cut short or its header is inconsistent. */
  damaged: boolean;
  /** The first member's damage, for messages. */
  damage: { code: MemberDamage } | null;
  /** 0-based index of the first candidate that opens every encrypted member; null = none. */
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

/** Metadata and per-member formats, no key needed. */
export async function inspectBackup(source: ByteSource): Promise<BackupFileReport> {
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
    const damage: MemberDamage | null = detected.sizeMismatch ? "size_mismatch" : detected.format === "unknown" ? "unknown_format" : null;
    const report: MemberReport = {
      name: entry.name,
      offset: entry.dataOffset,
      size: entry.size,
      format: detected.format,
      plaintextSize: detected.plaintextSize ?? null,
      damaged: damage !== null,
      damage: damage ? { code: damage } : null,
      openedBy: null,
    };
    members.push(report);
    heads.set(report, head);
  }
  // A bare SecureTar archive (no backup.json) is still worth checking; random tars are not.
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
    mislabelled: (protectedFlag === true && hasPlain) || (protectedFlag === false && encrypted),
    damaged: members.some((m) => m.damaged),
    damage: members.find((m) => m.damage)?.damage ?? null,
    openedBy: null,
    membersAgree: true,
    members,
    backupJson,
  };
  headsOf.set(report, heads);
  return report;
}

const headsOf = new WeakMap<BackupFileReport, Map<MemberReport, Uint8Array>>();

export interface CheckOptions {
  signal?: AbortSignal;
  /** v3: also decrypt and authenticate every chunk of each opened member (reads the whole member). */
  deep?: boolean;
}

/**
 * Tries the candidate keys (exact strings, never normalised) in order. v1/v2: one AES block per
 * member and candidate. v3: one Argon2id per candidate and root salt (members of one backup share it).
 */
export async function checkBackupKeys(source: ByteSource, candidates: readonly string[], options: CheckOptions = {}): Promise<BackupFileReport> {
  const report = await inspectBackup(source);
  const heads = headsOf.get(report)!;
  const aesKeys = new Map<number, Uint8Array>();
  const v3Roots = new Map<string, Uint8Array>();
  for (const member of report.members) {
    if (member.format !== "v1" && member.format !== "v2" && member.format !== "v3") continue;
    const head = heads.get(member)!;
    for (let i = 0; i < candidates.length; i++) {
      options.signal?.throwIfAborted();
      let opens: boolean;
      if (member.format === "v3") {
        if (head.length < V3_HEADER) break;
        // HA treats an empty password as "no password", so it never encrypts with one.
        if (candidates[i] === "") continue;
        const header = parseV3Header(head);
        const cacheKey = `${i}:${Array.from(header.rootSalt).join(",")}`;
        let root = v3Roots.get(cacheKey);
        if (!root) {
          root = await v3RootKeyFor(candidates[i]!, header);
          v3Roots.set(cacheKey, root);
        }
        opens = await v3RootKeyOpens(root, header);
        if (opens && options.deep && !member.damaged) {
          const { checkV3Stream } = await loadV3Deep();
          const stream = await checkV3Stream(source, member.offset, member.size, member.plaintextSize ?? 0, header, root, options.signal);
          if (stream.damage) {
            member.damaged = true;
            member.damage = { code: stream.damage };
          }
        }
      } else {
        let key = aesKeys.get(i);
        if (!key) {
          key = await passwordToAesKey(candidates[i]!);
          aesKeys.set(i, key);
        }
        const start = member.format === "v2" ? 32 : 0;
        opens = await aesKeyOpens(key, head.subarray(start), member.name.endsWith(".tar"));
      }
      if (opens) {
        member.openedBy = i;
        break;
      }
    }
  }
  const encrypted = report.members.filter((m) => m.format === "v1" || m.format === "v2" || m.format === "v3");
  const openers = new Set(encrypted.map((m) => m.openedBy));
  report.damaged = report.members.some((m) => m.damaged);
  report.damage = report.members.find((m) => m.damage)?.damage ?? null;
  report.membersAgree = openers.size <= 1;
  report.openedBy = encrypted.length > 0 && openers.size === 1 ? (encrypted[0]!.openedBy ?? null) : null;
  return report;
}

/** For callers that hold a raw AES-128 key instead of a password (securetar's v1 test vector). */
export async function rawAesKeyOpensMember(source: ByteSource, member: MemberReport, rawKey: Uint8Array): Promise<boolean> {
  const head = await source.read(member.offset, Math.min(HEAD_BYTES, member.size));
  return aesKeyOpens(rawKey, head.subarray(member.format === "v2" ? 32 : 0), member.name.endsWith(".tar"));
}
