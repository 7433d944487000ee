import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ALERT_LIMIT_RETRY_AFTER_SECONDS,
  OPEN_ALERTS_MAX,
  type Alert,
  type AlertBatchResult,
  type PagerDutyResponse,
} from "../../schema";
import grafanaFixture from "../fixtures/alerting/grafana-webhook.json";
import triggerFixture from "../fixtures/alerting/pagerduty-trigger.json";
import {
  amAlert,
  amGroup,
  grafanaHeaders,
  integration,
  makeIntegration,
  postJson,
} from "../helpers/alerting";
import { makeAlert, seedAlerts } from "../helpers/seed";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

// The first workspace of a file pays the runtime's cold start; keep it out of the test timeouts.
beforeAll(async () => {
  await makeWorkspace("warm");
}, 30_000);

/** Fills the workspace with open alerts (straight into storage: the REST limits would take hours). */
async function fill(ws: TestWorkspace, count: number, prefix = "seed"): Promise<void> {
  const at = new Date().toISOString();
  const alerts = Array.from({ length: count }, (_, i) =>
    makeAlert({ id: `${prefix}-${i}`, fingerprint: `${prefix}-${i}`, lastSeen: at }),
  );
  await seedAlerts(ws.stub, alerts);
}

const alertRows = (ws: TestWorkspace) =>
  runInDurableObject(
    ws.stub,
    (_i, state) =>
      state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM records WHERE kind = 'alert'")
        .one().n,
  );

async function getAlert(ws: TestWorkspace, id: string): Promise<Alert | undefined> {
  const res = await call(`/w/${ws.id}/api/alerts/${id}`, bearer(ws.viewer));
  if (res.status === 404) return undefined;
  return ((await res.json()) as { alert: Alert }).alert;
}

async function metricsText(ws: TestWorkspace): Promise<string> {
  const res = await call(`/w/${ws.id}/metrics`, bearer(ws.viewer));
  expect(res.status).toBe(200);
  return res.text();
}

describe("open-alert cap: Alertmanager", () => {
  it("refuses a flood of new fingerprints whole with 503, keeps updates and resolves, then takes the retry", async () => {
    const ws = await makeWorkspace("cap-am");
    const am = await makeIntegration(ws, "alertmanager");
    const send = (alerts: ReturnType<typeof amAlert>[]) =>
      postJson(`/w/${ws.id}/hooks/alertmanager`, amGroup(alerts), {
        Authorization: `Bearer ${am.credential}`,
      });
    const first = await send([amAlert("a"), amAlert("b"), amAlert("c")]);
    expect(first.status).toBe(200);
    await fill(ws, OPEN_ALERTS_MAX - 3);
    const rowsAtCap = await alertRows(ws);
    expect(rowsAtCap).toBe(OPEN_ALERTS_MAX);

    // The attack: new fingerprints past the cap, mixed with a repeat of a stored alert.
    const flood = [amAlert("a"), amAlert("new-1"), amAlert("new-2")];
    const refused = await send(flood);
    expect(refused.headers.get("Retry-After")).toBe(String(ALERT_LIMIT_RETRY_AFTER_SECONDS));
    const problem = await expectProblem(refused, 503, "alert_limit");
    expect(problem.detail).toContain(`${OPEN_ALERTS_MAX}`);
    // Nothing of it was applied: no new rows, and the repeat did not count.
    expect(await alertRows(ws)).toBe(rowsAtCap);
    expect(await getAlert(ws, "am.new-1.1767225600000")).toBeUndefined();
    const a = (await getAlert(ws, "am.a.1767225600000"))!;
    expect(a.count).toBe(1);

    // Updates and resolves of stored alerts still apply at the cap.
    const repeat = await send([amAlert("a")]);
    expect(repeat.status).toBe(200);
    expect((await getAlert(ws, a.id))!.count).toBe(2);
    const resolved = await send([
      amAlert("b", { status: "resolved", endsAt: "2026-01-01T01:00:00Z" }),
    ]);
    expect(((await resolved.json()) as AlertBatchResult).resolved).toBe(1);

    // One slot is free now: the two-alert flood still does not fit, and stays refused whole.
    await expectProblem(await send(flood), 503, "alert_limit");
    // A delivery that resolves one and opens one fits exactly.
    const swap = await send([
      amAlert("c", { status: "resolved", endsAt: "2026-01-01T01:00:00Z" }),
      amAlert("swap"),
    ]);
    expect(swap.status).toBe(200);
    expect((await swap.json()) as AlertBatchResult).toMatchObject({ created: 1, resolved: 1 });

    // Operators make room by hand, and the sender's retry of the same delivery succeeds.
    for (const id of ["seed-0", "seed-1"]) {
      const done = await call(
        `/w/${ws.id}/api/alerts/${id}/resolve`,
        jsonInit("POST", {}, ws.operator),
      );
      expect(done.status).toBe(200);
    }
    const retried = await send(flood);
    expect(retried.status).toBe(200);
    expect((await retried.json()) as AlertBatchResult).toMatchObject({ created: 2, repeated: 1 });

    // Counted on the integration and in /metrics; the seeded alerts are all still there.
    const stats = (await integration(ws, am.integration.id)).stats;
    expect(stats.refused).toBe(2);
    expect(stats.lastRefusedAt).toBeDefined();
    const text = await metricsText(ws);
    expect(text).toContain('opsdeck_alerts_refused_total{reason="open_alert_limit"} 2');
    expect(text).toContain(`opsdeck_alerts_open_limit ${OPEN_ALERTS_MAX}`);
    // b and c resolved by the sender, two by hand, three new: one below the cap.
    expect(text).toContain(`opsdeck_alerts_open ${OPEN_ALERTS_MAX - 1}\n`);
    expect(await alertRows(ws)).toBe(OPEN_ALERTS_MAX + 3);
  }, 60_000);

  it("leaves other callers of the workspace unaffected at the cap", async () => {
    const ws = await makeWorkspace("cap-others");
    const am = await makeIntegration(ws, "alertmanager");
    await fill(ws, OPEN_ALERTS_MAX);
    const flood = await postJson(
      `/w/${ws.id}/hooks/alertmanager`,
      amGroup([amAlert("x1"), amAlert("x2")]),
      { Authorization: `Bearer ${am.credential}` },
    );
    await expectProblem(flood, 503, "alert_limit");
    expect((await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).status).toBe(200);
    const list = await call(`/w/${ws.id}/api/alerts`, bearer(ws.viewer));
    expect(list.status).toBe(200);
    const ack = await call(
      `/w/${ws.id}/api/alerts/seed-5/acknowledge`,
      jsonInit("POST", {}, ws.operator),
    );
    expect(ack.status).toBe(200);
    // Another workspace takes new alerts as usual.
    const other = await makeWorkspace("cap-other");
    const otherAm = await makeIntegration(other, "alertmanager");
    const fine = await postJson(`/w/${other.id}/hooks/alertmanager`, amGroup([amAlert("x1")]), {
      Authorization: `Bearer ${otherAm.credential}`,
    });
    expect(fine.status).toBe(200);
  }, 60_000);
});

