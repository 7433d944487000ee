import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChartDataPoint, Metric, MetricSamplesBody } from "../../schema";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

type Sample = MetricSamplesBody["samples"][number];

const push = (ws: TestWorkspace, body: unknown, token = ws.operator) =>
  call(`/w/${ws.id}/api/metrics/samples`, jsonInit("POST", body, token));

async function pushOk(ws: TestWorkspace, samples: Sample[], source?: string): Promise<void> {
  const res = await push(ws, { samples, ...(source ? { source } : {}) });
  expect(res.status, await res.clone().text()).toBe(202);
  expect(await res.json()).toEqual({ accepted: samples.length });
}

async function cards(ws: TestWorkspace, timeRange?: string): Promise<Record<string, Metric>> {
  const query = timeRange ? `?timeRange=${timeRange}` : "";
  const res = await call(`/w/${ws.id}/api/metrics${query}`, bearer(ws.viewer));
  expect(res.status).toBe(200);
  const { metrics } = (await res.json()) as { metrics: Metric[] };
  return Object.fromEntries(metrics.map((m) => [m.id, m]));
}

async function chart(ws: TestWorkspace, id: string, timeRange?: string) {
  const query = timeRange ? `?timeRange=${timeRange}` : "";
  const res = await call(`/w/${ws.id}/api/charts/${id}${query}`, bearer(ws.viewer));
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: ChartDataPoint[] }).data;
}

