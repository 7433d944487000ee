import { h } from "preact";
import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { Snapshot } from "../../schema";
import { PanelContent } from "../../web/components/panels";
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
});
