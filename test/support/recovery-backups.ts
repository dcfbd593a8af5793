// Generated HA backups for the recovery tests: real gzip'd inner tars, encrypted as SecureTar v1
// (with securetar ≤ 2024.11's per-write padding, re-created here), v2 or v3 (the simulated HA's
// writer: node:crypto + libsodium, independent of src/recovery), or left plain.
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { encryptV2, encryptV3, v3Root } from "../../src/sim/securetar-writer.js";
import { writeTar } from "../../src/sim/tar-writer.js";

export type MemberFormat = "v1" | "v2" | "v3" | "plain";

function sha256x100(input: Uint8Array): Buffer {
  let d = Buffer.from(input);
  for (let i = 0; i < 100; i++) d = createHash("sha256").update(d).digest();
  return d;
}

/**
 * SecureTar v1 as securetar 2024.11.0 wrote it: tarfile's gzip stream handed over 10240-byte
 * pieces, then the remainder, the CRC and ISIZE as separate writes, each PKCS#7-padded on its own
 * when not a multiple of 16; one CBC stream over all of it, after a 16-byte salt.
 */
export function encryptV1Legacy(gz: Uint8Array, password: string): Uint8Array {
  const key = sha256x100(Buffer.from(password, "utf8")).subarray(0, 16);
  const salt = randomBytes(16);
  const iv = sha256x100(Buffer.concat([key, salt])).subarray(0, 16);
  const writes: Uint8Array[] = [];
  const body = gz.subarray(0, gz.length - 8);
  let at = 0;
  while (body.length - at > 10240) {
    writes.push(body.subarray(at, at + 10240));
    at += 10240;
  }
  writes.push(body.subarray(at), gz.subarray(gz.length - 8, gz.length - 4), gz.subarray(gz.length - 4));
  const cipher = createCipheriv("aes-128-cbc", key, iv).setAutoPadding(false);
  const out: Buffer[] = [salt];
  for (const w of writes) {
    const pad = w.length % 16 === 0 ? 0 : 16 - (w.length % 16);
    out.push(cipher.update(Buffer.concat([w, Buffer.alloc(pad, pad)])));
  }
  out.push(cipher.final());
  return Buffer.concat(out);
}

export interface GeneratedBackup {
  tar: Uint8Array;
  /** Inner archive name → its plaintext (gzip) bytes. */
  plain: Map<string, Uint8Array>;
  files: Map<string, Uint8Array>;
}

/** A deterministic-looking but incompressible blob so v3 members span several 1 MiB chunks. */
const noise = (n: number) => randomBytes(n);

export async function generateBackup(formats: Record<string, MemberFormat>, password: string, options: { bigBytes?: number; crypto?: boolean } = {}): Promise<GeneratedBackup> {
  const mtime = 1_700_000_000;
  const files = new Map<string, Uint8Array>([
    ["configuration.yaml", Buffer.from("homeassistant:\n  name: Home\n")],
    ["secrets.yaml", Buffer.from("wifi: not-a-real-secret\n")],
    ["big.bin", noise(options.bigBytes ?? 2 * 1024 * 1024 + 333)],
  ]);
  const inner = (stem: string) =>
    gzipSync(
      writeTar([{ name: "./", data: new Uint8Array(0), mtime, type: "dir" }, ...[...files].map(([name, data]) => ({ name: stem === "homeassistant" ? `./data/${name}` : `./${name}`, data, mtime }))]),
    );
  const plain = new Map<string, Uint8Array>();
  const entries = [];
  const rootSalt = randomBytes(16);
  const validationSalt = randomBytes(16);
  for (const [name, format] of Object.entries(formats)) {
    const gz = inner(name.replace(/\.tar\.gz$/, ""));
    plain.set(name, gz);
    let data: Uint8Array = gz;
    if (format === "v1") data = encryptV1Legacy(gz, password);
    else if (format === "v2") data = encryptV2(gz, password, randomBytes(16));
    else if (format === "v3") data = await encryptV3(gz, await v3Root(password, rootSalt, validationSalt), randomBytes(16));
    entries.push({ name, data, mtime });
  }
  const encrypted = Object.values(formats).some((f) => f !== "plain");
  const json = {
    slug: "0123abcd",
    version: 2,
    name: "Generated",
    date: "2026-01-02T03:04:05+00:00",
    type: "partial",
    protected: encrypted,
    compressed: true,
    ...(options.crypto ? { crypto: encrypted ? "aes128" : null } : {}),
    homeassistant: { version: "2026.1.0", exclude_database: false },
    folders: Object.keys(formats)
      .map((n) => n.replace(/\.tar(\.gz)?$/, ""))
      .filter((n) => n !== "homeassistant"),
    addons: [],
  };
  const tar = writeTar([{ name: "./backup.json", data: Buffer.from(JSON.stringify(json)), mtime }, ...entries]);
  return { tar, plain, files };
}