async function pointCount(ws: TestWorkspace): Promise<number> {
  return runInDurableObject(
    ws.stub,
    (_instance, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM metric_points").one().n,
  );
}

describe("POST api/metrics/samples", () => {
  it("needs operator: 401 without a credential, 403 for a viewer; nothing stored", async () => {
    const ws = await makeWorkspace("metrics");
    const body = { samples: [{ metric: "cpu", value: 10 }] };
    await expectProblem(
      await call(`/w/${ws.id}/api/metrics/samples`, jsonInit("POST", body)),
      401,
      "unauthenticated",
    );
    await expectProblem(await push(ws, body, ws.viewer), 403, "forbidden");
    expect(await pointCount(ws)).toBe(0);
    expect((await push(ws, body, ws.admin)).status).toBe(202);
  });

  it("a pushed sample becomes a card with its label, unit and source", async () => {
    const ws = await makeWorkspace("metrics");
    await pushOk(
      ws,
      [{ metric: "queue.depth", label: "Queue depth", unit: "jobs", value: 12 }],
      "ci",
    );
    const card = (await cards(ws))["queue.depth"]!;
    expect(card).toMatchObject({
      id: "queue.depth",
      label: "Queue depth",
      unit: "jobs",
      value: 12,
      change: 0,
      trend: "stable",
      status: "healthy",
      source: "ci",
    });
    expect(Date.now() - Date.parse(card.updatedAt!)).toBeLessThan(MINUTE);
    // A later sample without a label keeps the label; the newest value wins.
    await pushOk(ws, [{ metric: "queue.depth", value: 15 }]);
    expect((await cards(ws))["queue.depth"]).toMatchObject({ label: "Queue depth", value: 15 });
  });

  it("change is the percent change over the time range, with its trend", async () => {
    const ws = await makeWorkspace("metrics");
    await pushOk(ws, [
      { metric: "cpu", value: 80, timestamp: ago(20 * 60 * MINUTE) },
      { metric: "cpu", value: 40, timestamp: ago(50 * MINUTE) },
      { metric: "cpu", value: 50, timestamp: ago(30 * MINUTE) },
      { metric: "cpu", value: 60, timestamp: ago(1 * MINUTE) },
    ]);
    // 1h: from 40 (the oldest point inside the hour) to 60.
    expect((await cards(ws, "1h")).cpu).toMatchObject({ value: 60, change: 50, trend: "up" });
    expect((await cards(ws)).cpu).toMatchObject({ change: 50 });
    // 24h and 7d: from 80 to 60.
    expect((await cards(ws, "24h")).cpu).toMatchObject({ value: 60, change: -25, trend: "down" });
    expect((await cards(ws, "7d")).cpu).toMatchObject({ change: -25, trend: "down" });
    expect((await cards(ws, "30d")).cpu).toMatchObject({ change: -25, trend: "down" });
  });

  it("small changes are stable; a zero base gives 0 rather than Infinity", async () => {
    const ws = await makeWorkspace("metrics");
    await pushOk(ws, [
      { metric: "rps", value: 1000, timestamp: ago(40 * MINUTE) },
      { metric: "rps", value: 1005, timestamp: ago(1 * MINUTE) },
      { metric: "errors", value: 0, timestamp: ago(40 * MINUTE) },
      { metric: "errors", value: 7, timestamp: ago(1 * MINUTE) },
      { metric: "latency", value: 200, timestamp: ago(40 * MINUTE) },
      { metric: "latency", value: 100 / 3, timestamp: ago(1 * MINUTE) },
    ]);
    const all = await cards(ws);
    expect(all.rps).toMatchObject({ change: 0.5, trend: "stable" });
    expect(all.errors).toMatchObject({ change: 0, trend: "stable" });
    // Rounded to two decimals.
    expect(all.latency!.change).toBe(-83.33);
  });

  it("status follows the workspace thresholds (≥ threshold critical, within 10 warning)", async () => {
    const ws = await makeWorkspace("metrics");
    await pushOk(ws, [
      { metric: "cpu", value: 80 },
      { metric: "memory", value: 76 },
      { metric: "disk", value: 50 },
      { metric: "cpu.node-1", value: 95 },
      { metric: "requests", value: 10_000 },
    ]);
    let all = await cards(ws);
    expect(all.cpu!.status).toBe("critical");
    expect(all.memory!.status).toBe("warning");
    expect(all.disk!.status).toBe("healthy");
    expect(all["cpu.node-1"]!.status).toBe("critical");
    expect(all.requests!.status).toBe("healthy");

    const put = await call(
      `/w/${ws.id}/api/settings`,
      jsonInit("PUT", { thresholds: { cpu: 95.5, disk: 50 } }, ws.admin),
    );
    expect(put.status).toBe(200);
    all = await cards(ws);
    expect(all.cpu!.status).toBe("healthy");
    expect(all["cpu.node-1"]!.status).toBe("warning");
    expect(all.disk!.status).toBe("critical");
  });

  it("a series whose newest point is older than 10 minutes is offline", async () => {
    const ws = await makeWorkspace("metrics");
    await pushOk(ws, [
      { metric: "cpu", value: 99, timestamp: ago(11 * MINUTE) },
      { metric: "memory", value: 10, timestamp: ago(9 * MINUTE) },
    ]);
    const all = await cards(ws);
    expect(all.cpu).toMatchObject({ status: "offline", value: 99 });
    expect(all.memory).toMatchObject({ status: "healthy" });
  });

  it("a push publishes a metrics event with the fresh cards", async () => {
    const ws = await makeWorkspace("metrics");
    await pushOk(ws, [{ metric: "cpu", value: 42 }]);
    const events = await runInDurableObject(ws.stub, (_instance, state) =>
      state.storage.sql
        .exec<{ type: string; payload: string }>("SELECT type, payload FROM events")
        .toArray(),
    );
    expect(events.map((e) => e.type)).toEqual(["metrics"]);
    expect(JSON.parse(events[0]!.payload)).toMatchObject([{ id: "cpu", value: 42 }]);
  });

  it("accepts exactly 1000 samples and refuses 1001 with nothing stored", async () => {
    const ws = await makeWorkspace("metrics");
    const samples = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        metric: "load",
        value: i,
        timestamp: ago((i + 1) * 1000),
      }));
    const res = await push(ws, { samples: samples(1001) });
    const problem = (await expectProblem(res, 400, "validation_failed")) as {
      issues?: Array<{ path: string }>;
    };
    expect(problem.issues?.map((i) => i.path)).toContain("json.samples");
    expect(await pointCount(ws)).toBe(0);
    await pushOk(ws, samples(1000));
    expect(await pointCount(ws)).toBe(1000);
  });

  it("refuses new series beyond the workspace limit (422) and stores nothing of that batch", async () => {
    const ws = await makeWorkspace("metrics");
    const series = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ metric: `m${from + i}`, value: 1 }));
    await pushOk(ws, series(0, 200));
    const problem = (await expectProblem(
      await push(ws, { samples: [{ metric: "m0", value: 2 }, ...series(200, 1)] }),
      422,
      "series_limit",
    )) as { issues?: Array<{ path: string }> };
    expect(problem.issues?.map((i) => i.path)).toEqual(["json.samples"]);
    expect(await pointCount(ws)).toBe(200);
    // Existing series still take points.
    await pushOk(ws, [{ metric: "m0", value: 3 }]);
    expect(Object.keys(await cards(ws))).toHaveLength(200);
  });
});

