import { describe, expect, it } from "vitest";
import { alertFrameGap } from "../../durable-objects/capabilities/outlet";
import {
  alertIdFor,
  safeUrl,
  severityHealth,
  severityOf,
  shortHash,
} from "../../durable-objects/domain/alert-ingest";
import { TokenBuckets } from "../../lib/token-bucket";
import {
  labelPatternProblem,
  matcherMatches,
  type LabelMatcher,
  type Severity,
} from "../../schema";

describe("alert normalisation", () => {
  it("maps labels.severity, case-insensitively, and everything else to warning", () => {
    expect(
      ["critical", "ERROR", " Warning ", "info"].map((s) => severityOf({ severity: s })),
    ).toEqual(["critical", "error", "warning", "info"]);
    expect(["page", "P1", "high", ""].map((s) => severityOf({ severity: s }))).toEqual([
      "warning",
      "warning",
      "warning",
      "warning",
    ]);
    expect(severityOf({})).toBe("warning");
  });

  it("keeps only absolute http(s) URLs", () => {
    expect(safeUrl("https://runbooks.example.com/a?b=1")).toBe(
      "https://runbooks.example.com/a?b=1",
    );
    expect(safeUrl("http://prometheus:9090/graph")).toBe("http://prometheus:9090/graph");
    for (const bad of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "data:text/html,x",
      "/relative",
      "vbscript:x",
      "",
      undefined,
    ])
      expect(safeUrl(bad)).toBeUndefined();
    expect(safeUrl(`https://x.example/${"a".repeat(2000)}`)).toBeUndefined();
  });

  it("gives one id per source, fingerprint and start; unsafe fingerprints are hashed", () => {
    const a = alertIdFor("alertmanager", "59d7a84a7536c84e", "2026-01-01T00:00:00.000Z");
    expect(a).toBe(`am.59d7a84a7536c84e.${Date.parse("2026-01-01T00:00:00Z")}`);
    expect(alertIdFor("grafana", "59d7a84a7536c84e", "2026-01-01T00:00:00.000Z")).not.toBe(a);
    expect(alertIdFor("alertmanager", "59d7a84a7536c84e", "2026-01-02T00:00:00.000Z")).not.toBe(a);
    expect(alertIdFor("alertmanager", "../../etc", "2026-01-01T00:00:00Z")).toMatch(
      /^am\.h[0-9a-f]{14}\.\d+$/,
    );
    expect(shortHash("a")).not.toBe(shortHash("b"));
  });
});

describe("silence matchers (Alertmanager semantics)", () => {
  const m = (name: string, op: LabelMatcher["op"], value: string): LabelMatcher => ({
    name,
    op,
    value,
  });
  const labels = { alertname: "HighLatency", severity: "critical" };
  it("matches =, !=, =~ (anchored) and !~, treating a missing label as empty", () => {
    expect(matcherMatches(m("alertname", "=", "HighLatency"), labels)).toBe(true);
    expect(matcherMatches(m("alertname", "!=", "HighLatency"), labels)).toBe(false);
    expect(matcherMatches(m("alertname", "=~", "High.*"), labels)).toBe(true);
    expect(matcherMatches(m("alertname", "=~", "High"), labels)).toBe(false);
    expect(matcherMatches(m("severity", "!~", "warn.*|info"), labels)).toBe(true);
    expect(matcherMatches(m("team", "=", ""), labels)).toBe(true);
    expect(matcherMatches(m("team", "!=", ""), labels)).toBe(false);
  });

  it("refuses regexes that are invalid, too long or not RE2 (nested quantifiers are fine: RE2)", () => {
    expect(labelPatternProblem("High.*|Low")).toBeUndefined();
    expect(labelPatternProblem("(")).toMatch(/not a valid RE2 regular expression/);
    expect(labelPatternProblem("(a+)+$")).toBeUndefined();
    expect(labelPatternProblem("(x*)*")).toBeUndefined();
    expect(labelPatternProblem("(?=a)b")).toMatch(/not a valid RE2.*\(\?=/);
    expect(labelPatternProblem("(a)\\1")).toMatch(/not a valid RE2.*\\1/);
    expect(labelPatternProblem("a".repeat(1001))).toMatch(/1000/);
  });
});

describe("token buckets", () => {
  it("allows a burst, then refills at the rate, per key", () => {
    const buckets = new TokenBuckets(3, 2);
    const t = 1_000_000;
    expect([1, 2, 3].map(() => buckets.take("a", t).ok)).toEqual([true, true, true]);
    expect(buckets.take("a", t)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(buckets.take("b", t).ok).toBe(true);
    expect(buckets.take("a", t + 500).ok).toBe(true);
    expect(buckets.take("a", t + 500).ok).toBe(false);
    expect(buckets.take("a", t + 10_000).ok).toBe(true);
  });
});

describe("alert frame pacing", () => {
  it("keeps whole-list frames within the fan-out budget, between 250 ms and 5 s apart", () => {
    expect(alertFrameGap(20_000, 5)).toBe(250);
    expect(alertFrameGap(140_000, 100)).toBe(417);
    expect(alertFrameGap(140_000, 1000)).toBe(4172);
    expect(alertFrameGap(140_000, 32_768)).toBe(5000);
    expect(alertFrameGap(0, 0)).toBe(250);
  });
});

describe("feed badges for alerts", () => {
  it("marks firing alerts by severity, and gives info alerts no badge rather than 'healthy'", () => {
    expect(
      ["critical", "error", "warning", "info"].map((s) => severityHealth(s as Severity)),
    ).toEqual(["critical", "critical", "warning", undefined]);
  });
});
