import { describe, expect, it } from "vitest";
import type { Pipeline, Snapshot } from "../../schema";
import { BACKOFF_CAP_MS, backoffDelay } from "../../web/client/backoff";
import { LIST_CAPS } from "../../schema";
import { applyFrame, applyPolled, type LiveState } from "../../web/client/state";

const at = "2026-11-20T12:00:00.000Z";

function state(overrides: Partial<Snapshot> = {}, polledAt: LiveState["polledAt"] = {}): LiveState {
  return {
    snapshot: {
      workspace: { id: "demo", name: "Demo" },
      seq: 10,
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
      anomalies: [],
      ...overrides,
    },
    polledAt,
  };
}

const metric = (value: number) => ({
  id: "cpu",
  label: "CPU",
  value,
  change: 0,
  trend: "stable",
  status: "healthy",
  source: "api",
});

const run = (id: string, status: Pipeline["status"]): Pipeline => ({
  id,
  name: id,
  branch: "main",
  commit: "abc",
  author: "ana",
  status,
  stages: [],
  source: "github",
});

describe("applyFrame", () => {
  it("replaces a list, advances seq and names only the changed panel", () => {
    const result = applyFrame(state(), { type: "metrics", payload: [metric(42)], seq: 11, ts: at });
    expect(result.kind).toBe("applied");
    if (result.kind !== "applied") return;
    expect(result.state.snapshot.metrics).toEqual([metric(42)]);
    expect(result.state.snapshot.seq).toBe(11);
    expect(result.changed).toEqual(["metrics"]);
  });

  it("maps the contract's frame names onto the snapshot's panels", () => {
    for (const [type, panel] of [
      ["aws-services", "awsServices"],
      ["web3-networks", "web3Networks"],
      ["security", "security"],
      ["alerts", "alerts"],
      ["anomalies", "anomalies"],
    ] as const) {
      const result = applyFrame(state(), { type, payload: [], seq: 11, ts: at });
      // Alerts carry the anomaly badges of metric cards and what changed near an anomaly, so
      // they redraw the metrics and the Anomalies panel too.
      const redrawn = panel === "alerts" ? ["alerts", "metrics", "anomalies"] : [panel];
      expect(result.kind === "applied" && result.changed).toEqual(redrawn);
    }
  });

  it("ignores replays at or below the last applied seq", () => {
    expect(applyFrame(state(), { type: "metrics", payload: [], seq: 10, ts: at }).kind).toBe(
      "ignored",
    );
    expect(applyFrame(state(), { type: "metrics", payload: [], seq: 3, ts: at }).kind).toBe(
      "ignored",
    );
  });

  it("ignores unknown types, pings, pongs and malformed frames without failing", () => {
    for (const frame of [
      { type: "pong" },
      { type: "ping", payload: null, seq: 10, ts: at },
      { type: "charts", payload: [], seq: 11, ts: at },
      { type: "metrics", payload: "nope", seq: 11, ts: at },
      { type: "metrics", payload: [] },
      null,
      "text",
      [1, 2],
    ]) {
      expect(applyFrame(state(), frame).kind).toBe("ignored");
    }
  });

  it("takes a snapshot whole, even one older than the page (a reset server), and clears polled marks", () => {
    const fresh = state({ seq: 2, metrics: [] }).snapshot;
    const result = applyFrame(state({}, { metrics: at }), {
      type: "snapshot",
      payload: fresh,
      seq: 2,
      ts: at,
    });
    expect(result.kind === "applied" && result.state).toEqual({ snapshot: fresh, polledAt: {} });
    expect(result.kind === "applied" && result.changed).toBe("all");
  });

  it("upserts one pipeline run: replaces a known one in place, puts a new one first", () => {
    const start = state({ pipelines: [run("a", "running"), run("b", "success")] });
    const updated = applyFrame(start, {
      type: "pipeline",
      payload: run("b", "failed"),
      seq: 11,
      ts: at,
    });
    expect(
      updated.kind === "applied" && updated.state.snapshot.pipelines.map((p) => p.status),
    ).toEqual(["running", "failed"]);
    const added = applyFrame(start, {
      type: "pipeline",
      payload: run("c", "pending"),
      seq: 11,
      ts: at,
    });
    expect(added.kind === "applied" && added.state.snapshot.pipelines.map((p) => p.id)).toEqual([
      "c",
      "a",
      "b",
    ]);
  });

  it("prepends activity, without duplicates, up to the snapshot's cap", () => {
    const item = (id: string) => ({ id, type: "alert", title: id, description: "", timestamp: at });
    const old = Array.from({ length: LIST_CAPS.activity }, (_, i) => item(`old-${i}`));
    const result = applyFrame(state({ activity: old as Snapshot["activity"] }), {
      type: "activity",
      payload: [item("new"), item("old-0")],
      seq: 11,
      ts: at,
    });
    if (result.kind !== "applied") throw new Error("not applied");
    const ids = result.state.snapshot.activity.map((a) => a.id);
    expect(ids.slice(0, 3)).toEqual(["new", "old-0", "old-1"]);
    expect(ids).toHaveLength(LIST_CAPS.activity);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("redraws every panel when sources change (empty panels explain themselves by them)", () => {
    const result = applyFrame(state(), { type: "sources", payload: [], seq: 11, ts: at });
    expect(result.kind === "applied" && result.changed).toBe("all");
  });

  it("surfaces error frames", () => {
    const result = applyFrame(state(), {
      type: "error",
      payload: { code: "invalid_frame", message: "Expected JSON." },
      seq: 10,
      ts: at,
    });
    expect(result).toEqual({ kind: "error", message: "Expected JSON." });
  });

  it("marks polled lists, and a live frame for that panel clears the mark", () => {
    const polled = applyPolled(state(), "metrics", [metric(7)], at);
    expect(polled.polledAt).toEqual({ metrics: at });
    expect(polled.snapshot.seq).toBe(10);
    const live = applyFrame(polled, { type: "metrics", payload: [metric(8)], seq: 11, ts: at });
    expect(live.kind === "applied" && live.state.polledAt).toEqual({});
  });
});

describe("backoffDelay", () => {
  it("doubles with jitter in the upper half of the window and stays under the cap", () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(0, () => 1)).toBe(1000);
    expect(backoffDelay(3, () => 0)).toBe(4000);
    expect(backoffDelay(3, () => 1)).toBe(8000);
    for (const attempt of [5, 10, 50, 1000]) {
      expect(backoffDelay(attempt, () => 1)).toBe(BACKOFF_CAP_MS);
      expect(backoffDelay(attempt, () => 0)).toBe(BACKOFF_CAP_MS / 2);
    }
  });
});
