// HA's backup listing as a reconciliation reads it: split into the copy store's buckets, with a
// digest per bucket of what the per-copy rules read, and whose backups they are.
import type { BackupInfo } from "../data/backup.js";
import { BUCKETS, Hasher, bucketOf } from "./copy-store.js";
import { backupOrigin, ownInstanceId } from "./identity.js";

/** One backup as a reconciliation reads it. */
export type Listed = BackupInfo["backups"][number];

export interface Listing {
  /** Per bucket, its backups in HA's order. */
  backups: Listed[][];
  /** Per bucket, the digest of what the per-copy reconciliation reads of it. */
  digests: string[];
}

/** What a reconciliation reads of the listing alone. */
export interface ListingFacts {
  /** The HA instance id most of the listing's own backups carry (`ownInstanceId`). */
  ownId: string | null;
  /** Ids of the backups this instance made (asked only to recognise an instance, so made on demand). */
  ownListed(): string[];
  /** Read in slices, between the fold's other waits: awaited only where the fold needs it. */
  listing: Promise<Listing>;
}

// Flags as one number: true 1, false 0, anything else 2.
const flag = (v: unknown): number => (v === true ? 1 : v === false ? 0 : 2);

/** Backups read between two yields to the page (its IndexedDB and WebSocket answers go on meanwhile). */
const SLICE = 1000;

/** Lets the page run what is waiting (another task), then goes on. */
function yieldToPage(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * HA's listing per bucket, with a digest of what the per-copy reconciliation reads of it (ids,
 * names, dates, sizes, the protected flags, whose backup it is, failed locations). A bucket whose
 * digest and timeline are those it was settled at would come out unchanged: it is not read at all.
 * Read in slices with yields between: the fold that needs it waits on IndexedDB and HA before it
 * does, and that wait is when it is read.
 */
export async function listingDigests(info: BackupInfo): Promise<Listing> {
  const backups: Listed[][] = Array.from({ length: BUCKETS }, () => []);
  const hashers = Array.from({ length: BUCKETS }, () => new Hasher());
  const all = info.backups;
  for (let start = 0; start < all.length; start += SLICE) {
    if (start > 0) await yieldToPage();
    const end = Math.min(all.length, start + SLICE);
    for (let i = start; i < end; i++) {
      const b = all[i]!;
      const k = bucketOf(b.backup_id);
      backups[k]!.push(b);
      const h = hashers[k]!;
      const meta = b.extra_metadata;
      h.text(b.backup_id).text(b.name).text(b.date);
      if (typeof meta?.instance_id === "string") h.num(1).text(meta.instance_id);
      else h.num(0);
      h.num(flag(b.with_automatic_settings) * 3 + flag(meta?.with_automatic_settings));
      for (const id of b.failed_agent_ids ?? []) h.text(id);
      h.num(-1);
      for (const agentId in b.agents) {
        const a = b.agents[agentId]!;
        h.text(agentId)
          .num(a.size)
          .num(a.protected ? 1 : 0);
      }
      h.num(-2);
    }
  }
  return { backups, digests: hashers.map((h) => h.digest()) };
}

const read = new WeakMap<BackupInfo, ListingFacts>();

/**
 * The listing's facts, made once per listing (a snapshot is never changed once read): a caller
 * can start this while it waits on HA (`Registry.prepare`), and the fold that follows finds it
 * under way or done.
 */
export function readListing(info: BackupInfo): ListingFacts {
  let facts = read.get(info);
  if (!facts) {
    const ownId = ownInstanceId(info);
    let own: string[] | null = null;
    const ownListed = () => (own ??= info.backups.filter((b) => backupOrigin(b, ownId) !== "foreign").map((b) => b.backup_id));
    const listing = listingDigests(info);
    // A failure is not kept: the next fold reads the listing again.
    listing.catch(() => read.delete(info));
    facts = { ownId, ownListed, listing };
    read.set(info, facts);
  }
  return facts;
}
