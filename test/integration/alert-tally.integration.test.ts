import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Alert } from "../../schema";
import { openAlertTally } from "../../durable-objects/store/open-alerts";
import { activeAlerts } from "../../durable-objects/domain/alert-actions";
import { amAlert, amGroup, listAlerts, makeIntegration, postJson } from "../helpers/alerting";
import { bearer, call, jsonInit, makeWorkspace, type TestWorkspace } from "../helpers/workspace";

/**
 * `GET api/status` counts open alerts from a tally kept in step with every alert write
 * (capabilities/alerts.ts) instead of parsing every alert row per call, and the board's list is
 * kept until an alert changes. After each kind of change both must equal what storage says.
 */

type Stats = { alertsFiring: Record<string, number>; alertLimits: { open: number } };

async function stats(ws: TestWorkspace): Promise<Stats> {
  return (await ws.stub.stats()) as unknown as Stats;
}

async function recount(
  ws: TestWorkspace,
): Promise<{ firing: Record<string, number>; open: number }> {
  return runInDurableObject(ws.stub, (_i, state) => openAlertTally(state.storage.sql));
}

async function expectInStep(ws: TestWorkspace, step: string): Promise<void> {
  const [kept, fresh] = [await stats(ws), await recount(ws)];
  expect(kept.alertsFiring, step).toEqual(fresh.firing);
  expect(kept.alertLimits.open, step).toBe(fresh.open);
  // The board's list is kept the same way: equal to one read afresh.
  const listed = await listAlerts(ws);
  const read = await runInDurableObject(ws.stub, (_i, state) =>
    activeAlerts(state.storage.sql, 200),
  );
  expect(listed, step).toEqual(read);
}

describe("open-alert tally", () => {
  it("stays equal to a fresh count through ingest, actions, resolves and deletes", async () => {
    const ws = await makeWorkspace("tally");
    const { credential } = await makeIntegration(ws, "alertmanager");
    const hook = (alerts: Parameters<typeof amGroup>[0]) =>
      postJson(`/w/${ws.id}/hooks/alertmanager`, amGroup(alerts), {
        Authorization: `Bearer ${credential}`,
      });
    await expectInStep(ws, "empty");
    expect((await hook(["a", "b", "c", "d"].map((f) => amAlert(f)))).status).toBe(200);
    await expectInStep(ws, "four firing");
    const alerts: Alert[] = await listAlerts(ws);
    const act = (id: string, action: string) =>
      call(`/w/${ws.id}/api/alerts/${id}/${action}`, jsonInit("POST", {}, ws.operator));
    expect((await act(alerts[0]!.id, "acknowledge")).status).toBe(200);
    await expectInStep(ws, "acknowledged");
    expect((await act(alerts[1]!.id, "resolve")).status).toBe(200);
    await expectInStep(ws, "resolved");
    const dismissed = await call(
      `/w/${ws.id}/api/alerts/${alerts[2]!.id}`,
      jsonInit("DELETE", undefined, ws.operator),
    );
    expect(dismissed.status).toBe(200);
    await expectInStep(ws, "dismissed");
    expect(
      (await hook([amAlert("d", { status: "resolved", endsAt: "2026-01-01T01:00:00Z" })])).status,
    ).toBe(200);
    await expectInStep(ws, "resolved by the sender");
    // A row removed behind the store's back (as retention does) is noticed by the row count.
    await runInDurableObject(ws.stub, (_i, state) => {
      state.storage.sql.exec("DELETE FROM records WHERE kind = 'alert' AND id = ?", alerts[0]!.id);
    });
    await expectInStep(ws, "deleted directly");
    expect((await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).status).toBe(200);
  });
});
