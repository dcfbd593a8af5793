// IndexedDB schema with migrations. Version 1: meta, instances, generations, copies, journal.
// Version 2: the passphrase vault store, a by-generation index on copies, and the `mismatch`
// field on every copy (written with its default by the migration).
// Version 3: copies move into buckets (`copyBuckets`, `copy-store.ts`) with a per-instance index
// in meta, the one-JSON-snapshot-per-instance meta values of version 2 go, and the journal gets
// time indexes (newest first by time, not by insertion: entries merged in from another device
// carry their own times). Every step runs in the one upgrade transaction: an upgrade that fails
// leaves the database as it was.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from "idb";
import { BUCKETS, bucketOf, byCopyKey, copyIndexKey, emptyIndex, encodeBucket, newestKey, newestOf, type CopyBucketRecord, type CopyIndex, type NewestCopies } from "./copy-store.js";
import type { CopyRecord, GenerationRecord, InstanceRecord, JournalEntry } from "./model.js";
import type { VaultRecord } from "./vault-model.js";

export const DB_VERSION = 3;
export const DEFAULT_DB_NAME = "backup-keyring";

export interface RegistrySchema extends DBSchema {
  meta: { key: string; value: { key: string; value: unknown } };
  instances: { key: string; value: InstanceRecord; indexes: { byHaInstanceId: string; byUrlKey: string } };
  generations: { key: string; value: GenerationRecord; indexes: { byInstance: string } };
  /** Versions 1 and 2 only: one record per copy. The version 3 upgrade moves them into `copyBuckets`. */
  copies: {
    key: [string, string, string];
    value: CopyRecord;
    indexes: { byInstance: string; byBackup: [string, string]; byGeneration: string };
  };
  copyBuckets: { key: [string, number]; value: CopyBucketRecord };
  journal: { key: number; value: JournalEntry; indexes: { byInstance: string; byTime: string; byInstanceTime: [string, string]; byTypeTime: [string, string] } };
  vault: { key: string; value: VaultRecord };
}

export type RegistryDB = IDBPDatabase<RegistrySchema>;

export function openRegistryDB(name: string, version = DB_VERSION): Promise<RegistryDB> {
  return openDB<RegistrySchema>(name, version, {
    async upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore("meta", { keyPath: "key" });
        const instances = db.createObjectStore("instances", { keyPath: "id" });
        instances.createIndex("byHaInstanceId", "haInstanceId");
        instances.createIndex("byUrlKey", "urlKey");
        db.createObjectStore("generations", { keyPath: "id" }).createIndex("byInstance", "instanceId");
        if (version < 3) {
          const copies = db.createObjectStore("copies", { keyPath: ["instanceId", "backupId", "agentId"] });
          copies.createIndex("byInstance", "instanceId");
          copies.createIndex("byBackup", ["instanceId", "backupId"]);
        }
        db.createObjectStore("journal", { keyPath: "id", autoIncrement: true }).createIndex("byInstance", "instanceId");
      }
      if (oldVersion < 2 && version >= 2) {
        db.createObjectStore("vault", { keyPath: "id" });
        if (version < 3) {
          const copies = tx.objectStore("copies");
          copies.createIndex("byGeneration", "generationId");
          let cursor = await copies.openCursor();
          while (cursor) {
            if (typeof cursor.value.mismatch !== "boolean") await cursor.update({ ...cursor.value, mismatch: false });
            cursor = await cursor.continue();
          }
        }
      }
      if (oldVersion < 3 && version >= 3) {
        db.createObjectStore("copyBuckets", { keyPath: ["instanceId", "bucket"] });
        const journal = tx.objectStore("journal");
        journal.createIndex("byTime", "at");
        journal.createIndex("byInstanceTime", ["instanceId", "at"]);
        journal.createIndex("byTypeTime", ["type", "at"]);
        if (oldVersion >= 1) await moveCopiesIntoBuckets(db, tx as unknown as UpgradeTx);
      }
    },
  });
}

type UpgradeTx = IDBPTransaction<RegistrySchema, StoreNames<RegistrySchema>[], "versionchange">;

/** Version 1/2 → 3: every copy record into its bucket, an index per instance, the old snapshots gone. */
async function moveCopiesIntoBuckets(db: IDBPDatabase<RegistrySchema>, tx: UpgradeTx): Promise<void> {
  const all = await tx.objectStore("copies").getAll();
  const byInstance = new Map<string, CopyRecord[][]>();
  for (const c of all) {
    // Version 1 copies lacked `mismatch` (the version 2 step writes it only on the way to 2).
    const copy: CopyRecord = typeof c.mismatch === "boolean" ? c : { ...c, mismatch: false };
    let buckets = byInstance.get(copy.instanceId);
    if (!buckets) byInstance.set(copy.instanceId, (buckets = Array.from({ length: BUCKETS }, () => [])));
    buckets[bucketOf(copy.backupId)]!.push(copy);
  }
  const buckets = tx.objectStore("copyBuckets");
  const meta = tx.objectStore("meta");
  const writes: Promise<unknown>[] = [];
  for (const [instanceId, lists] of byInstance) {
    const index: CopyIndex = emptyIndex();
    lists.forEach((list, k) => {
      index.counts![k] = list.length;
      if (list.length === 0) return;
      writes.push(buckets.put({ instanceId, bucket: k, data: encodeBucket(list.sort(byCopyKey)) }));
      index.revs[k] = 1;
    });
    writes.push(meta.put({ key: copyIndexKey(instanceId), value: index }));
    const newest: NewestCopies = { copies: newestOf(lists.flat()), total: lists.reduce((n, l) => n + l.length, 0) };
    writes.push(meta.put({ key: newestKey(instanceId), value: newest }));
  }
  // Version 2's copy snapshots (`copies:<instanceId>` and their ids) are superseded by the buckets.
  writes.push(meta.delete(IDBKeyRange.bound("copies:", "copies:\uffff")));
  await Promise.all(writes);
  db.deleteObjectStore("copies");
}
