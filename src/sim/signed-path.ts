// `auth/sign_path`: an HS256 JWT over the path and its query parameters, valid for `expires`
// seconds (core `http/auth.py` `async_sign_path` / `async_validate_signed_request`). The
// parameters are signed as a list of pairs in the order given, so none can be added, removed or
// reordered after signing; the token names who signed it (the download then needs an admin).
import { createHmac, timingSafeEqual } from "node:crypto";

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

function signedParams(search: URLSearchParams): [string, string][] {
  return [...search].filter(([k]) => k !== "authSig");
}

export function signPath(secret: Buffer, path: string, expiresSeconds: number, issuer: string): string {
  const url = new URL(path, "http://sim.invalid");
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = b64url(JSON.stringify({ iss: issuer, path: url.pathname, params: signedParams(url.searchParams), iat: now, exp: now + expiresSeconds }));
  const sig = b64url(createHmac("sha256", secret).update(`${header}.${payload}`).digest());
  // Appended to the query as given, so the caller's parameters keep their order and encoding.
  return `${url.pathname}${url.search ? `${url.search}&` : "?"}authSig=${header}.${payload}.${sig}`;
}

/** The id of the user who signed `url`, or null when the signature does not hold. */
export function verifySignedPath(secret: Buffer, url: URL): string | null {
  const token = url.searchParams.get("authSig");
  if (!token) return null;
  const [header, payload, sig] = token.split(".");
  if (!header || !payload || !sig) return null;
  const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iss: string; path: string; params: [string, string][]; exp: number };
    if (claims.exp < Math.floor(Date.now() / 1000)) return null;
    if (claims.path !== url.pathname) return null;
    return JSON.stringify(claims.params) === JSON.stringify(signedParams(url.searchParams)) ? claims.iss : null;
  } catch {
    return null;
  }
}
