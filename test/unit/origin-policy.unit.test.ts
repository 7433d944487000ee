import { describe, expect, it } from "vitest";
import { checkOrigin } from "../../lib/origin-policy";
import {
  MAX_CACHED_WORKSPACES,
  ORIGINS_TTL_MS,
  cachedWorkspaces,
  forgetAllowedOrigins,
  originAllowed,
} from "../../worker/lib/allowed-origins-cache";

describe("checkOrigin", () => {
  it("normalises to what a browser sends: lowercase, punycode, default port dropped", () => {
    const cases: Array<[string, string]> = [
      ["https://ops.example.com", "https://ops.example.com"],
      ["HTTPS://Ops.Example.COM:443", "https://ops.example.com"],
      ["https://ops.example.com:8443", "https://ops.example.com:8443"],
      ["https://bücher.example", "https://xn--bcher-kva.example"],
      ["https://203.0.113.7", "https://203.0.113.7"],
    ];
    for (const [raw, origin] of cases) expect(checkOrigin(raw), raw).toEqual({ ok: true, origin });
  });

  it("allows loopback origins, over http too, only where loopback is allowed", () => {
    const loopback: Array<[string, string]> = [
      ["http://LOCALHOST:5173", "http://localhost:5173"],
      ["http://127.0.0.1:80", "http://127.0.0.1"],
      ["http://127.0.0.2:9000", "http://127.0.0.2:9000"],
      ["https://[::1]:8443", "https://[::1]:8443"],
      ["http://0x7f000001:3000", "http://127.0.0.1:3000"],
    ];
    for (const [raw, origin] of loopback) {
      expect(checkOrigin(raw, { allowLoopback: true }), raw).toEqual({ ok: true, origin });
      const refused = checkOrigin(raw);
      expect(refused.ok, raw).toBe(false);
      if (!refused.ok) expect(refused.reason).toContain("ALLOW_LOOPBACK_URLS");
    }
  });

  it("refuses everything that is not exactly scheme://host[:port], with the reason", () => {
    const cases: Array<[string, RegExp]> = [
      ["*", /wildcards/],
      ["https://*.example.com", /wildcards/],
      ["null", /'null' origin/],
      ["ops.example.com", /expected https:\/\/host/],
      ["https:ops.example.com", /expected https:\/\/host/],
      ["//ops.example.com", /expected https:\/\/host/],
      ["https://", /expected https:\/\/host/],
      ["https://exa mple.com", /whitespace/],
      [" https://ops.example.com", /whitespace/],
      ["https://ops.example.com\n", /whitespace/],
      ["ftp://ops.example.com", /scheme ftp: is not allowed/],
      ["file:///etc/passwd", /scheme file: is not allowed/],
      ["chrome-extension://abcdef", /scheme chrome-extension: is not allowed/],
      ["javascript://alert(1)", /scheme javascript: is not allowed/],
      ["http://ops.example.com", /http is allowed only for loopback/],
      ["https://user@ops.example.com", /user info/],
      ["https://user:pw@ops.example.com", /user info/],
      ["https://@ops.example.com", /user info/],
      ["https://ops.example.com/", /use 'https:\/\/ops.example.com'/],
      ["https://ops.example.com/app", /no path/],
      ["https://ops.example.com?x=1", /no path, query/],
      ["https://ops.example.com#top", /fragment/],
      ["https://ops.example.com\\evil", /no path/],
      ["https://ops.example.com:0", /port 0/],
      ["https://ops.example.com:65536", /expected https:\/\/host/],
      ["https://ops.example.com:port", /expected https:\/\/host/],
    ];
    for (const [raw, reason] of cases) {
      const verdict = checkOrigin(raw, { allowLoopback: true });
      expect(verdict.ok, JSON.stringify(raw)).toBe(false);
      if (!verdict.ok) expect(verdict.reason, JSON.stringify(raw)).toMatch(reason);
    }
  });
});

describe("the isolate's allowed-origins cache", () => {
  const slug = () => `cache-${crypto.randomUUID().slice(0, 8)}`;

  it("reads a workspace's list once for many concurrent requests, again after the TTL", async () => {
    const id = slug();
    let reads = 0;
    const load = async () => {
      reads++;
      return ["https://app.example.com"];
    };
    const now = 1_000_000;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        originAllowed(id, i % 2 ? "https://app.example.com" : "https://evil.example", load, now),
      ),
    );
    expect(answers.filter(Boolean)).toHaveLength(25);
    expect(reads).toBe(1);
    await originAllowed(id, "https://app.example.com", load, now + ORIGINS_TTL_MS - 1);
    expect(reads).toBe(1);
    await originAllowed(id, "https://app.example.com", load, now + ORIGINS_TTL_MS);
    expect(reads).toBe(2);
    forgetAllowedOrigins(id);
    await originAllowed(id, "https://app.example.com", load, now + ORIGINS_TTL_MS);
    expect(reads).toBe(3);
  });

  it("answers a slug that names no workspace without reading anything", async () => {
    let reads = 0;
    const load = async () => {
      reads++;
      return [];
    };
    for (const bad of [undefined, "", "A", "../x", "x".repeat(64)])
      expect(await originAllowed(bad, "https://app.example.com", load, 0)).toBe(false);
    expect(reads).toBe(0);
  });

  it("does not remember a failed read", async () => {
    const id = slug();
    let reads = 0;
    const failing = async (): Promise<string[]> => {
      reads++;
      throw new Error("object unavailable");
    };
    await expect(originAllowed(id, "https://a.example", failing, 0)).rejects.toThrow();
    await expect(originAllowed(id, "https://a.example", failing, 0)).rejects.toThrow();
    expect(reads).toBe(2);
  });

  it("stays bounded however many slugs are tried", async () => {
    const load = async () => [];
    for (let i = 0; i < MAX_CACHED_WORKSPACES + 200; i++)
      await originAllowed(`flood-${i}`, "https://a.example", load, 0);
    expect(cachedWorkspaces()).toBeLessThanOrEqual(MAX_CACHED_WORKSPACES);
  });
});
