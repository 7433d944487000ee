/**
 * Which user-supplied URLs Opsdeck will call (RPC endpoints, outbound webhooks): https to a
 * public DNS name on an ordinary port, no credentials. The Worker cannot resolve DNS, so the
 * check is on the name as written: IP literals in every form the WHATWG parser accepts, local
 * suffixes, and wildcard-DNS services that turn a name into an embedded address are refused.
 * Production Workers cannot reach private ranges from Cloudflare's edge anyway, but
 * `wrangler dev` can reach loopback and the LAN, so the app checks itself. Local development
 * may allow loopback explicitly (ALLOW_LOOPBACK_URLS=true).
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
/**
 * Public wildcard-DNS services that answer `127.0.0.1.nip.io` (or every name) with a private
 * address. Refused outright: their embedded-address syntaxes (dashes, hex) vary too much to
 * parse safely, and nothing legitimate sends alerts or RPC through them.
 */
const REBINDING_DOMAINS = [
  "nip.io",
  "sslip.io",
  "xip.io",
  "localtest.me",
  "lvh.me",
  "vcap.me",
  "traefik.me",
  "local.gd",
];
/** Exactly as `new URL()` spells them; a trailing-dot or mapped form is never loopback here. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** IPv4 ranges no outbound call should reach: [network as a number, prefix, what it is]. */
const IPV4_RANGES: [number, number, string][] = [
  [0x00000000, 8, "an unspecified"],
  [0x0a000000, 8, "a private"],
  [0x64400000, 10, "a shared (CGNAT)"],
  [0x7f000000, 8, "a loopback"],
  [0xa9fe0000, 16, "a link-local (cloud metadata)"],
  [0xac100000, 12, "a private"],
  [0xc0000000, 24, "a reserved"],
  [0xc0a80000, 16, "a private"],
  [0xc6120000, 15, "a benchmarking"],
  [0xe0000000, 4, "a multicast"],
  [0xf0000000, 4, "a reserved"],
];

function ipv4Kind(value: number): string | undefined {
  for (const [base, prefix, kind] of IPV4_RANGES) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((value & mask) >>> 0 === base) return kind;
  }
  return undefined;
}

function parseIpv4(host: string): number | undefined {
  // The WHATWG parser already turns 0x7f.1, 127.1, 2130706433 and 017700000001 into 127.0.0.1.
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

/** The eight groups of a bracketed IPv6 literal as the parser serialises it (hex, `::`). */
function parseIpv6(host: string): number[] | undefined {
  if (!host.startsWith("[") || !host.endsWith("]")) return undefined;
  const [head, tail, ...rest] = host.slice(1, -1).split("::");
  if (head === undefined || rest.length > 0) return undefined;
  const groups = (part: string | undefined) =>
    part ? part.split(":").map((g) => Number.parseInt(g, 16)) : [];
  const left = groups(head);
  const right = groups(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...Array<number>(Math.max(fill, 0)).fill(0), ...right];
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? all
    : undefined;
}

/** "a private" → "private": the range of an embedded IPv4 address, after its own article. */
function mapped(kind: string | undefined): string {
  return kind ? kind.replace(/^an? /, "") : "public IPv4";
}

function ipv6Kind(g: number[]): string | undefined {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, l = 0] = g;
  const embedded = ((h << 16) | l) >>> 0;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
    if (f === 0xffff) return `an IPv4-mapped ${mapped(ipv4Kind(embedded))}`;
    if (f === 0 && h === 0 && l === 0) return "an unspecified";
    if (f === 0 && h === 0 && l === 1) return "a loopback";
    if (f === 0) return "an IPv4-compatible";
  }
  if (a === 0x64 && b === 0xff9b) return `a NAT64 ${mapped(ipv4Kind(embedded))}`;
  if ((a & 0xfe00) === 0xfc00) return "a unique local (private)";
  if ((a & 0xffc0) === 0xfe80) return "a link-local";
  if ((a & 0xffc0) === 0xfec0) return "a site-local";
  if ((a & 0xff00) === 0xff00) return "a multicast";
  return undefined;
}

/** Why an IP literal is refused: its range when it is a non-public one. */
function ipLiteralReason(host: string): string | undefined {
  const v4 = parseIpv4(host);
  if (v4 !== undefined) {
    const kind = ipv4Kind(v4);
    return kind
      ? `${host} is ${kind} address`
      : "IP addresses are not allowed; use a public DNS name";
  }
  if (host.startsWith("[")) {
    const groups = parseIpv6(host);
    const kind = groups && ipv6Kind(groups);
    return kind
      ? `${host} is ${kind} address`
      : "IP addresses are not allowed; use a public DNS name";
  }
  return undefined;
}

/**
 * Checks a user-supplied outbound URL against the SSRF policy.
 *
 * @example
 * checkOutboundUrl("https://hooks.slack.com/services/T/B/x"); // { ok: true, url }
 * checkOutboundUrl("https://127.0.0.1.nip.io/"); // { ok: false, reason: "… wildcard DNS …" }
 */
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
  // The parser lowercases, punycodes (IDNA) and canonicalises IPv4; only the trailing dot of
  // a fully qualified name (`localhost.`) is left for us to strip, once.
  const parsed = url.hostname.toLowerCase();
  if (
    options.allowLoopback &&
    LOOPBACK_HOSTS.has(parsed) &&
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
  const host = parsed.endsWith(".") ? parsed.slice(0, -1) : parsed;
  if (host === "" || host.split(".").some((label) => label === ""))
    return { ok: false, reason: `${parsed} has an empty label` };
  const ipReason = ipLiteralReason(host);
  if (ipReason) return { ok: false, reason: ipReason };
  if (host === "localhost" || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) {
    return { ok: false, reason: `${host} is a local or internal name` };
  }
  if (REBINDING_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`)))
    return {
      ok: false,
      reason: `${host} is on a wildcard DNS service that can point at a private address`,
    };
  if (!host.includes(".")) return { ok: false, reason: "single-label host names are not allowed" };
  const port = url.port === "" ? 443 : Number(url.port);
  if (port !== 443 && port < 1024) return { ok: false, reason: `port ${port} is not allowed` };
  return { ok: true, url };
}
