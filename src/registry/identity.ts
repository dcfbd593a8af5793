// Which HA instance a reconciliation is about, and which listed backups that instance made.
// Pure: the registry gathers the facts, this decides (the panel's first paint uses the same rule).
//
// HA lists backups uploaded from other instances too (a shared NAS, Cloud). Core reports
// `with_automatic_settings` as true or false only for backups whose `extra_metadata.instance_id`
// is its own (`manager.py` `is_our_automatic_backup`); for every other backup it is null.
import type { BackupContent, BackupInfo } from "../data/backup.js";
import type { InstanceRecord } from "./model.js";
import type { BackupOrigin } from "./assign.js";

/**
 * This instance's `instance_id`: the id carried by the backups core marks as its own (the flag is
 * true or false, never null). The id most of them carry wins; null when none is listed.
 */
export function ownInstanceId(info: Pick<BackupInfo, "backups">): string | null {
  const counts = new Map<string, number>();
  for (const b of info.backups) {
    const id = b.extra_metadata?.instance_id;
    if (typeof b.with_automatic_settings === "boolean" && typeof id === "string") counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [id, n] of counts) if (best === null || n > counts.get(best)!) best = id;
  return best;
}

/** Who made a listed backup, from HA's own marks and the instance's id. */
export function backupOrigin(b: Pick<BackupContent, "extra_metadata" | "with_automatic_settings">, ownId: string | null): BackupOrigin {
  if (ownId === null || b.extra_metadata?.instance_id !== ownId || typeof b.with_automatic_settings !== "boolean") return "foreign";
  return b.with_automatic_settings ? "automatic" : "manual";
}

export const urlKeyOf = (url: string, locationName: string) => `${url.replace(/\/+$/, "")}|${locationName}`;

/** What the registry knows about one stored instance, as far as recognising it needs. */
export interface KnownInstance {
  record: InstanceRecord;
  /** Fingerprint of its active generation, if any. */
  activeFingerprint: string | null;
  /** It holds copies of backups that this listing marks as the instance's own (asked only when needed). */
  holdsOwnBackups?: boolean;
}

export interface IdentityInput {
  ownId: string | null;
  urlKey: string;
  locationName: string;
  /** Fingerprint of HA's current key (null: none set). */
  fingerprint: string | null;
}

export interface Identity {
  instance: InstanceRecord | null;
  /** The stored instance carries another (or no) `instance_id`: record the own one on it. */
  adoptOwnId: boolean;
}

/**
 * Recognises the instance, in this order:
 * 1. by its own `instance_id`;
 * 2. by URL + location name: the same record, unless it carries another instance's id — then it is
 *    this instance only if it holds copies of backups HA now lists as this instance's own (code
 *    before this rule took the first listed backup's id, which could be another instance's, and
 *    recorded every listed backup); its id is then corrected, so no second instance is made. A
 *    record without such copies is another HA that used this address and name before;
 * 3. reached through another URL (a phone away from home) while no backup of its own is listed:
 *    the instance with the same location name whose current key is HA's current key (a random
 *    28-character key: another instance shares it only if someone typed it into both).
 */
export function identifyInstance(known: KnownInstance[], input: IdentityInput): Identity {
  const { ownId } = input;
  if (ownId !== null) {
    const exact = known.find((k) => k.record.haInstanceId === ownId);
    if (exact) return { instance: exact.record, adoptOwnId: false };
  }
  const mistaken = (k: KnownInstance) => k.record.haInstanceId !== null && k.holdsOwnBackups === true;
  const byUrl = known.filter((k) => k.record.urlKey === input.urlKey);
  for (const k of byUrl) {
    if (ownId === null) return { instance: k.record, adoptOwnId: false };
    if (k.record.haInstanceId === null || mistaken(k)) return { instance: k.record, adoptOwnId: true };
  }
  if (input.fingerprint !== null) {
    const sameKey = known
      .filter((k) => k.record.name === input.locationName && k.activeFingerprint === input.fingerprint)
      .filter((k) => ownId === null || k.record.haInstanceId === null || mistaken(k))
      .sort((a, b) => (b.record.lastReconciledAt ?? "").localeCompare(a.record.lastReconciledAt ?? ""));
    const k = sameKey[0];
    if (k) return { instance: k.record, adoptOwnId: ownId !== null };
  }
  return { instance: null, adoptOwnId: false };
}

/** Instances whose id may be a mistaken foreign one: only for these is `holdsOwnBackups` worth asking. */
export function needsOwnBackupCheck(k: KnownInstance, input: IdentityInput): boolean {
  return (
    input.ownId !== null &&
    k.record.haInstanceId !== null &&
    k.record.haInstanceId !== input.ownId &&
    (k.record.urlKey === input.urlKey || (k.record.name === input.locationName && k.activeFingerprint === input.fingerprint && input.fingerprint !== null))
  );
}
