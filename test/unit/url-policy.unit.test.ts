import { describe, expect, it } from "vitest";
import { checkOutboundUrl } from "../../lib/url-policy";

/** Hostile URL → the reason the policy gives, whether or not loopback is allowed. */
const HOSTILE: [string, string][] = [
  ["http://rpc.example.com", "scheme http: is not allowed; use https"],
  ["https://127.0.0.1", "127.0.0.1 is a loopback address"],
  ["https://127.0.0.1./", "127.0.0.1 is a loopback address"],
  ["https://127.1", "127.0.0.1 is a loopback address"],
  ["https://0x7f.1", "127.0.0.1 is a loopback address"],
  ["https://0x7f000001", "127.0.0.1 is a loopback address"],
  ["https://2130706433", "127.0.0.1 is a loopback address"],
  ["https://017700000001", "127.0.0.1 is a loopback address"],
  ["https://%31%32%37.0.0.1", "127.0.0.1 is a loopback address"],
  ["https://0", "0.0.0.0 is an unspecified address"],
  ["https://10.0.0.5", "10.0.0.5 is a private address"],
  ["https://172.16.3.4", "172.16.3.4 is a private address"],
  ["https://192.168.1.1.", "192.168.1.1 is a private address"],
  ["https://100.64.0.1", "100.64.0.1 is a shared (CGNAT) address"],
  ["https://169.254.169.254/latest/meta-data", "link-local (cloud metadata) address"],
  ["https://8.8.8.8", "IP addresses are not allowed; use a public DNS name"],
  ["https://[::1]", "[::1] is a loopback address"],
  ["https://[::]", "[::] is an unspecified address"],
  ["https://[::ffff:127.0.0.1]", "[::ffff:7f00:1] is an IPv4-mapped loopback address"],
  ["https://[::ffff:a9fe:a9fe]", "IPv4-mapped link-local (cloud metadata) address"],
  ["https://[::127.0.0.1]", "[::7f00:1] is an IPv4-compatible address"],
  ["https://[64:ff9b::10.0.0.1]", "NAT64 private address"],
  ["https://[fc00::1]", "[fc00::1] is a unique local (private) address"],
  ["https://[fd00:ec2::254]", "unique local (private) address"],
  ["https://[fe80::1]", "[fe80::1] is a link-local address"],
  ["https://[2606:4700::1111]", "IP addresses are not allowed; use a public DNS name"],
  ["https://localhost", "localhost is a local or internal name"],
  ["https://localhost./", "localhost is a local or internal name"],
  ["https://LocalHost.", "localhost is a local or internal name"],
  ["https://localhost../", "localhost.. has an empty label"],
  ["https://a.localhost", "a.localhost is a local or internal name"],
  ["https://foo.internal", "foo.internal is a local or internal name"],
  ["https://metadata.google.internal.", "metadata.google.internal is a local or internal name"],
  ["https://printer.local.", "printer.local is a local or internal name"],
  ["https://127.0.0.1.nip.io", "127.0.0.1.nip.io is on a wildcard DNS service"],
  ["https://app-7f000001.NIP.io./", "app-7f000001.nip.io is on a wildcard DNS service"],
  ["https://10-0-0-5.sslip.io", "10-0-0-5.sslip.io is on a wildcard DNS service"],
  ["https://10.0.0.5.xip.io", "10.0.0.5.xip.io is on a wildcard DNS service"],
  ["https://app.localtest.me", "app.localtest.me is on a wildcard DNS service"],
  ["https://lvh.me", "lvh.me is on a wildcard DNS service"],
  ["https://x.lvh.me.", "x.lvh.me is on a wildcard DNS service"],
  ["file:///etc/passwd", "scheme file: is not allowed; use https"],
  ["gopher://example.com", "scheme gopher: is not allowed; use https"],
  ["https://user:pass@rpc.example.com", "credentials in the URL are not allowed"],
  ["https://rpc.example.com:22", "port 22 is not allowed"],
  ["https://intranet", "single-label host names are not allowed"],
  ["https://intranet.", "single-label host names are not allowed"],
  ["not a url", "not an absolute URL"],
];

/** The parser turns these into the loopback hosts exactly, which development may allow. */
const SAME_AS_LOOPBACK = new Set([
  "https://127.0.0.1",
  "https://127.0.0.1./",
  "https://127.1",
  "https://0x7f.1",
  "https://0x7f000001",
  "https://2130706433",
  "https://017700000001",
  "https://%31%32%37.0.0.1",
  "https://[::1]",
  "https://localhost",
]);

const PUBLIC = [
  "https://rpc.example.com",
  "https://rpc.example.com./",
  "https://eth-mainnet.provider.io/v2/key",
  "https://rpc.example.com:8545/",
  "https://hooks.slack.com/services/T0/B0/x",
  "https://bücher.example/hook",
  "https://nip.io.example.com/",
  "https://127.0.0.1.example.com/",
];

describe("outbound URL policy (SSRF)", () => {
  describe.each([false, true])("with allowLoopback %s", (allowLoopback) => {
    it.each(HOSTILE)("refuses %s: %s", (raw, reason) => {
      const verdict = checkOutboundUrl(raw, { allowLoopback });
      if (allowLoopback && SAME_AS_LOOPBACK.has(raw)) return expect(verdict.ok).toBe(true);
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.reason).toContain(reason);
    });

    it.each(PUBLIC)("allows %s", (raw) => {
      expect(checkOutboundUrl(raw, { allowLoopback }).ok).toBe(true);
    });
  });

  it("keeps the host as the parser normalised it (lowercase, punycode)", () => {
    const verdict = checkOutboundUrl("https://BÜCHER.Example/hook");
    expect(verdict.ok && verdict.url.hostname).toBe("xn--bcher-kva.example");
  });

  it("allows loopback only when development explicitly enables it, and only as written", () => {
    expect(checkOutboundUrl("http://127.0.0.1:8545").ok).toBe(false);
    expect(checkOutboundUrl("http://127.0.0.1:8545", { allowLoopback: true }).ok).toBe(true);
    expect(checkOutboundUrl("http://localhost:8545", { allowLoopback: true }).ok).toBe(true);
    expect(checkOutboundUrl("http://[::1]:8545", { allowLoopback: true }).ok).toBe(true);
    expect(checkOutboundUrl("http://10.0.0.5:8545", { allowLoopback: true }).ok).toBe(false);
    expect(checkOutboundUrl("http://u:p@127.0.0.1:8545", { allowLoopback: true }).ok).toBe(false);
    // Aliases of loopback are not the explicit development hosts.
    for (const alias of [
      "http://localhost.:8545",
      "http://[::ffff:127.0.0.1]:8545",
      "http://127.0.0.1.nip.io:8545",
      "http://127.0.0.2:8545",
    ])
      expect(checkOutboundUrl(alias, { allowLoopback: true }).ok).toBe(false);
  });
});
