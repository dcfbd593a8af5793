// Builds real HA backup files: an outer tar holding a plaintext `./backup.json` and inner
// `homeassistant.tar.gz` (+ a folder archive), each inner archive SecureTar-encrypted or not.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { backupFeatures } from "../data/ha-version.js";
import type { Rng } from "./random.js";
import type { AddonInfo } from "../data/backup.js";
import { encryptV1, encryptV2, encryptV3, v3Root } from "./securetar-writer.js";
import { writeTar } from "./tar-writer.js";

export interface ArchiveMeta {
  backupId: string;
  name: string;
  date: string;
  instanceId: string;
  haVersion: string;
  withAutomaticSettings: boolean;
  folders: string[];
  /** Add-ons in the backup (listed in backup.json; no add-on archive is written). */
  addons?: AddonInfo[];
  /** An archive with backup.json only (no inner archive), as a broken upload can leave. */
  empty?: boolean;
}

/** HA/Supervisor backup ids: the first 8 hex of SHA-1 over "<date> - <name>" in lower case. */
export function backupIdFor(date: string, name: string): string {
  return createHash("sha1").update(`${date} - ${name}`.toLowerCase()).digest("hex").slice(0, 8);
}

/**
 * The simulated instance is Supervisor-style (`hassio.*` locations): Supervisor picks the SecureTar
 * version by the core version it backs up (supervisor #6621, `CORE_SECURETAR_V3_MIN_VERSION =
 * 2026.3.0`), not by the date.
 */
export function formatForVersion(haVersion: string): "v2" | "v3" {
  return backupFeatures(haVersion).secureTarVersion === 3 ? "v3" : "v2";
}

function innerArchives(meta: ArchiveMeta, rng: Rng): { name: string; data: Uint8Array }[] {
  const mtime = Math.floor(new Date(meta.date).getTime() / 1000);
  const text = (s: string) => new TextEncoder().encode(s);
  const config = writeTar(
    [
      { name: "data", data: new Uint8Array(0), mtime, type: "dir" },
      { name: "data/configuration.yaml", data: text(`# Loads default set of integrations.\ndefault_config:\n\nhomeassistant:\n  name: Home\n`), mtime },
      { name: "data/automations.yaml", data: text(`- id: '${rng.hex(13)}'\n  alias: Porch light at sunset\n  triggers: []\n  actions: []\n`), mtime },
      { name: "data/.storage/core.uuid", data: text(JSON.stringify({ version: 1, data: { uuid: meta.instanceId } })), mtime },
    ],
    { recordSize: 512 },
  );
  const members = [{ name: "homeassistant.tar.gz", data: new Uint8Array(gzipSync(config)) }];
  for (const folder of meta.folders) {
    const t = writeTar([{ name: `${folder}/README`, data: text(`${folder} of ${meta.name}\n`), mtime }], { recordSize: 512 });
    members.push({ name: `${folder.replace(/\//g, "_")}.tar.gz`, data: new Uint8Array(gzipSync(t)) });
  }
  return members;
}

function backupJson(meta: ArchiveMeta, protectedFlag: boolean): Uint8Array {
  const json = {
    slug: meta.backupId,
    version: 2,
    name: meta.name,
    date: meta.date,
    type: "partial",
    protected: protectedFlag,
    compressed: true,
    homeassistant: { version: meta.haVersion, exclude_database: false },
    folders: meta.folders,
    addons: (meta.addons ?? []).map((a) => ({ slug: a.slug, name: a.name, version: a.version, size: 0 })),
    extra: { instance_id: meta.instanceId, with_automatic_settings: meta.withAutomaticSettings },
  };
  return new TextEncoder().encode(JSON.stringify(json, null, 2));
}

export interface BuiltBackup {
  /** The encrypted file, or null when there is no password. */
  encrypted: Uint8Array | null;
  /** The same backup with plaintext inner archives (for unprotected locations). */
  plain: Uint8Array;
  /** Plaintext members but `protected: true` in backup.json: the HA bug of supervisor#7140. */
  mislabelled: Uint8Array;
  /** The same backup in SecureTar v1 (null without a password). */
  v1: Uint8Array | null;
}

export async function buildBackup(meta: ArchiveMeta, password: string | null, rng: Rng, extra: { v1?: boolean } = {}): Promise<BuiltBackup> {
  const members = meta.empty ? [] : innerArchives(meta, rng);
  const mtime = Math.floor(new Date(meta.date).getTime() / 1000);
  const pack = (jsonProtected: boolean, inner: { name: string; data: Uint8Array }[]) =>
    writeTar([{ name: "./backup.json", data: backupJson(meta, jsonProtected), mtime }, ...inner.map((m) => ({ ...m, mtime }))]);

  let encrypted: Uint8Array | null = null;
  let v1: Uint8Array | null = null;
  if (password !== null && extra.v1) {
    v1 = pack(
      true,
      members.map((m) => ({ name: m.name, data: encryptV1(m.data, password, rng.bytes(16)) })),
    );
  }
  if (password !== null) {
    let inner: { name: string; data: Uint8Array }[];
    if (formatForVersion(meta.haVersion) === "v3") {
      // One root context (one Argon2id) per backup, shared by its members, as securetar does.
      const root = await v3Root(password, rng.bytes(16), rng.bytes(16));
      inner = [];
      for (const m of members) inner.push({ name: m.name, data: await encryptV3(m.data, root, rng.bytes(16)) });
    } else {
      inner = members.map((m) => ({ name: m.name, data: encryptV2(m.data, password, rng.bytes(16)) }));
    }
    encrypted = pack(true, inner);
  }
  return { encrypted, plain: pack(false, members), mislabelled: pack(true, members), v1 };
}
