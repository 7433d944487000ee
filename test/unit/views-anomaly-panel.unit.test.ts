import { h } from "preact";
import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { AnomalyCard, Role, Snapshot } from "../../schema";
import { ANOMALY_PANEL, LIST_FRAME_BYTES } from "../../schema";
import { nearbyChanges } from "../../web/components/anomaly-nearby";
import { PanelContent } from "../../web/components/panels";
import { makeAlert, makeDeployment, makePipeline } from "../helpers/seed";

const XSS = "<script>alert(1)</script>";
const NOW = Date.parse("2026-11-20T12:00:00.000Z");
const ago = (min: number) => new Date(NOW - min * 60_000).toISOString();

function card(overrides: Partial<AnomalyCard> = {}): AnomalyCard {
  return {
    id: "an-1",
    alertId: "an-1",
    seriesId: "queue.depth",
    source: "api",
    label: `Queue ${XSS}`,
    score: 0.97,
    expected: { low: 50, high: 60 },
    points: [{ timestamp: ago(10), value: 500, score: 0.97, expected: { low: 50, high: 60 } }],
    pointCount: 1,
    openedAt: ago(10),
    status: "firing",
    unit: "jobs",
    spark: Array.from({ length: 40 }, (_, i) => ({ timestamp: ago(40 - i), value: 55 })),
    ...overrides,
  };
}

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    workspace: { id: "demo", name: "Demo" },
    seq: 1,
    metrics: [],
    alerts: [],
    incidents: [],
    deployments: [],
    pipelines: [],
    awsServices: [],
    web3Networks: [],
    activity: [],
    security: [],
    sources: [],
    anomalies: [card()],
    ...over,
  };
}

const draw = (s: Snapshot, role: Role) =>
  render(h(PanelContent, { panel: "anomalies", snapshot: s, now: NOW, role }));

describe("the Anomalies panel", () => {
  it("draws the sparkline with its band and marks, described in text, and escapes labels", () => {
    const html = draw(snapshot(), "viewer");
    expect(html).toContain('class="sparkline"');
    expect(html).toContain('class="chart-band"');
    expect(html.match(/class="chart-mark"/g)).toHaveLength(1);
    expect(html).toContain("40 points; expected 50 jobs–60 jobs; 1 anomalous point marked.");
    expect(html).toContain("score 0.97 · api · opened");
    expect(html).not.toContain(XSS);
  });

  it("offers the lifecycle and feedback to operators only, acknowledge only while firing", () => {
    const viewer = draw(snapshot(), "viewer");
    expect(viewer).not.toContain("<button");
    expect(viewer).not.toContain("/feedback");
    const operator = draw(snapshot(), "operator");
    for (const action of ["acknowledge", "resolve", "dismiss", "feedback"])
      expect(operator).toContain(`/w/demo/api/anomaly/an-1/${action}`);
    const acked = draw(snapshot({ anomalies: [card({ status: "acknowledged" })] }), "operator");
    expect(acked).not.toContain("/acknowledge");
    expect(acked).toContain("/resolve");
  });

  it("lists what changed in the window before, newest first, bounded; never the anomaly itself", () => {
    const s = snapshot({
      deployments: [
        makeDeployment({ id: "d-in", name: "api", timestamp: ago(20) }),
        makeDeployment({ id: "d-out", name: "old", timestamp: ago(41) }),
        makeDeployment({ id: "d-after", name: "later", timestamp: ago(5) }),
      ],
      pipelines: [makePipeline({ id: "p-in", name: "CI", startedAt: ago(15) })],
      alerts: [
        makeAlert({ id: "an-1", title: "itself", timestamp: ago(10) }),
        makeAlert({ id: "a-in", title: "disk full", timestamp: ago(12) }),
      ],
    });
    expect(nearbyChanges(s, card()).map((c) => c.id)).toEqual(["a-in", "p-in", "d-in"]);
    const many = snapshot({
      deployments: Array.from({ length: 9 }, (_, i) =>
        makeDeployment({ id: `d-${i}`, timestamp: ago(11 + i) }),
      ),
    });
    expect(nearbyChanges(many, card())).toHaveLength(ANOMALY_PANEL.nearby);
    expect(draw(s, "viewer")).toContain("deploy api to");
  });

  it("says so when none is open", () => {
    expect(draw(snapshot({ anomalies: [] }), "viewer")).toContain("No open anomaly.");
  });

  it("a full panel (20 cards, full sparklines and points) fits its frame budget", () => {
    const full = Array.from({ length: ANOMALY_PANEL.cards }, (_, i) =>
      card({
        id: `an-${i}`,
        label: "x".repeat(200),
        spark: Array.from({ length: ANOMALY_PANEL.sparkPoints }, (_, k) => ({
          timestamp: ago(60 - k),
          value: 123456.789 + k,
        })),
        points: Array.from({ length: 20 }, (_, k) => ({
          timestamp: ago(20 - k),
          value: 98765.4321,
          score: 0.987654,
          expected: { low: 12345.678, high: 23456.789 },
        })),
      }),
    );
    const bytes = JSON.stringify(full).length;
    // ~130 kB measured: about half the 256 KiB a list frame may carry.
    expect(bytes).toBeLessThan(LIST_FRAME_BYTES.other);
  });
});
