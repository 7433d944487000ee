/**
 * Which browser origins a workspace may allow for cross-origin calls (CORS and the socket):
 * `https://host[:port]`, exactly as a browser serialises it in the `Origin` header. Loopback
 * hosts (`localhost`, `127.x.x.x`, `[::1]`), over http or https, only where the deployment
 * allows loopback (ALLOW_LOOPBACK_URLS=true, local development and tests).
 */
export type OriginVerdict = { ok: true; origin: string } | { ok: false; reason: string };

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * Checks one origin and returns its normal form: lowercase scheme and host, IDN as punycode,
 * default port dropped, so it compares equal to the browser's `Origin` header.
 * @example checkOrigin("HTTPS://Ops.Example.com:443") // { ok: true, origin: "https://ops.example.com" }
 */
export function checkOrigin(raw: string, options: { allowLoopback?: boolean } = {}): OriginVerdict {
  if (raw.includes("*"))
    return { ok: false, reason: "wildcards are not allowed: list each origin" };
  if (raw === "null") return { ok: false, reason: "the 'null' origin cannot be allowed" };
  if (/[\s\p{Cc}]/u.test(raw))
    return { ok: false, reason: "whitespace and control characters are not allowed" };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  if (!scheme) return { ok: false, reason: "not an origin: expected https://host[:port]" };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not an origin: expected https://host[:port]" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { ok: false, reason: `scheme ${url.protocol} is not allowed; use https` };
  if (
    url.username ||
    url.password ||
    raw
      .slice(scheme[0].length)
      .split(/[/?#\\]/)[0]!
      .includes("@")
  )
    return { ok: false, reason: "user info (user@) is not allowed in an origin" };
  // The authority ends at the first / ? # (or \, which http(s) URLs treat as /); an origin
  // has nothing after it, not even a lone "/", since browsers never send one.
  if (/[/?#\\]/.test(raw.slice(scheme[0].length)))
    return {
      ok: false,
      reason: `an origin has no path, query or fragment: use '${url.origin}'`,
    };
  if (url.port === "0") return { ok: false, reason: "port 0 is not a valid port" };
  if (LOOPBACK_HOST.test(url.hostname)) {
    if (!options.allowLoopback)
      return {
        ok: false,
        reason: "loopback origins are allowed only where ALLOW_LOOPBACK_URLS=true (development)",
      };
  } else if (url.protocol !== "https:") {
    return { ok: false, reason: "http is allowed only for loopback in development; use https" };
  }
  return { ok: true, origin: url.origin };
}
