import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { TokenBuckets } from "../../lib/token-bucket";
import type { ActivityItem, PagerDutyResponse } from "../../schema";
import amPdResolve from "../fixtures/alerting/alertmanager-pagerduty-resolve.json";
import amPdTrigger from "../fixtures/alerting/alertmanager-pagerduty-trigger.json";
import acknowledgeFixture from "../fixtures/alerting/pagerduty-acknowledge.json";
import grafanaPdTrigger from "../fixtures/alerting/grafana-pagerduty-trigger.json";
import changeFixture from "../fixtures/alerting/pagerduty-change.json";
import resolveFixture from "../fixtures/alerting/pagerduty-resolve.json";
import triggerFixture from "../fixtures/alerting/pagerduty-trigger.json";
import { integration, listAlerts, makeIntegration, postJson } from "../helpers/alerting";
import { bearer, call, makeWorkspace } from "../helpers/workspace";

beforeAll(async () => {
  await makeWorkspace("warm");
}, 30_000);

async function setup() {
  const ws = await makeWorkspace("pd");
  const pd = await makeIntegration(ws, "pagerduty");
  const send = (event: object, path = "/v2/enqueue") =>
    postJson(path, { ...event, routing_key: pd.credential });
  return { ws, pd, send };
}

/** PagerDuty's response shape, never problem+json. */
async function reply(res: Response, status: number): Promise<PagerDutyResponse> {
  const body = (await res.json()) as PagerDutyResponse;
  expect({ status: res.status, body }).toMatchObject({ status });
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  return body;
}

describe("PagerDuty Events v2: the documented examples", () => {
  it("trigger, repeat, acknowledge, resolve, and a new alert after the resolve", async () => {
    const { ws, pd, send } = await setup();
    expect(await reply(await send(triggerFixture), 202)).toEqual({
      status: "success",
      message: "Event processed",
      dedup_key: "samplekeyhere",
    });
    let [alert] = await listAlerts(ws);
    expect(alert).toMatchObject({
      title: "Example alert on host1.example.com",
      severity: "info",
      source: "pagerduty",
      status: "firing",
      count: 1,
      dedupKey: "samplekeyhere",
      integrationId: pd.integration.id,
      timestamp: "2015-07-17T08:42:58.315Z",
      labels: {
        source:
          "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
        component: "postgres",
        group: "prod-datapipe",
        class: "deploy",
        severity: "info",
      },
    });
    expect(alert!.message).toContain("ping time: 1500ms");
    expect(alert!.links).toContainEqual({ href: "https://example.com/", text: "Link text" });
    expect(alert!.links).toContainEqual({
      href: "https://monitoring.example.com/",
      text: "Sample Monitoring Service",
    });

    await reply(await send(triggerFixture), 202);
    expect((await listAlerts(ws)).map((a) => a.count)).toEqual([2]);

    const ack = { ...acknowledgeFixture, dedup_key: "samplekeyhere" };
    expect((await reply(await send(ack), 202)).dedup_key).toBe("samplekeyhere");
    [alert] = await listAlerts(ws);
    expect(alert).toMatchObject({ acknowledged: true, status: "acknowledged" });

    await reply(await send({ ...resolveFixture, dedup_key: "samplekeyhere" }), 202);
    [alert] = await listAlerts(ws);
    expect(alert).toMatchObject({ status: "resolved" });

    await reply(await send(triggerFixture), 202);
    const alerts = await listAlerts(ws);
    expect(alerts).toHaveLength(2);
    expect(alerts.map((a) => a.status).sort()).toEqual(["firing", "resolved"]);
    expect((await integration(ws, pd.integration.id)).stats).toMatchObject({ accepted: 5 });
  });

  it("generates a dedup_key for a trigger without one; each such trigger is a new alert", async () => {
    const { ws, send } = await setup();
    const { dedup_key: _omit, ...noKey } = triggerFixture;
    const first = await reply(await send(noKey), 202);
    const second = await reply(await send(noKey), 202);
    expect(first.dedup_key).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.dedup_key).not.toBe(first.dedup_key);
    expect(await listAlerts(ws)).toHaveLength(2);
  });

  it("acknowledge or resolve of an unknown key is 202 and changes nothing", async () => {
    const { ws, pd, send } = await setup();
    await reply(await send(acknowledgeFixture), 202);
    await reply(await send(resolveFixture), 202);
    expect(await listAlerts(ws)).toEqual([]);
    expect((await integration(ws, pd.integration.id)).stats).toMatchObject({ ignored: 2 });
  });

  it("takes Alertmanager's own pagerduty_config events unchanged", async () => {
    const { ws, send } = await setup();
    await reply(await send(amPdTrigger), 202);
    let [alert] = await listAlerts(ws);
    expect(alert).toMatchObject({
      title: "[FIRING:3] HighLatency (api critical)",
      severity: "error",
      status: "firing",
    });
    await reply(await send(amPdResolve), 202);
    [alert] = await listAlerts(ws);
    expect(alert!.status).toBe("resolved");
  });

  it("takes Grafana's PagerDuty contact point events unchanged", async () => {
    const { ws, send } = await setup();
    expect((await reply(await send(grafanaPdTrigger), 202)).dedup_key).toBe(
      grafanaPdTrigger.dedup_key,
    );
    const [alert] = await listAlerts(ws);
    expect(alert).toMatchObject({
      title: "[FIRING:1]  (val1)",
      severity: "critical",
      labels: { component: "Grafana", client: "Grafana", source: "grafana-host" },
    });
    expect(alert!.links).toContainEqual({ href: "http://localhost/", text: "External URL" });
  });

  it("turns change events into deployment activity items", async () => {
    const { ws, send } = await setup();
    expect(await reply(await send(changeFixture, "/v2/change/enqueue"), 202)).toMatchObject({
      status: "success",
    });
    const { activities } = (await (
      await call(`/w/${ws.id}/api/activity`, bearer(ws.viewer))
    ).json()) as { activities: ActivityItem[] };
    expect(activities[0]).toMatchObject({
      type: "deployment",
      title: "Build Success: Increase snapshot create timeout to 30 seconds",
      timestamp: "2020-07-17T08:42:58.315Z",
    });
    expect(activities[0]!.description).toContain("acme-build-pipeline-tool-default-i-9999");
  });
});

