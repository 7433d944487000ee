import { describe, expect, it } from "vitest";
import {
  breachedStatus,
  breaches,
  evaluateRules,
  ruleCondition,
  ruleKey,
} from "../../durable-objects/domain/alert-rules";
import { worse } from "../../durable-objects/domain/metrics";
import { evaluateThresholds, latestReadings } from "../../durable-objects/domain/thresholds";
import type { AlertRule, MetricSample } from "../../schema";

const NOW = new Date("2026-03-01T12:00:00Z");
const later = (s: number) => new Date(NOW.getTime() + s * 1000);
const THRESHOLDS = { cpu: 80, memory: 85, disk: 90 };

const rule = (over: Partial<AlertRule> = {}): AlertRule => ({
  id: "r1",
  metric: "latency.p99",
  comparator: "gt",
  value: 250,
  severity: "critical",
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  createdBy: "ops",
  ...over,
});
const reading = (metric: string, value: number, unit = "ms"): MetricSample => ({
  metric,
  value,
  unit,
  label: metric,
});

describe("rule comparators", () => {
  it("compare strictly or inclusively, above or below", () => {
    expect([breaches(250, "gt", 250), breaches(251, "gt", 250)]).toEqual([false, true]);
    expect([breaches(250, "gte", 250), breaches(249, "gte", 250)]).toEqual([true, false]);
    expect([breaches(1, "lt", 1), breaches(0.5, "lt", 1)]).toEqual([false, true]);
    expect([breaches(1, "lte", 1), breaches(-3, "lte", -2)]).toEqual([true, true]);
  });

  it("read as people write them, with the unit", () => {
    expect(ruleCondition(rule(), "ms")).toBe("latency.p99 > 250 ms");
    expect(ruleCondition(rule({ comparator: "lte", value: 5 }), "%")).toBe("latency.p99 ≤ 5%");
    expect(ruleCondition(rule({ comparator: "gte" }))).toBe("latency.p99 ≥ 250");
  });
});

describe("rule evaluation", () => {
  it("opens one breach, stays quiet while broken, resolves on the good side, re-raises anew", () => {
    const first = evaluateRules([{ rule: rule(), reading: reading("latency.p99", 300) }], {}, NOW);
    expect(first.incoming).toHaveLength(1);
    expect(first.incoming[0]).toMatchObject({
      status: "firing",
      severity: "critical",
      fingerprint: "rule:r1",
      title: "latency.p99 > 250 ms",
      labels: { alertname: "latency.p99 > 250 ms", metric: "latency.p99", rule: "r1" },
    });
    expect(first.episodes).toEqual({ "rule:r1": NOW.toISOString() });

    const again = evaluateRules(
      [{ rule: rule(), reading: reading("latency.p99", 900) }],
      first.episodes,
      later(30),
    );
    expect(again.incoming).toEqual([]);

    const down = evaluateRules(
      [{ rule: rule(), reading: reading("latency.p99", 250) }],
      again.episodes,
      later(60),
    );
    expect(down.incoming).toEqual([
      expect.objectContaining({ id: first.incoming[0]!.id, status: "resolved" }),
    ]);
    expect(down.episodes).toEqual({});

    const next = evaluateRules(
      [{ rule: rule(), reading: reading("latency.p99", 260) }],
      down.episodes,
      later(90),
    );
    expect(next.incoming[0]!.id).not.toBe(first.incoming[0]!.id);
  });

  it("re-sends an open breach for an edit, and closes it for a deleted rule", () => {
    const open = { [ruleKey("r1")]: NOW.toISOString(), "gas:eth": NOW.toISOString() };
    const edited = evaluateRules(
      [
        {
          rule: rule({ name: "Slow", severity: "warning" }),
          reading: reading("latency.p99", 300),
          refresh: true,
        },
      ],
      open,
      later(5),
    );
    expect(edited.incoming[0]).toMatchObject({
      status: "firing",
      title: "Slow",
      severity: "warning",
    });
    expect(edited.episodes).toEqual(open);
    const closed = evaluateRules([{ rule: rule(), close: "was deleted" }], open, later(5));
    expect(closed.incoming[0]).toMatchObject({ status: "resolved" });
    expect(closed.incoming[0]!.message).toContain("was deleted");
    expect(closed.episodes).toEqual({ "gas:eth": NOW.toISOString() });
    // No reading and nothing to close: nothing to say.
    expect(evaluateRules([{ rule: rule() }], {}, NOW).incoming).toEqual([]);
  });

  it("judges thresholds and rules in one pass, keeping the threshold keys as they were", () => {
    const samples = [reading("cpu.web", 95, "%"), reading("latency.p99", 300)];
    const judged = latestReadings(samples, NOW, () => true);
    const result = evaluateThresholds(judged, THRESHOLDS, {}, NOW, [
      rule(),
      rule({ id: "r2", metric: "cpu.web", comparator: "gte", value: 90, severity: "warning" }),
      rule({ id: "r3", metric: "queue.depth" }),
    ]);
    expect(result.incoming.map((a) => a.fingerprint)).toEqual([
      "threshold:cpu.web",
      "rule:r1",
      "rule:r2",
    ]);
    expect(Object.keys(result.episodes).sort()).toEqual(["cpu.web", "rule:r1", "rule:r2"]);
  });
});

describe("card status from breached rules", () => {
  it("maps severities and keeps the worst per metric; the worse of threshold and rule wins", () => {
    const rules = [
      rule({ id: "a", metric: "m", severity: "warning" }),
      rule({ id: "b", metric: "m", severity: "error" }),
      rule({ id: "c", metric: "n", severity: "warning" }),
      rule({ id: "d", metric: "o", severity: "info" }),
      rule({ id: "e", metric: "p", severity: "critical" }),
    ];
    const episodes = { "rule:a": "x", "rule:b": "x", "rule:c": "x", "rule:d": "x" };
    const status = breachedStatus(rules, episodes);
    expect(Object.fromEntries(status)).toEqual({ m: "critical", n: "warning" });
    expect(worse("healthy", "warning")).toBe("warning");
    expect(worse("critical", "warning")).toBe("critical");
    expect(worse("warning", undefined)).toBe("warning");
  });
});
