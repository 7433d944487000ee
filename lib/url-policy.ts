/**
 * Which user-supplied URLs Opsdeck will call (RPC endpoints, outbound webhooks): https to a
 * public DNS name on an ordinary port, no credentials. Production Workers cannot fetch IP
 * literals anyway, but `wrangler dev` can reach loopback and the LAN, so the app checks itself.
 * Local development may allow loopback explicitly (ALLOW_LOOPBACK_URLS=true).
 */
export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

const BLOCKED_SUFFIXES = [
  ".localhost",
  ".local",
  ".internal",
  ".localdomain",
  ".home.arpa",
  ".intranet",
  ".lan",
  ".corp",
];
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function isIpLiteral(hostname: string): boolean {
  // WHATWG URL parsing already normalises 0x7f000001, 2130706433 and 017700000001 to dotted form.
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith("[");
}

export function checkOutboundUrl(
  raw: string,
  options: { allowLoopback?: boolean } = {},
): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not an absolute URL" };
  }
  const host = url.hostname.toLowerCase();
  if (
    options.allowLoopback &&
    LOOPBACK_HOSTS.has(host) &&
    (url.protocol === "http:" || url.protocol === "https:")
  ) {
    return url.username || url.password
      ? { ok: false, reason: "credentials in the URL are not allowed" }
      : { ok: true, url };
  }
  if (url.protocol !== "https:")
    return { ok: false, reason: `scheme ${url.protocol} is not allowed; use https` };
  if (url.username || url.password)
    return { ok: false, reason: "credentials in the URL are not allowed" };
  if (isIpLiteral(host))
    return { ok: false, reason: "IP addresses are not allowed; use a public DNS name" };
  if (host === "localhost" || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) {
    return { ok: false, reason: `${host} is a local or internal name` };
  }
  if (!host.includes(".")) return { ok: false, reason: "single-label host names are not allowed" };
  const port = url.port === "" ? 443 : Number(url.port);
  if (port !== 443 && port < 1024) return { ok: false, reason: `port ${port} is not allowed` };
  return { ok: true, url };
}
