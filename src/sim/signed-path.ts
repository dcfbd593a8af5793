// `auth/sign_path`: an HS256 JWT over the path and its query parameters, valid for `expires`
// seconds (core `http/auth.py`). Query parameters cannot be added after signing.
import { createHmac, timingSafeEqual } from "node:crypto";

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

function canonicalParams(search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of search) if (k !== "authSig") out[k] = v;
  return out;
}

export function signPath(secret: Buffer, path: string, expiresSeconds: number, issuer: string): string {
  const url = new URL(path, "http://sim.invalid");
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = b64url(JSON.stringify({ iss: issuer, path: url.pathname, params: canonicalParams(url.searchParams), iat: now, exp: now + expiresSeconds }));
  const sig = b64url(createHmac("sha256", secret).update(`${header}.${payload}`).digest());
  url.searchParams.append("authSig", `${header}.${payload}.${sig}`);
  return `${url.pathname}${url.search}`;
}

export function verifySignedPath(secret: Buffer, url: URL): boolean {
  const token = url.searchParams.get("authSig");
  if (!token) return false;
  const [header, payload, sig] = token.split(".");
  if (!header || !payload || !sig) return false;
  const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { path: string; params: Record<string, string>; exp: number };
    if (claims.exp < Math.floor(Date.now() / 1000)) return false;
    if (claims.path !== url.pathname) return false;
    return JSON.stringify(claims.params) === JSON.stringify(canonicalParams(url.searchParams));
  } catch {
    return false;
  }
}
