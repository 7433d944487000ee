import { h } from "preact";
import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { Anomaly, Snapshot } from "../../schema";
import { PanelContent } from "../../web/components/panels";
import { MetricDetail } from "../../web/pages/metric";
import { makeAlert } from "../helpers/seed";

const XSS = "<script>alert(1)</script>";
const NOW = Date.parse("2026-11-20T12:00:00.000Z");

function snapshot(alerts: Snapshot["alerts"]): Snapshot {
  return {
    workspace: { id: "demo", name: "Demo" },
    seq: 1,
    metrics: [
      {
        id: "queue.depth",
        label: "Queue depth",
        value: 500,
        change: 0,
        trend: "up",
        status: "healthy",
        source: "api",
        updatedAt: new Date(NOW).toISOString(),
      },
    ],
    alerts,
    incidents: [],
    deployments: [],
    pipelines: [],
    awsServices: [],
    web3Networks: [],
    activity: [],
    security: [],
    sources: [],
    anomalies: [],
  };
}

const anomaly = (status: "firing" | "resolved", score = "0.983") =>
  makeAlert({
    source: "anomaly",
    status,
    severity: "warning",
    title: `Anomaly on ${XSS}`,
    labels: { alertname: "anomaly", metric: "queue.depth", source: "api" },
    annotations: { score, expected_low: "50.1234", expected_high: "64.5678" },
  });

const draw = (panel: "alerts" | "metrics", s: Snapshot) =>
  render(h(PanelContent, { panel, snapshot: s, now: NOW }));

describe("anomalies on the dashboard", () => {
  it("shows an anomaly alert's score and expected band, escaped", () => {
    const html = draw("alerts", snapshot([anomaly("firing", `0.9${XSS}`)]));
    expect(html).toContain("expected 50.12–64.57");
    expect(html).toContain("anomaly score 0.9&lt;script>");
    expect(html).not.toContain(XSS);
  });

  it("badges the metric card of a series with an open anomaly, not a closed one", () => {
    expect(draw("metrics", snapshot([anomaly("firing")]))).toContain(">anomaly</span>");
    expect(draw("metrics", snapshot([anomaly("resolved")]))).not.toContain(">anomaly</span>");
  });

  it("draws the expected band and marks the triggering points on the series' chart", () => {
    const at = (min: number) => new Date(NOW - min * 60_000).toISOString();
    const points = Array.from({ length: 50 }, (_, i) => ({
      timestamp: at(50 - i),
      value: 50 + (i % 10),
    }));
    const found: Anomaly = {
      id: "an.q.1",
      alertId: "an.q.1",
      seriesId: "queue.depth",
      source: "api",
      label: XSS,
      score: 0.98,
      expected: { low: 48, high: 62 },
      points: [{ timestamp: at(20), value: 500, score: 0.98, expected: { low: 48, high: 62 } }],
      pointCount: 1,
      openedAt: at(20),
      closedAt: at(10),
      status: "resolved",
      feedback: { verdict: "true_positive", by: "operator-bot", at: at(5), note: XSS },
    };
    const html = render(
      MetricDetail({
        workspace: "demo",
        metric: snapshot([]).metrics[0]!,
        points,
        range: "1h",
        thresholds: { cpu: 90, memory: 90, disk: 90 },
        rules: [],
        role: "viewer",
        now: NOW,
        anomalies: [found],
        detection: {
          id: "queue.depth",
          enabled: true,
          sensitivity: 0.5,
          adjustment: 0,
          expectedWindows: [],
          truePositives: 1,
          falsePositives: 0,
          examples: [],
          updatedAt: at(5),
          threshold: 0.8,
          precision: 1,
          points: 300,
          stateBytes: 2800,
        },
      }),
    );
    expect(html).toContain('class="chart-band"');
    expect(html).toContain('class="chart-mark"');
    expect(html).toContain("precision from feedback: 100% of 1 judged");
    expect(html).toContain("judged true positive by operator-bot");
    expect(html).not.toContain(XSS);
  });
});
