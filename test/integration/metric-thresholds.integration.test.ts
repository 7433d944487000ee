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

  it("judges the current value again when a threshold changes, in both directions", async () => {
    const ws = await makeWorkspace("thr");
    const setCpu = async (cpu: number, token = ws.admin) =>
      call(`/w/${ws.id}/api/settings`, jsonInit("PUT", { thresholds: { cpu } }, token));
    expect((await setCpu(90)).status).toBe(200);
    await push(ws.id, ws.operator, 85);
    expect(await thresholdAlerts(ws.id, ws.viewer)).toEqual([]);

    // Lowered under the current value: the breach opens now, not at the next sample.
    expect((await setCpu(80)).status).toBe(200);
    const opened = await thresholdAlerts(ws.id, ws.viewer);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ status: "firing" });
    expect(opened[0]!.title).toContain("80%");

    // Unchanged thresholds (another setting saved) leave the open breach alone.
    await call(
      `/w/${ws.id}/api/settings`,
      jsonInit("PUT", { thresholds: { memory: 91 } }, ws.admin),
    );
    expect(await thresholdAlerts(ws.id, ws.viewer)).toEqual(opened);

    // Raised over it: the same alert resolves.
    expect((await setCpu(90)).status).toBe(200);
    const resolved = await thresholdAlerts(ws.id, ws.viewer);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ id: opened[0]!.id, status: "resolved" });

    // A caller without the admin role changes nothing and judges nothing.
    expect((await setCpu(10, ws.operator)).status).toBe(403);
    expect(await thresholdAlerts(ws.id, ws.viewer)).toEqual(resolved);
  });
});