describe("PagerDuty Events v2: invalid events get PagerDuty's 400 shape", () => {
  const trigger = (over: Record<string, unknown>) => ({ ...triggerFixture, ...over });
  const payload = (over: Record<string, unknown>) =>
    trigger({ payload: { ...triggerFixture.payload, ...over } });
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["invalid event_action", trigger({ event_action: "explode" }), "event_action"],
    ["trigger without summary", payload({ summary: undefined }), "payload.summary"],
    ["trigger with a blank summary", payload({ summary: "   " }), "payload.summary"],
    ["trigger without severity", payload({ severity: undefined }), "payload.severity"],
    ["trigger without source", payload({ source: undefined }), "payload.source"],
    ['severity "fatal"', payload({ severity: "fatal" }), "payload.severity"],
    ["summary over 1024", payload({ summary: "s".repeat(1025) }), "payload.summary"],
    ["timestamp not a date", payload({ timestamp: "yesterday" }), "payload.timestamp"],
    ["trigger without payload", trigger({ payload: undefined }), "payload"],
    ["dedup_key over 255", trigger({ dedup_key: "k".repeat(256) }), "dedup_key"],
    ["acknowledge without dedup_key", { event_action: "acknowledge" }, "dedup_key"],
    ["resolve without dedup_key", { event_action: "resolve" }, "dedup_key"],
  ];
  for (const [name, event, field] of cases) {
    it(name, async () => {
      const { ws, pd, send } = await setup();
      const body = await reply(await send(event), 400);
      expect(body).toMatchObject({ status: "invalid event", message: "Event object is invalid" });
      expect(body.errors!.some((e) => e.startsWith(`${field}:`))).toBe(true);
      expect(await listAlerts(ws)).toEqual([]);
      expect((await integration(ws, pd.integration.id)).stats.rejected).toBe(1);
    });
  }

  it("missing routing_key is 400; unknown, malformed or deleted keys are 404", async () => {
    const { ws, pd } = await setup();
    const { routing_key: _k, ...noKey } = triggerFixture;
    expect((await reply(await postJson("/v2/enqueue", noKey), 400)).errors).toEqual([
      "routing_key: is missing or blank",
    ]);
    for (const key of [
      `pdk.${ws.id}.unknown`,
      "samplekeyhere",
      "pdk.NOT A SLUG.x",
      pd.credential.replace("pdk.", "amk."),
    ]) {
      const body = await reply(
        await postJson("/v2/enqueue", { ...triggerFixture, routing_key: key }),
        404,
      );
      expect(body.message).toBe("Routing key not found");
    }
    await call(
      `/w/${ws.id}/api/integrations/webhooks/${pd.integration.id}`,
      bearer(ws.admin, { method: "DELETE" }),
    );
    await reply(
      await postJson("/v2/enqueue", { ...triggerFixture, routing_key: pd.credential }),
      404,
    );
  });

  it("non-JSON is 400, a wrong media type 415, a body over 512 KB 413", async () => {
    const { send } = await setup();
    expect((await reply(await postJson("/v2/enqueue", "{nope"), 400)).status).toBe("invalid event");
    await reply(await postJson("/v2/enqueue", "[]"), 400);
    await reply(
      await call("/v2/enqueue", {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: "{}",
      }),
      415,
    );
    await reply(await send(payload({ custom_details: { blob: "x".repeat(512 * 1024) } })), 413);
    await reply(await postJson("/v2/change/enqueue", { routing_key: "pdk.x.y", payload: {} }), 404);
  });

  it("change events: missing summary is 400", async () => {
    const { send } = await setup();
    const body = await reply(await send({ payload: { source: "ci" } }, "/v2/change/enqueue"), 400);
    expect(body.errors!.some((e) => e.startsWith("payload.summary:"))).toBe(true);
  });
});

describe("PagerDuty Events v2: flood control", () => {
  it("answers 429 with Retry-After once a routing key exceeds its allowance", async () => {
    const { ws, pd } = await setup();
    // The production allowance (200 burst, 100/s) is more than this runtime serves in a
    // test; a smaller bucket shows the same behaviour quickly.
    await runInDurableObject(ws.stub, (instance) => {
      const senders = (
        instance as unknown as { c: { senders: { pagerDutyBuckets: TokenBuckets } } }
      ).c.senders;
      senders.pagerDutyBuckets = new TokenBuckets(5, 0.5);
    });
    const event = { ...acknowledgeFixture, routing_key: pd.credential };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postJson("/v2/enqueue", event)),
    );
    const throttled = responses.filter((r) => r.status === 429);
    expect(responses.filter((r) => r.status === 202)).toHaveLength(5);
    expect(throttled).toHaveLength(15);
    expect(Number(throttled[0]!.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect((await throttled[0]!.json()) as PagerDutyResponse).toMatchObject({
      status: "throttle event",
    });
    await Promise.all(responses.filter((r) => !r.bodyUsed).map((r) => r.text()));
  });
});
