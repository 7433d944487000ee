import { afterEach, describe, expect, it } from "vitest";
import type { AnomalyCard } from "../../schema";
import { ANOMALY_PANEL } from "../../schema";
import { at, pushRange, spiked } from "../helpers/anomaly";
import { makeDeployment, seedDeployments } from "../helpers/seed";
import { bearer, call, jsonInit, makeWorkspace, type TestWorkspace } from "../helpers/workspace";
import { closeAllSockets, isChange, isSnapshot, openSocket, waitForFrame } from "../helpers/ws";

afterEach(() => closeAllSockets());

const page = (ws: TestWorkspace, token: string) =>
  call(`/w/${ws.id}`, bearer(token, { redirect: "manual" }));

const cardsOf = (f: Parameters<typeof isChange>[0]): AnomalyCard[] | undefined =>
  isChange(f) && f.type === "anomalies" ? f.payload : undefined;

describe("the dashboard's Anomalies panel", () => {
  it("carries open anomalies live with their sparkline, and follows the lifecycle and feedback", async () => {
    const ws = await makeWorkspace("apanel");
    await pushRange(ws, "queue.depth", 0, 300);
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    const first = await waitForFrame(sock, isSnapshot);
    expect(first.type === "snapshot" && first.payload.anomalies).toEqual([]);

    await pushRange(ws, "queue.depth", 300, 303, spiked);
    const opened = await waitForFrame(sock, (f) => (cardsOf(f)?.length ?? 0) > 0);
    const [card] = cardsOf(opened)!;
    expect(card).toMatchObject({ seriesId: "queue.depth", source: "api", status: "firing" });
    // The sparkline starts before the anomaly and is bounded; the spike is a marked point.
    expect(card!.spark.length).toBeGreaterThanOrEqual(5);
    expect(card!.spark.length).toBeLessThanOrEqual(ANOMALY_PANEL.sparkPoints);
    expect(Date.parse(card!.spark[0]!.timestamp)).toBeLessThan(Date.parse(card!.openedAt));
    expect(card!.points[0]).toMatchObject({ value: 500, timestamp: at(300) });

    const act = (path: string, body: unknown = {}) =>
      call(`/w/${ws.id}/api/anomaly/${card!.id}/${path}`, jsonInit("POST", body, ws.operator));
    expect((await act("acknowledge")).status).toBe(200);
    await waitForFrame(sock, (f) => cardsOf(f)?.[0]?.status === "acknowledged");
    expect((await act("feedback", { verdict: "true_positive", note: "real" })).status).toBe(200);
    const judged = await waitForFrame(sock, (f) => cardsOf(f)?.[0]?.feedback !== undefined);
    expect(cardsOf(judged)![0]!.feedback).toMatchObject({ verdict: "true_positive", note: "real" });
    expect((await act("resolve")).status).toBe(200);
    await waitForFrame(sock, (f) => cardsOf(f)?.length === 0);
  });

  it("renders the panel with nearby changes; only operators get the actions and the feedback form", async () => {
    const ws = await makeWorkspace("apanel");
    await pushRange(ws, "queue.depth", 0, 303, spiked);
    // A deployment 10 minutes before the spike is "nearby"; one 2 hours before is not.
    await seedDeployments(ws.stub, [
      makeDeployment({ id: "d-near", name: "api-near", timestamp: at(290) }),
      makeDeployment({ id: "d-far", name: "api-far", timestamp: at(180) }),
    ]);
    const operator = await (await page(ws, ws.operator)).text();
    expect(operator).toContain('id="panel-anomalies"');
    expect(operator).toContain('class="sparkline"');
    expect(operator).toContain('class="chart-band"');
    expect(operator).toContain('class="chart-mark"');
    expect(operator).toContain("deploy api-near");
    expect(operator).not.toContain("deploy api-far");
    expect(operator).toMatch(/anomaly\/[^"]+\/acknowledge/);
    expect(operator).toContain("Give feedback");
    const viewer = await (await page(ws, ws.viewer)).text();
    expect(viewer).toContain('class="sparkline"');
    expect(viewer).not.toMatch(/anomaly\/[^"]+\/(acknowledge|resolve|dismiss|feedback)/);
    expect(viewer).not.toContain("Give feedback");
    // The anomaly alert's own page has the feedback form too, for operators only.
    const id = /data-id="([^"]+)" data-status="firing"/.exec(operator)?.[1];
    const alertPage = (token: string) =>
      call(`/w/${ws.id}/alerts/${id}`, bearer(token, { redirect: "manual" }));
    expect(await (await alertPage(ws.operator)).text()).toContain(`anomaly/${id}/feedback`);
    expect(await (await alertPage(ws.viewer)).text()).not.toContain("/feedback");
  });

  it("says so when nothing is open", async () => {
    const ws = await makeWorkspace("apanel");
    const html = await (await page(ws, ws.viewer)).text();
    expect(html).toContain("No open anomaly.");
  });
});
