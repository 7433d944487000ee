import { describe, expect, it } from "vitest";
import { checkOutboundUrl } from "../../lib/url-policy";

describe("outbound URL policy (SSRF)", () => {
  it.each([
    "http://rpc.example.com",
    "https://127.0.0.1",
    "https://[::1]",
    "https://10.0.0.5",
    "https://169.254.169.254/latest/meta-data",
    "https://0x7f000001",
    "https://2130706433",
    "https://localhost",
    "https://foo.internal",
    "https://printer.local",
    "file:///etc/passwd",
    "gopher://example.com",
    "https://user:pass@rpc.example.com",
    "https://rpc.example.com:22",
    "https://intranet",
    "not a url",
  ])("refuses %s", (raw) => {
    const verdict = checkOutboundUrl(raw);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason.length).toBeGreaterThan(5);
  });

  it.each([
    "https://rpc.example.com",
    "https://eth-mainnet.provider.io/v2/key",
    "https://rpc.example.com:8545/",
  ])("allows %s", (raw) => {
    expect(checkOutboundUrl(raw).ok).toBe(true);
  });

  it("allows loopback only when development explicitly enables it", () => {
    expect(checkOutboundUrl("http://127.0.0.1:8545").ok).toBe(false);
    expect(checkOutboundUrl("http://127.0.0.1:8545", { allowLoopback: true }).ok).toBe(true);
    expect(checkOutboundUrl("http://10.0.0.5:8545", { allowLoopback: true }).ok).toBe(false);
    expect(checkOutboundUrl("http://u:p@127.0.0.1:8545", { allowLoopback: true }).ok).toBe(false);
  });
});
