import { describe, expect, it } from "vitest";
import type { Alert } from "../../schema";
import { bearer, call, jsonInit, makeWorkspace } from "../helpers/workspace";

async function push(id: string, token: string, value: number) {
  const body = { samples: [{ metric: "cpu.web", label: "Web CPU", unit: "%", value }] };
  expect((await call(`/w/${id}/api/metrics/samples`, jsonInit("POST", body, token))).status).toBe(
    202,
  );
}

async function thresholdAlerts(id: string, token: string) {
  const { alerts } = (await (await call(`/w/${id}/api/alerts`, bearer(token))).json()) as {
    alerts: Alert[];
  };
  return alerts.filter((a) => a.source === "threshold");
}

describe("workspace thresholds judge pushed metrics", () => {
  it("raises one alert on a crossing, keeps it single while over, resolves it when back under", async () => {
    const ws = await makeWorkspace("thr");
    await push(ws.id, ws.operator, 40);
    expect(await thresholdAlerts(ws.id, ws.viewer)).toEqual([]);
    await push(ws.id, ws.operator, 93);
    await push(ws.id, ws.operator, 97);
    const firing = await thresholdAlerts(ws.id, ws.viewer);
    expect(firing).toHaveLength(1);
    expect(firing[0]).toMatchObject({ status: "firing", severity: "critical" });
    expect(firing[0]!.title).toContain("Web CPU");
    await push(ws.id, ws.operator, 30);
    const resolved = await thresholdAlerts(ws.id, ws.viewer);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]!.status).toBe("resolved");
    await push(ws.id, ws.operator, 99);
    expect(
      (await thresholdAlerts(ws.id, ws.viewer)).filter((a) => a.status === "firing"),
    ).toHaveLength(1);
  });

  it("uses the workspace's own threshold", async () => {
    const ws = await makeWorkspace("thr");
    await call(`/w/${ws.id}/api/settings`, jsonInit("PUT", { thresholds: { cpu: 50 } }, ws.admin));
    await push(ws.id, ws.operator, 60);
    expect(await thresholdAlerts(ws.id, ws.viewer)).toHaveLength(1);
  });
});
