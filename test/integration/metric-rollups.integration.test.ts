import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChartDataPoint, Metric } from "../../schema";
import { bearer, call, jsonInit, makeWorkspace } from "../helpers/workspace";

const HOUR = 3_600_000;

async function push(id: string, token: string, points: Array<{ at: number; value: number }>) {
  for (let i = 0; i < points.length; i += 1000) {
    const samples = points.slice(i, i + 1000).map((p) => ({
      metric: "cpu.rollup",
      label: "CPU",
      unit: "%",
      value: p.value,
      timestamp: new Date(p.at).toISOString(),
    }));
    const res = await call(`/w/${id}/api/metrics/samples`, jsonInit("POST", { samples }, token));
    expect(res.status).toBe(202);
  }
}

describe("metric history rollups", () => {
  it("keeps raw points only for the short range and answers long ranges from rollups", async () => {
    const ws = await makeWorkspace("rollup");
    const now = Date.now();
    // Seven days at a 5-minute cadence, values climbing by day so averages are predictable.
    const points = Array.from({ length: 7 * 288 }, (_, i) => {
      const at = now - 7 * 24 * HOUR + i * 300_000 + 1000;
      return { at, value: 10 + Math.floor((at - (now - 7 * 24 * HOUR)) / (24 * HOUR)) * 10 };
    });
    await push(ws.id, ws.operator, points);

    const rows = await runInDurableObject(ws.stub, (_i, state) => ({
      raw: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM metric_points").one().n,
      fine: state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM metric_rollups WHERE res = 300000")
        .one().n,
      hourly: state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM metric_rollups WHERE res = 3600000")
        .one().n,
    }));
    expect(rows.raw).toBeLessThanOrEqual(3 * 12 + 1);
    expect(rows.fine).toBeLessThanOrEqual(26 * 12 + 1);
    expect(rows.hourly).toBeLessThanOrEqual(7 * 24 + 1);

    const chart = async (range: string) => {
      const res = await call(
        `/w/${ws.id}/api/charts/cpu.rollup?timeRange=${range}`,
        bearer(ws.viewer),
      );
      return ((await res.json()) as { data: ChartDataPoint[] }).data;
    };
    const week = await chart("7d");
    expect(week.length).toBeGreaterThanOrEqual(80);
    expect(week[0]!.value).toBeCloseTo(10, 0);
    expect(week.at(-1)!.value).toBeCloseTo(70, 0);
    const day = await chart("24h");
    expect(day.length).toBeGreaterThanOrEqual(90);
    const hour = await chart("1h");
    expect(hour.length).toBe(12);

    const cards = (await (
      await call(`/w/${ws.id}/api/metrics?timeRange=7d`, bearer(ws.viewer))
    ).json()) as { metrics: Metric[] };
    const card = cards.metrics.find((m) => m.id === "cpu.rollup")!;
    expect(card.value).toBe(70);
    expect(card.change).toBeCloseTo(600, 0);
    expect(card.trend).toBe("up");
  });

  it("a point sent twice for the same instant counts once", async () => {
    const ws = await makeWorkspace("rollup");
    const at = Date.now() - 60_000;
    await push(ws.id, ws.operator, [{ at, value: 10 }]);
    await push(ws.id, ws.operator, [{ at, value: 30 }]);
    const row = await runInDurableObject(ws.stub, (_i, state) =>
      state.storage.sql
        .exec<{ sum: number; count: number }>(
          "SELECT sum, count FROM metric_rollups WHERE res = 300000",
        )
        .one(),
    );
    expect(row).toEqual({ sum: 30, count: 1 });
  });

  it("a series quiet for days still shows its last reading, as offline", async () => {
    const ws = await makeWorkspace("rollup");
    await push(ws.id, ws.operator, [{ at: Date.now() - 2 * 24 * HOUR, value: 55 }]);
    const cards = (await (await call(`/w/${ws.id}/api/metrics`, bearer(ws.viewer))).json()) as {
      metrics: Metric[];
    };
    expect(cards.metrics[0]).toMatchObject({ id: "cpu.rollup", value: 55, status: "offline" });
  });
});
