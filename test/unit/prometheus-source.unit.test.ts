import { h } from "preact";
import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { PromCard, PrometheusIntegration } from "../../schema";
import { promSeriesId, readCard } from "../../providers/prometheus/map";
import { PrometheusSource } from "../../web/components/prometheus-source";

const card: PromCard = { id: "up", label: "Up", query: "up" };
const now = new Date("2026-01-01T00:00:00Z");
const at = now.getTime() / 1000;

describe("readCard", () => {
  it("keeps 20 series of a wide vector (in id order, every run the same) and counts the rest", () => {
    // Generated, not recorded: 25 series in the documented vector shape.
    const result = Array.from({ length: 25 }, (_, i) => ({
      metric: { __name__: "up", instance: `host-${String(i).padStart(2, "0")}:9100` },
      value: [at, String(i)] as [number, string],
    }));
    const shuffled = [...result].reverse();
    const a = readCard(card, { data: { resultType: "vector", result }, warnings: [] }, now);
    const b = readCard(
      card,
      { data: { resultType: "vector", result: shuffled }, warnings: [] },
      now,
    );
    expect(a.report).toMatchObject({ series: 20, droppedSeries: 5, nonFinite: 0 });
    expect(a.samples.map((s) => s.metric).sort()).toEqual(b.samples.map((s) => s.metric).sort());
    expect(new Set(a.samples.map((s) => s.metric)).size).toBe(20);
  });

  it("skips every non-finite spelling and keeps 1e308", () => {
    const values = ["NaN", "+Inf", "-Inf", "1e308", "not a number"];
    const result = values.map((v, i) => ({
      metric: { i: String(i) },
      value: [at, v] as [number, string],
    }));
    const read = readCard(card, { data: { resultType: "vector", result }, warnings: [] }, now);
    expect(read.samples.map((s) => s.value)).toEqual([1e308]);
    expect(read.report.nonFinite).toBe(4);
  });

  it("never dates a point after now, and keeps a matrix's own times", () => {
    const result = [
      {
        metric: {},
        values: [
          [at - 30, "1"],
          [at + 600, "2"],
        ] as [number, string][],
      },
    ];
    const read = readCard(card, { data: { resultType: "matrix", result }, warnings: ["w"] }, now);
    expect(read.samples.map((s) => s.timestamp)).toEqual([
      "2025-12-31T23:59:30.000Z",
      now.toISOString(),
    ]);
    expect(read.samples[0]?.metric).toBe("up");
    expect(read.report.warnings).toEqual(["w"]);
  });

  it("names series by their labels, not their order, and ignores __name__", () => {
    const x = promSeriesId("up", { __name__: "up", job: "a", instance: "b" });
    expect(x).toBe(promSeriesId("up", { instance: "b", job: "a" }));
    expect(x).not.toBe(promSeriesId("up", { instance: "b", job: "a b" }));
    expect(x).toMatch(/^up:b_a-[0-9a-f]{8}$/);
    expect(promSeriesId("up", { __name__: "up" })).toBe("up");
  });
});

describe("PrometheusSource (settings)", () => {
  it("escapes hostile labels, queries and warnings, and shows no credential", () => {
    const hostile = '<script>alert("x")</script>';
    const view: PrometheusIntegration = {
      enabled: true,
      baseUrl: 'https://prom.example.com/"><img onerror=alert(1)>',
      authType: "bearer",
      credentialSet: true,
      cards: [
        {
          id: "up",
          label: hostile,
          query: `up{job="${hostile}"}`,
          report: {
            at: now.toISOString(),
            series: 3,
            droppedSeries: 2,
            nonFinite: 1,
            warnings: [hostile],
          },
        },
      ],
      limits: { cards: 10, seriesPerCard: 20 },
      source: { id: "prometheus", status: "live" },
    };
    const out = render(h(PrometheusSource, { prometheus: view }));
    expect(out).not.toContain("<script>");
    expect(out).not.toContain("<img");
    expect(out).toContain("&lt;script>");
    expect(out).toContain("3 series · 2 more not kept · 1 NaN/Inf skipped");
    expect(out).toContain("bearer, set");
    expect(render(h(PrometheusSource, { prometheus: undefined }))).toContain(
      "PUT api/integrations/prometheus",
    );
  });
});
