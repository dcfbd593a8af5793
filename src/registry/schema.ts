// IndexedDB schema with migrations. Version 1: meta, instances, generations, copies, journal.
// Version 2: the passphrase vault store, a by-generation index on copies, and the `mismatch`
// field on every copy (written with its default by the migration).
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { CopyRecord, GenerationRecord, InstanceRecord, JournalEntry } from "./model.js";
import type { VaultRecord } from "./vault-model.js";

export const DB_VERSION = 2;
export const DEFAULT_DB_NAME = "backup-keyring";

export interface RegistrySchema extends DBSchema {
  meta: { key: string; value: { key: string; value: unknown } };
  instances: { key: string; value: InstanceRecord; indexes: { byHaInstanceId: string; byUrlKey: string } };
  generations: { key: string; value: GenerationRecord; indexes: { byInstance: string } };
  copies: {
    key: [string, string, string];
    value: CopyRecord;
    indexes: { byInstance: string; byBackup: [string, string]; byGeneration: string };
  };
  journal: { key: number; value: JournalEntry; indexes: { byInstance: string } };
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
        const copies = db.createObjectStore("copies", { keyPath: ["instanceId", "backupId", "agentId"] });
        copies.createIndex("byInstance", "instanceId");
        copies.createIndex("byBackup", ["instanceId", "backupId"]);
        db.createObjectStore("journal", { keyPath: "id", autoIncrement: true }).createIndex("byInstance", "instanceId");
      }
      if (oldVersion < 2 && version >= 2) {
        db.createObjectStore("vault", { keyPath: "id" });
        const copies = tx.objectStore("copies");
        copies.createIndex("byGeneration", "generationId");
        let cursor = await copies.openCursor();
        while (cursor) {
          if (typeof cursor.value.mismatch !== "boolean") await cursor.update({ ...cursor.value, mismatch: false });
          cursor = await cursor.continue();
        }
      }
    },
  });
}
