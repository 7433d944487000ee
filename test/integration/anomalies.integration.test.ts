import { evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { Alert, Anomaly, AuditEntry } from "../../schema";
import { DETECTOR_STATE_MAX_BYTES } from "../../schema";
import { anomalies, at, detection, pushRange, saw, spiked } from "../helpers/anomaly";
import { configureChannels, deliveries, received, receivers, waitFor } from "../helpers/notify";
import { bearer, call, jsonInit, makeWorkspace } from "../helpers/workspace";
import { closeAllSockets, isChange, isSnapshot, openSocket, waitForFrame } from "../helpers/ws";

afterEach(() => closeAllSockets());

const post = (path: string, token: string, body: unknown = {}) =>
  call(path, jsonInit("POST", body, token));

describe("streaming anomaly detection on pushed metrics", () => {
  it("opens an anomaly alert on a spike, live, with score, band and points; it closes back in band", async () => {
    const ws = await makeWorkspace("anom");
    await pushRange(ws, "queue.depth", 0, 300);
    expect(await anomalies(ws)).toEqual([]);

    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);
    await pushRange(ws, "queue.depth", 300, 303, spiked);
    const frame = await waitForFrame(
      sock,
      (f) => isChange(f) && f.type === "alerts" && f.payload.some((a) => a.source === "anomaly"),
    );
    const live = (frame as { payload: Alert[] }).payload.find((a) => a.source === "anomaly")!;
    expect(live).toMatchObject({
      status: "firing",
      labels: { metric: "queue.depth", source: "api" },
    });

    const [open] = await anomalies(ws, "?status=open&series=queue.depth");
    expect(open).toMatchObject({
      id: live.id,
      seriesId: "queue.depth",
      source: "api",
      status: "firing",
    });
    expect(open!.score).toBeGreaterThanOrEqual(0.8);
    expect(open!.expected.high).toBeLessThan(100);
    expect(open!.points[0]).toMatchObject({ value: 500, timestamp: at(300) });
    expect(open!.points.length).toBeGreaterThanOrEqual(1);

    const acked = await post(`/w/${ws.id}/api/anomaly/${open!.id}/acknowledge`, ws.operator);
    expect(acked.status).toBe(200);
    expect(((await acked.json()) as { anomaly: Anomaly }).anomaly.status).toBe("acknowledged");

    // Another spike while open adds no second anomaly: one open anomaly per series.
    await pushRange(ws, "queue.depth", 303, 306, () => 480);
    expect(await anomalies(ws)).toHaveLength(1);
    await pushRange(ws, "queue.depth", 306, 320);
    const [closed] = await anomalies(ws);
    expect(closed).toMatchObject({ id: open!.id, status: "resolved" });
    expect(closed!.closedAt).toBeDefined();
    expect(closed!.pointCount).toBeGreaterThan(1);
    const alert = await call(`/w/${ws.id}/api/alerts/${open!.id}`, bearer(ws.viewer));
    expect(((await alert.json()) as { alert: Alert }).alert).toMatchObject({
      source: "anomaly",
      status: "resolved",
    });
  });

  it("resolves and dismisses by hand; a later spike opens a new anomaly", async () => {
    const ws = await makeWorkspace("anom");
    await pushRange(ws, "q", 0, 303, spiked);
    const [first] = await anomalies(ws, "?status=firing");
    expect(first).toBeDefined();
    const resolved = await post(`/w/${ws.id}/api/anomaly/${first!.id}/resolve`, ws.operator, {
      notes: "known batch job",
    });
    expect(resolved.status).toBe(200);
    expect(((await resolved.json()) as { anomaly: Anomaly }).anomaly.status).toBe("resolved");
    const dismissed = await post(`/w/${ws.id}/api/anomaly/${first!.id}/dismiss`, ws.operator);
    expect(((await dismissed.json()) as { anomaly: Anomaly }).anomaly.status).toBe("dismissed");
    // Past the detector's hold-off (100 points), a new spike is a new anomaly.
    await pushRange(ws, "q", 303, 552, (i) => (i === 550 ? 900 : saw(i)));
    const all = await anomalies(ws);
    expect(all.map((a) => a.status)).toEqual(["firing", "dismissed"]);
  });

  it("silences apply: a silence on the host label suppresses the agent's series' anomaly", async () => {
    const ws = await makeWorkspace("anom");
    const silence = await post(`/w/${ws.id}/api/silences`, ws.operator, {
      matchers: [
        { name: "alertname", op: "=", value: "anomaly" },
        { name: "host", op: "=", value: "web-1" },
      ],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      comment: "load test",
    });
    expect(silence.status).toBe(201);
    await pushRange(ws, "network_in.host.web-1", 0, 303, spiked);
    await pushRange(ws, "network_in.host.web-2", 0, 303, spiked);
    const found = await anomalies(ws);
    expect(found.map((a) => [a.seriesId, a.status]).sort()).toEqual([
      ["network_in.host.web-1", "suppressed"],
      ["network_in.host.web-2", "firing"],
    ]);
  });

  it("notifies: an anomaly alert reaches the signed webhook like any alert", async () => {
    const ws = await makeWorkspace("anom");
    const r = receivers();
    await configureChannels(ws, r, { minSeverity: "warning" });
    await pushRange(ws, "q", 0, 303, spiked);
    const hooks = await waitFor(
      () => received(r, "hook"),
      (list) => list.length >= 1,
    );
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({
      type: "alert.firing",
      data: { source: "anomaly", severity: "warning", status: "firing" },
    });
    expect((await deliveries(ws)).map((d) => d.event)).toContain("alert.firing");
  });

  it("does nothing on a series whose detection is off, or inside an expected window", async () => {
    const ws = await makeWorkspace("anom");
    await pushRange(ws, "off", 0, 10);
    await pushRange(ws, "win", 0, 10);
    const put = (metric: string, body: unknown) =>
      call(`/w/${ws.id}/api/metrics/${metric}/detection`, jsonInit("PUT", body, ws.admin));
    expect((await put("off", { enabled: false })).status).toBe(200);
    // Aligned with the saw's period, so the series resumes where a period starts.
    const window = { start: at(300), end: at(309), reason: "load test" };
    expect((await put("win", { expectedWindows: [window] })).status).toBe(200);
    await pushRange(ws, "off", 10, 303, spiked);
    await pushRange(ws, "win", 10, 330, spiked);
    expect(await anomalies(ws)).toEqual([]);
    // Only the 10 points before it was turned off were learned.
    expect((await detection(ws, "off")).points).toBe(10);
    // The window's points were not learned either.
    expect((await detection(ws, "win")).points).toBe(330 - 10);
    const audit = await call(`/w/${ws.id}/api/audit?limit=50`, bearer(ws.admin));
    const entries = ((await audit.json()) as { entries: AuditEntry[] }).entries;
    expect(entries.filter((e) => e.action === "anomaly.detection")).toHaveLength(2);
  });

  it("turning detection off resolves the open anomaly", async () => {
    const ws = await makeWorkspace("anom");
    await pushRange(ws, "q", 0, 303, spiked);
    const res = await call(
      `/w/${ws.id}/api/metrics/q/detection`,
      jsonInit("PUT", { enabled: false }, ws.admin),
    );
    expect(res.status).toBe(200);
    expect((await anomalies(ws)).map((a) => a.status)).toEqual(["resolved"]);
  });

  it("feedback: a false positive makes the series less sensitive, a true one is kept; precision and audit", async () => {
    const ws = await makeWorkspace("anom");
    await pushRange(ws, "q", 0, 303, spiked);
    const [found] = await anomalies(ws);
    const before = await detection(ws, "q");
    expect(before).toMatchObject({ threshold: 0.8, precision: null, enabled: true });
    const judge = (verdict: string, token = ws.operator, note?: string) =>
      post(`/w/${ws.id}/api/anomaly/${found!.id}/feedback`, token, { verdict, note });
    expect((await judge("false_positive", ws.operator, "deploy")).status).toBe(200);
    const after = await detection(ws, "q");
    expect(after.threshold).toBeGreaterThan(before.threshold);
    expect(after).toMatchObject({ falsePositives: 1, precision: 0 });
    // Judged again the same way: no second step.
    await judge("false_positive");
    expect((await detection(ws, "q")).threshold).toBe(after.threshold);
    // Changed to a true positive: the step is undone and the example kept.
    await judge("true_positive", ws.operator, "real incident");
    const flipped = await detection(ws, "q");
    expect(flipped).toMatchObject({
      threshold: 0.8,
      truePositives: 1,
      falsePositives: 0,
      precision: 1,
    });
    expect(flipped.examples[0]).toMatchObject({ anomalyId: found!.id, note: "real incident" });
    const [judged] = await anomalies(ws);
    expect(judged!.feedback).toMatchObject({ verdict: "true_positive", by: "operator-bot" });
    const audit = await call(`/w/${ws.id}/api/audit?limit=50`, bearer(ws.admin));
    const entries = ((await audit.json()) as { entries: AuditEntry[] }).entries;
    expect(entries.filter((e) => e.action === "anomaly.feedback")).toHaveLength(3);
  });

  it("keeps learning across hibernation: the detector state is persisted, not only cached", async () => {
    const ws = await makeWorkspace("anom");
    await pushRange(ws, "q", 0, 200);
    await evictDurableObject(ws.stub);
    await pushRange(ws, "q", 200, 303, spiked);
    expect((await detection(ws, "q")).points).toBe(303);
    expect(await anomalies(ws, "?status=open")).toHaveLength(1);
  });

  it("keeps detector state bounded per series", async () => {
    const ws = await makeWorkspace("anom");
    const wild = (i: number) => (i % 7 === 0 ? 1e308 : Math.sin(i) * 1e6 + (i % 97));
    for (let start = 0; start < 590; start += 295)
      await pushRange(ws, "busy", start, start + 295, wild);
    const d = await detection(ws, "busy");
    expect(d.points).toBe(590);
    expect(d.stateBytes).toBeGreaterThan(0);
    expect(d.stateBytes).toBeLessThanOrEqual(DETECTOR_STATE_MAX_BYTES);
  });
});
