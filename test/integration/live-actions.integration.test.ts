import { afterEach, describe, expect, it } from "vitest";
import type { Alert } from "../../schema";
import { makeAlert, seedAlerts } from "../helpers/seed";
import { bearer, call, jsonInit, makeWorkspace } from "../helpers/workspace";
import {
  closeAllSockets,
  isSnapshot,
  openSocket,
  waitForFrame,
  type InboundFrame,
  type SnapshotFrame,
} from "../helpers/ws";

type AlertsFrame = Extract<InboundFrame, { type: "alerts" }>;
const isAlerts = (f: InboundFrame): f is AlertsFrame => f.type === "alerts";

afterEach(() => closeAllSockets());

describe("live actions", () => {
  it("an acknowledgement by one operator reaches both operators' sockets with the next seq", async () => {
    const alert = makeAlert({ title: "Queue backlog" });
    const ws = await makeWorkspace("live");
    await seedAlerts(ws.stub, [alert]);
    const mint = await call(
      `/w/${ws.id}/api/tokens`,
      jsonInit("POST", { name: "second-operator", role: "operator" }, ws.admin),
    );
    const second = ((await mint.json()) as { token: { token: string } }).token.token;

    const alice = await openSocket(`/w/${ws.id}/ws`, bearer(ws.operator));
    const bob = await openSocket(`/w/${ws.id}/ws`, bearer(second));
    const snapshots = await Promise.all([
      waitForFrame<SnapshotFrame>(alice, isSnapshot),
      waitForFrame<SnapshotFrame>(bob, isSnapshot),
    ]);
    const seq = snapshots[0].seq;
    expect(snapshots[1].seq).toBe(seq);
    expect(snapshots[0].payload.alerts.map((a) => a.id)).toEqual([alert.id]);

    const res = await call(
      `/w/${ws.id}/api/alerts/${alert.id}/acknowledge`,
      jsonInit("POST", { notes: "I have it" }, ws.operator),
    );
    expect(res.status).toBe(200);

    for (const sock of [alice, bob]) {
      const frame = await waitForFrame<AlertsFrame>(sock, isAlerts);
      expect(frame.seq).toBe(seq + 1);
      const seen = frame.payload.find((a: Alert) => a.id === alert.id);
      expect(seen).toMatchObject({
        acknowledged: true,
        status: "acknowledged",
        acknowledgedBy: "operator-bot",
      });
    }
    const activity = await waitForFrame(bob, (f) => f.type === "activity");
    expect(activity.type === "activity" && activity.seq).toBe(seq + 2);
  });

  it("dismissal, incidents and their updates are broadcast in seq order", async () => {
    const alert = makeAlert();
    const ws = await makeWorkspace("live");
    await seedAlerts(ws.stub, [alert]);
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    const { seq } = await waitForFrame<SnapshotFrame>(sock, isSnapshot);

    const created = await call(
      `/w/${ws.id}/api/incidents`,
      jsonInit("POST", { alertId: alert.id, title: "Live", severity: "critical" }, ws.operator),
    );
    const { incident } = (await created.json()) as { incident: { id: string } };
    const incidents = await waitForFrame(sock, (f) => f.type === "incidents");
    expect(incidents.type === "incidents" && incidents.payload[0]?.id).toBe(incident.id);
    const alerts = await waitForFrame<AlertsFrame>(sock, isAlerts);
    expect(alerts.payload[0]?.incidentId).toBe(incident.id);

    await call(
      `/w/${ws.id}/api/incidents/${incident.id}/updates`,
      jsonInit("POST", { status: "monitoring", message: "fix out" }, ws.operator),
    );
    const updated = await waitForFrame(sock, (f) => f.type === "incidents");
    expect(updated.type === "incidents" && updated.payload[0]?.status).toBe("monitoring");

    await call(`/w/${ws.id}/api/alerts/${alert.id}`, bearer(ws.operator, { method: "DELETE" }));
    const emptied = await waitForFrame<AlertsFrame>(sock, isAlerts);
    expect(emptied.payload).toEqual([]);

    const seqs = sock.frames
      .filter((f) => "seq" in f && f.type !== "ping")
      .map((f) => ("seq" in f ? f.seq : 0));
    expect(seqs[0]).toBe(seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
  });
});