describe("open-alert cap: Grafana", () => {
  it("refuses a delivery of new alerts at the cap with 503 alert_limit", async () => {
    const ws = await makeWorkspace("cap-gf");
    const secret = "grafana-shared-secret";
    const gf = await makeIntegration(ws, "grafana", { secret });
    await fill(ws, OPEN_ALERTS_MAX - 1);
    const body = JSON.stringify(grafanaFixture);
    const res = await call(`/w/${ws.id}/hooks/grafana`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(await grafanaHeaders(secret, body)) },
      body,
    });
    expect(res.headers.get("Retry-After")).toBe(String(ALERT_LIMIT_RETRY_AFTER_SECONDS));
    await expectProblem(res, 503, "alert_limit");
    expect(await alertRows(ws)).toBe(OPEN_ALERTS_MAX - 1);
    expect((await integration(ws, gf.integration.id)).stats.refused).toBe(1);
  }, 60_000);
});

describe("open-alert cap: PagerDuty-style events", () => {
  it("answers a new dedup_key at the cap with PagerDuty's 429, and keeps existing keys working", async () => {
    const ws = await makeWorkspace("cap-pd");
    const pd = await makeIntegration(ws, "pagerduty");
    const send = (event: object) =>
      postJson("/v2/enqueue", { ...event, routing_key: pd.credential });
    const opened = await send({ ...triggerFixture, dedup_key: "known" });
    expect(opened.status).toBe(202);
    await fill(ws, OPEN_ALERTS_MAX - 1);
    const rows = await alertRows(ws);

    const flood = await send({ ...triggerFixture, dedup_key: "flood-1" });
    expect(flood.status).toBe(429);
    expect(flood.headers.get("Retry-After")).toBe(String(ALERT_LIMIT_RETRY_AFTER_SECONDS));
    expect((await flood.json()) as PagerDutyResponse).toMatchObject({
      status: "throttle event",
    });
    // A trigger without a dedup_key would open one too.
    const { dedup_key: _drop, ...unkeyed } = triggerFixture;
    expect((await send(unkeyed)).status).toBe(429);
    expect(await alertRows(ws)).toBe(rows);

    // The open key still appends and resolves; after the resolve, the new key gets in.
    expect((await send({ ...triggerFixture, dedup_key: "known" })).status).toBe(202);
    const resolve = { event_action: "resolve", dedup_key: "known" };
    expect((await send(resolve)).status).toBe(202);
    expect((await send({ ...triggerFixture, dedup_key: "flood-1" })).status).toBe(202);
    expect(await alertRows(ws)).toBe(rows + 1);
    expect((await integration(ws, pd.integration.id)).stats.refused).toBe(2);
    expect(await metricsText(ws)).toContain(
      'opsdeck_alerts_refused_total{reason="open_alert_limit"} 2',
    );
  }, 60_000);
});
