// HTTP side of the simulated HA: backup downloads (core `DownloadBackupView`, incl. decrypt on
// download) and, for the demo, static files for the panel.
import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { demoKit } from "./demo-kits.js";
import { decryptMember, detectStoredFormat, passwordOpensMember } from "./securetar-writer.js";
import type { SimState } from "./state.js";
import { pyJsonDumps } from "./py-json.js";
import { tarMembers } from "./tar-members.js";
import { writeTar } from "./tar-writer.js";

export interface HttpContext {
  state: SimState;
  adminTokens: string[];
  /** Whether a signed URL was signed by an admin (core's view is `require_admin`). */
  signedByAdmin(url: URL): boolean;
  /** Whether the backup integration's views are registered (not while HA is starting). */
  backupViews(): boolean;
  serveDir: string | null;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".css": "text/css",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

const slugify = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "") || "backup";

function send(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "content-type": type, "access-control-allow-origin": "*" });
  res.end(body);
}

/**
 * Core `http.py` `_send_backup_with_password` → `util.py` `decrypt_backup` / `_decrypt_backup`:
 * members are written as they are decrypted, `backup.json` rewritten with `protected: false`
 * (`json.dumps`). When an inner archive cannot be decrypted the worker stops and the response
 * (already 200) ends there, without end-of-archive blocks (tarfile's `__exit__` on an exception
 * skips `close()`):
 * - no SecureTar header (plaintext, or v1): `UnsupportedSecureTarVersion` is raised inside
 *   `istf.decrypt(obj)`, before `output_tar.addfile`, so that member is not begun;
 * - v2 and a wrong password: `addfile` has written the member's header when the first read fails
 *   securetar's gzip/tar check (`DecryptInnerTar._validate_inner_tar`), so the header is sent;
 * - v3 and a wrong password: we stop before the member (where securetar 2026 checks the key is
 *   not confirmed in its source).
 */
async function decryptedBackup(file: Uint8Array, password: string): Promise<{ body: Uint8Array; complete: boolean }> {
  const out: { name: string; data: Uint8Array; mtime: number }[] = [];
  const cut = (extraHeaderFor?: { name: string; size: number }) => {
    // The members so far, without the zero blocks that would end a complete tar.
    const partial = writeTar(out);
    let body = partial.subarray(0, tarDataEnd(partial));
    if (extraHeaderFor) {
      // Everything tarfile writes for the member before its data (PAX header and ustar header).
      const alone = writeTar([{ name: extraHeaderFor.name, data: new Uint8Array(extraHeaderFor.size), mtime: 0 }]);
      const dataAt = tarMembers(alone)[0]!.data.byteOffset - alone.byteOffset;
      body = Buffer.concat([body, alone.subarray(0, dataAt)]);
    }
    return { body, complete: false };
  };
  for (const m of tarMembers(file)) {
    if (/\.(tar|tar\.gz|tgz)$/.test(m.name)) {
      const format = detectStoredFormat(m.data);
      if (format === "plain") return cut();
      if (!(await passwordOpensMember(m.data, password))) {
        if (format === "v3") return cut();
        const plaintextSize = Number(Buffer.from(m.data.subarray(16, 24)).readBigUInt64BE());
        return cut({ name: m.name, size: plaintextSize });
      }
      out.push({ name: m.name, data: await decryptMember(m.data, password), mtime: 0 });
    } else if (m.name.endsWith("backup.json")) {
      const json = JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>;
      json.protected = false;
      out.push({ name: m.name, data: new TextEncoder().encode(pyJsonDumps(json)), mtime: 0 });
    } else out.push({ ...m, mtime: 0 });
  }
  return { body: writeTar(out), complete: true };
}

/** Where a tar's members end (before its zero blocks). */
function tarDataEnd(tar: Uint8Array): number {
  let at = 0;
  while (at + 512 <= tar.length && !tar.subarray(at, at + 512).every((b) => b === 0)) {
    const size = parseInt(
      new TextDecoder()
        .decode(tar.subarray(at + 124, at + 136))
        .replace(/\0.*$/s, "")
        .trim() || "0",
      8,
    );
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return at;
}

export async function handleHttp(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (req.method === "OPTIONS") {
    res.writeHead(204, {
      "access-control-allow-origin": "*",
      "access-control-allow-headers": "authorization, content-type",
      "access-control-allow-methods": "GET, OPTIONS",
    });
    res.end();
    return;
  }
  const download = /^\/api\/backup\/download\/([^/]+)$/.exec(url.pathname);
  if (download && !ctx.backupViews()) return send(res, 404, "404: Not Found");
  if (download) {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!(bearer && ctx.adminTokens.includes(bearer)) && !ctx.signedByAdmin(url)) return send(res, 401, "401: Unauthorized");
    const agentId = url.searchParams.get("agent_id");
    if (!agentId || !ctx.state.agentIds().includes(agentId)) return send(res, 400, "400: Bad Request");
    const backup = ctx.state.backups.get(decodeURIComponent(download[1]!));
    const copy = backup?.copies.get(agentId);
    if (!backup || !copy) return send(res, 404, "404: Not Found");
    const headers = { "content-type": "application/x-tar", "content-disposition": `attachment; filename=${slugify(backup.name)}.tar`, "access-control-allow-origin": "*" };
    const password = url.searchParams.get("password");
    // `if not password or not backup.protected`: an empty password downloads the copy as stored.
    if (!password || !copy.protected) {
      res.writeHead(200, { ...headers, "content-length": String(copy.file.length) });
      res.end(Buffer.from(copy.file.buffer, copy.file.byteOffset, copy.file.length));
      return;
    }
    // A decrypted download is streamed: no length is known up front.
    const { body } = await decryptedBackup(copy.file, password);
    res.writeHead(200, headers);
    res.end(Buffer.from(body.buffer, body.byteOffset, body.length));
    return;
  }
  const kit = req.method === "GET" ? demoKit(ctx.state, url.pathname, `http://${req.headers.host ?? "127.0.0.1"}`) : null;
  if (kit) {
    res.writeHead(200, { "content-type": kit.type, "cache-control": "no-cache", ...(kit.attachment ? { "content-disposition": `attachment; filename=${kit.attachment}` } : {}) });
    res.end(kit.body);
    return;
  }
  if (ctx.serveDir && req.method === "GET") {
    let rel: string | null = null;
    if (url.pathname === "/" || url.pathname === "/index.html") rel = "panel/index.html";
    else if (url.pathname.startsWith("/panel/")) rel = url.pathname.slice(1);
    else if (url.pathname.startsWith("/local/backup-keyring/")) rel = join("dist", url.pathname.slice("/local/backup-keyring/".length));
    if (rel !== null) {
      const root = normalize(ctx.serveDir + sep);
      const file = normalize(join(root, decodeURIComponent(rel)));
      if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) return send(res, 404, "404: Not Found");
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
      createReadStream(file).pipe(res);
      return;
    }
  }
  send(res, 404, "404: Not Found");
}
