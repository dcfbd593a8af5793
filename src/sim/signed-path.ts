// `auth/sign_path`: an HS256 JWT over the path and its query parameters, valid for `expires`
// seconds (core `http/auth.py` `async_sign_path` / `async_validate_signed_request`). The
// parameters are signed as a list of pairs in the order given, so none can be added, removed or
// reordered after signing; `height` and `width` are left out of the signature (and out of the
// returned path) so they can be added afterwards. Core rebuilds the query with yarl's
// `url.with_query(params)`, so the returned path is re-encoded (a space becomes "+"), whatever
// encoding the caller used. The token names who signed it (the download then needs an admin).
import { createHmac, timingSafeEqual } from "node:crypto";

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** `SAFE_QUERY_PARAMS` in core `http/auth.py`. */
const SAFE_QUERY_PARAMS = new Set(["height", "width"]);
const SIGN_QUERY_PARAM = "authSig";

/**
 * yarl's query reading, which is a form body's: pairs split on "&", "+" is a space, %XX decoded.
 * The "?" put first is the one URLSearchParams strips, so a "?" the query starts with stays.
 */
const queryPairs = (query: string): [string, string][] => [...new URLSearchParams(`?${query}`)];

// yarl `_QUERY_PART_QUOTER` (safe "?/:@", qs=True): unreserved characters, "!$'()*," and the safe
// ones stay, a space becomes "+", everything else is %XX of its UTF-8 bytes.
const QUERY_ALLOWED = /[A-Za-z0-9\-._~!$'()*,?/:@]/;
function quoteQueryPart(s: string): string {
  let out = "";
  for (const ch of s) {
    if (ch === " ") out += "+";
    else if (QUERY_ALLOWED.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, "utf8")) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function splitPath(path: string): { path: string; query: string } {
  const noFragment = path.split("#", 1)[0]!;
  const q = noFragment.indexOf("?");
  const raw = q < 0 ? noFragment : noFragment.slice(0, q);
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // yarl keeps what it cannot decode
  }
  return { path: decoded, query: q < 0 ? "" : noFragment.slice(q + 1) };
}

export function signPath(secret: Buffer, path: string, expiresSeconds: number, issuer: string): string {
  const url = splitPath(path);
  const now = Math.floor(Date.now() / 1000);
  const params = queryPairs(url.query).filter(([k]) => !SAFE_QUERY_PARAMS.has(k));
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = b64url(JSON.stringify({ iss: issuer, path: url.path, params, iat: now, exp: now + expiresSeconds }));
  const sig = b64url(createHmac("sha256", secret).update(`${header}.${payload}`).digest());
  const query = [...params, [SIGN_QUERY_PARAM, `${header}.${payload}.${sig}`]].map(([k, v]) => `${quoteQueryPart(k!)}=${quoteQueryPart(v!)}`).join("&");
  return `${url.path}?${query}`;
}

/** The id of the user who signed `url`, or null when the signature does not hold. */
export function verifySignedPath(secret: Buffer, url: URL): string | null {
  const all = queryPairs(url.search.slice(1));
  const token = all.find(([k]) => k === SIGN_QUERY_PARAM)?.[1];
  if (!token) return null;
  const [header, payload, sig] = token.split(".");
  if (!header || !payload || !sig) return null;
  const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iss: string; path: string; params: [string, string][]; exp: number };
    if (claims.exp < Math.floor(Date.now() / 1000)) return null;
    if (claims.path !== decodeURIComponent(url.pathname)) return null;
    const params = all.filter(([k]) => !SAFE_QUERY_PARAMS.has(k) && k !== SIGN_QUERY_PARAM);
    return JSON.stringify(claims.params) === JSON.stringify(params) ? claims.iss : null;
  } catch {
    return null;
  }
}