describe("bad samples: 400 naming the field, nothing stored", () => {
  const ok = { metric: "cpu", value: 1 };
  const CASES: Array<[string, unknown, string]> = [
    ["no samples", { samples: [] }, "json.samples"],
    ["samples missing", {}, "json.samples"],
    ["samples not an array", { samples: { metric: "cpu" } }, "json.samples"],
    ["value as a string", { samples: [ok, { metric: "cpu", value: "1" }] }, "json.samples.1.value"],
    ["value null", { samples: [{ metric: "cpu", value: null }] }, "json.samples.0.value"],
    ["metric missing", { samples: [{ value: 1 }] }, "json.samples.0.metric"],
    ["metric traversal", { samples: [{ metric: "../etc", value: 1 }] }, "json.samples.0.metric"],
    [
      "metric with a space",
      { samples: [{ metric: "cpu load", value: 1 }] },
      "json.samples.0.metric",
    ],
    [
      "metric too long",
      { samples: [{ metric: "m".repeat(201), value: 1 }] },
      "json.samples.0.metric",
    ],
    ["label too long", { samples: [{ ...ok, label: "l".repeat(201) }] }, "json.samples.0.label"],
    ["label with NUL", { samples: [{ ...ok, label: "a\u0000b" }] }, "json.samples.0.label"],
    ["empty label", { samples: [{ ...ok, label: "" }] }, "json.samples.0.label"],
    ["unit too long", { samples: [{ ...ok, unit: "u".repeat(21) }] }, "json.samples.0.unit"],
    [
      "timestamp not ISO",
      { samples: [{ ...ok, timestamp: "yesterday" }] },
      "json.samples.0.timestamp",
    ],
    [
      "timestamp as epoch",
      { samples: [{ ...ok, timestamp: 1700000000 }] },
      "json.samples.0.timestamp",
    ],
    [
      "timestamp in the future",
      { samples: [{ ...ok, timestamp: new Date(Date.now() + 60 * MINUTE).toISOString() }] },
      "json.samples.0.timestamp",
    ],
    [
      "timestamp beyond retention",
      { samples: [{ ...ok, timestamp: ago(31 * 24 * 60 * MINUTE) }] },
      "json.samples.0.timestamp",
    ],
    ["unknown sample field", { samples: [{ ...ok, host: "a" }] }, "json.samples.0.host"],
    ["unknown body field", { samples: [ok], tags: {} }, "json.tags"],
    ["empty source", { source: "", samples: [ok] }, "json.source"],
    ["source too long", { source: "s".repeat(101), samples: [ok] }, "json.source"],
    ["source with NUL", { source: "a\u0000", samples: [ok] }, "json.source"],
  ];

  it.each(CASES)("%s", async (_name, body, path) => {
    const ws = await makeWorkspace("badmetrics");
    const problem = (await expectProblem(await push(ws, body), 400, "validation_failed")) as {
      issues?: Array<{ path: string }>;
    };
    expect(problem.issues?.map((i) => i.path)).toContain(path);
    expect(await pointCount(ws)).toBe(0);
    expect(await cards(ws)).toEqual({});
  });

  it("a number too large for a double is refused (JSON 1e999 parses as Infinity)", async () => {
    const ws = await makeWorkspace("badmetrics");
    const res = await call(`/w/${ws.id}/api/metrics/samples`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${ws.operator}` },
      body: '{"samples":[{"metric":"cpu","value":1e999}]}',
    });
    const problem = (await expectProblem(res, 400, "validation_failed")) as {
      issues?: Array<{ path: string }>;
    };
    expect(problem.issues?.map((i) => i.path)).toContain("json.samples.0.value");
    expect(await pointCount(ws)).toBe(0);
  });
});

describe("GET api/charts/:metricId", () => {
  it("averages points per bucket, oldest first, within the range only", async () => {
    const ws = await makeWorkspace("charts");
    // 1h buckets are 30 s wide, 24h buckets 15 min (whole 5-minute rollups); t0 starts one of
    // each, 5–20 minutes ago.
    const t0 = Math.floor((Date.now() - 5 * MINUTE) / (15 * MINUTE)) * 15 * MINUTE;
    const iso = (ms: number) => new Date(ms).toISOString();
    await pushOk(ws, [
      { metric: "cpu", value: 30, timestamp: iso(t0 + 60_000 + 5_000) },
      { metric: "cpu", value: 10, timestamp: iso(t0 + 1_000) },
      { metric: "cpu", value: 20, timestamp: iso(t0 + 2_000) },
      { metric: "cpu", value: 99, timestamp: ago(2 * 60 * MINUTE) },
    ]);
    expect(await chart(ws, "cpu")).toEqual([
      { timestamp: iso(t0), value: 15 },
      { timestamp: iso(t0 + 60_000), value: 30 },
    ]);
    const day = await chart(ws, "cpu", "24h");
    expect(day).toHaveLength(2);
    expect(day[0]!.value).toBe(99);
    // The three recent points share one 15-minute bucket.
    expect(day[1]!.value).toBe(20);
    const stamps = day.map((p) => Date.parse(p.timestamp));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    for (const stamp of stamps) expect(stamp % (15 * MINUTE)).toBe(0);
  });

  it("a known metric with no points in the range is an empty series, not an error", async () => {
    const ws = await makeWorkspace("charts");
    await pushOk(ws, [{ metric: "cpu", value: 1, timestamp: ago(3 * 60 * MINUTE) }]);
    expect(await chart(ws, "cpu", "1h")).toEqual([]);
    expect(await chart(ws, "cpu", "24h")).toHaveLength(1);
  });

  it("unknown metric 404, malformed id 400, bad range 400, no credential 401", async () => {
    const ws = await makeWorkspace("charts");
    await expectProblem(
      await call(`/w/${ws.id}/api/charts/nope`, bearer(ws.viewer)),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/charts/..%2F..%2Fx`, bearer(ws.viewer)),
      400,
      "validation_failed",
    );
    await pushOk(ws, [{ metric: "cpu", value: 1 }]);
    await expectProblem(
      await call(`/w/${ws.id}/api/charts/cpu?timeRange=90d`, bearer(ws.viewer)),
      400,
      "validation_failed",
    );
    await expectProblem(await call(`/w/${ws.id}/api/charts/cpu`), 401, "unauthenticated");
  });
});
