import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Alert } from "../../schema";
import { pruneClosedAlerts } from "../../durable-objects/store/alert-retention";
import { makeAlert, minutesFromNow, seedAlerts } from "../helpers/seed";
import { bearer, call, jsonInit, makeWorkspace } from "../helpers/workspace";

const DAY = 24 * 60;
const old = minutesFromNow(-40 * DAY);

const stored = (wsId: string, id: string, token: string) =>
  call(`/w/${wsId}/api/alerts/${id}`, bearer(token)).then((r) => r.status);

describe("closed-alert retention", () => {
  it("removes closed alerts past 30 days, keeps open ones and evidence of open incidents", async () => {
    const ws = await makeWorkspace("retention");
    const closedOld = makeAlert({ status: "resolved", lastSeen: old, resolvedAt: old });
    const dismissedOld = makeAlert({ lastSeen: old, dismissedAt: old, dismissedBy: "x" });
    const firingOld = makeAlert({ lastSeen: old });
    const recentClosed = makeAlert({ status: "resolved", resolvedAt: minutesFromNow(-5) });
    const evidence = makeAlert();
    await seedAlerts(ws.stub, [evidence]);
    const opened = await call(
      `/w/${ws.id}/api/incidents`,
      jsonInit(
        "POST",
        { alertId: evidence.id, title: "API down", description: "", severity: "critical" },
        ws.operator,
      ),
    );
    expect(opened.status).toBe(201);
    const { incident } = (await opened.json()) as { incident: { id: string } };
    // The incident stays open while its alert resolves and ages past the limit. (Seeded after
    // the incident opened, whose own alert publishing prunes too.)
    await seedAlerts(ws.stub, [
      closedOld,
      dismissedOld,
      firingOld,
      recentClosed,
      { ...evidence, status: "resolved", lastSeen: old, resolvedAt: old, incidentId: incident.id },
    ]);

    const removed = await runInDurableObject(ws.stub, (_i, state) =>
      pruneClosedAlerts(state.storage.sql, new Date()),
    );
    expect(removed).toBe(2);
    expect(await stored(ws.id, closedOld.id, ws.viewer)).toBe(404);
    expect(await stored(ws.id, dismissedOld.id, ws.viewer)).toBe(404);
    for (const kept of [firingOld, recentClosed, evidence])
      expect(await stored(ws.id, kept.id, ws.viewer)).toBe(200);
  });

  it("keeps only the newest closed alerts beyond the count limit", async () => {
    const ws = await makeWorkspace("retention-cap");
    const closed = [3, 2, 1].map((m) =>
      makeAlert({
        status: "resolved",
        lastSeen: minutesFromNow(-m),
        resolvedAt: minutesFromNow(-m),
      }),
    );
    const firing = makeAlert({ lastSeen: minutesFromNow(-10) });
    await seedAlerts(ws.stub, [...closed, firing]);
    const removed = await runInDurableObject(ws.stub, (_i, state) =>
      pruneClosedAlerts(state.storage.sql, new Date(), {
        maxAgeMs: 40 * DAY * 60_000,
        maxClosed: 2,
      }),
    );
    expect(removed).toBe(1);
    expect(await stored(ws.id, closed[0]!.id, ws.viewer)).toBe(404);
    for (const kept of [closed[1]!, closed[2]!, firing])
      expect(await stored(ws.id, kept.id, ws.viewer)).toBe(200);
  });

  it("prunes on the object's own alert publishing, without a call from outside", async () => {
    const ws = await makeWorkspace("retention-live");
    const closedOld: Alert = makeAlert({ status: "resolved", lastSeen: old, resolvedAt: old });
    const live = makeAlert();
    await seedAlerts(ws.stub, [closedOld, live]);
    const ack = await call(
      `/w/${ws.id}/api/alerts/${live.id}/acknowledge`,
      jsonInit("POST", {}, ws.operator),
    );
    expect(ack.status).toBe(200);
    expect(await stored(ws.id, closedOld.id, ws.viewer)).toBe(404);
    expect(await stored(ws.id, live.id, ws.viewer)).toBe(200);
  });
});
