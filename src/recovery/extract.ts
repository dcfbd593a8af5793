// Lists and pulls single files out of a backup's inner archives without writing the backup:
// each inner archive is decrypted, gunzipped and walked as a stream. Paths are shown as
// "<inner archive>/<path inside>", e.g. "homeassistant/data/configuration.yaml".
import type { ByteSource } from "../common/byte-source.js";
import { IO_CHUNK, readRange } from "./chunks.js";
import type { CryptoPort } from "./crypto-port.js";
import { openMember } from "./member-decrypt.js";
import type { KeyPlan } from "./backup-recovery.js";
import { readInnerTar, type InnerEntry } from "./inner-tar.js";

/** Gunzip as a stream transform: zlib in Node, DecompressionStream in the browser. */
export type Gunzip = (input: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

export interface FoundEntry extends Omit<InnerEntry, "name"> {
  /** "<inner archive stem>/<path inside, without ./>". */
  path: string;
  member: string;
}

const stemOf = (member: string) => member.replace(/\.(tar\.gz|tgz|tar)$/, "");
const tidy = (p: string) => p.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");

/**
 * Does a requested path name this entry? Accepted: the full "<stem>/<inner>" form; the inner path
 * alone ("secrets.yaml"); and for homeassistant, without the "data/" folder core-only installs use.
 */
export function pathMatches(request: string, member: string, inner: string): boolean {
  const want = tidy(request);
  const stem = stemOf(member);
  const path = tidy(inner);
  const forms = [path, `${stem}/${path}`];
  if (path.startsWith("data/")) forms.push(path.slice(5), `${stem}/${path.slice(5)}`);
  return forms.includes(want);
}

/** A path is safe to create under the target folder: relative, no "..", no empty segments. */
export function safeRelativePath(path: string): boolean {
  const parts = path.split("/");
  return path.length > 0 && !path.startsWith("/") && parts.every((p) => p !== "" && p !== "." && p !== ".." && !p.includes("\\") && !p.includes("\0"));
}

/**
 * Walks every inner archive in backup order and hands each entry to `visit`; `visit` returns
 * false to stop early. Decrypts with the plan's keys; plaintext inner archives are read directly.
 */
export async function walkBackupContents(source: ByteSource, plan: KeyPlan, port: CryptoPort, gunzip: Gunzip, visit: (entry: FoundEntry) => Promise<boolean>, signal?: AbortSignal): Promise<void> {
  for (const member of plan.report.members) {
    if (member.format === "unknown") continue;
    const key = plan.keys.get(member.offset);
    const at = { offset: member.offset, size: member.size };
    const plain = key ? (await openMember(port, source, at, key, signal)).chunks : readRange(source, at.offset, at.offset + at.size, IO_CHUNK, signal);
    const gzipped = !member.name.endsWith(".tar");
    const entries = readInnerTar(gzipped ? gunzip(plain) : plain);
    for await (const e of entries) {
      signal?.throwIfAborted();
      const inner = tidy(e.name);
      const path = inner && inner !== "." ? `${stemOf(member.name)}/${inner}` : stemOf(member.name);
      if (!(await visit({ path, member: member.name, type: e.type, size: e.size, mode: e.mode, data: e.data }))) return;
    }
  }
}
