import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { NotificationOutbox } from "../../durable-objects/store/notification-outbox";
import {
  SlackMessage,
  type NotificationEvent,
  type NotificationsView,
  type Settings,
  type SourceStatus,
} from "../../schema";
import { app } from "../../worker/app";
import pdTrigger from "../fixtures/alerting/pagerduty-trigger.json";
import { amAlert, amGroup, listAlerts, makeIntegration, postJson } from "../helpers/alerting";
import {
  configureChannels,
  deliveries,
  injectFaults,
  received,
  receivers,
  skipBackoff,
  waitFor,
  type Receivers,
} from "../helpers/notify";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

beforeAll(async () => {
  await makeWorkspace("warm");
}, 30_000);

const HOSTILE = "<!channel> Disk & <b>full</b> on db-1";

async function setup(extra: { minSeverity?: string } = {}) {
  const ws = await makeWorkspace("notify");
  const r = receivers();
  await configureChannels(ws, r, extra);
  const am = await makeIntegration(ws, "alertmanager");
  const deliver = (body: unknown) =>
    postJson(`/w/${ws.id}/hooks/alertmanager`, body, { Authorization: `Bearer ${am.credential}` });
  return { ws, r, deliver };
}

const firing = (fp: string, over: Parameters<typeof amAlert>[1] = {}) =>
  amGroup([amAlert(fp, { startsAt: "2026-03-01T10:00:00Z", ...over })]);

async function sourceOf(ws: TestWorkspace, id: string): Promise<SourceStatus | undefined> {
  const res = await call(`/w/${ws.id}/api/status`, bearer(ws.viewer));
  return ((await res.json()) as { sources: SourceStatus[] }).sources.find((s) => s.id === id);
}

/** Nothing more arrives within a while: the alarm has had its chance. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 600));
}

function secretsOf(r: Receivers): string[] {
  return [r.slackToken, r.slackUrl, r.webhookToken, r.webhookUrl, r.webhookSecret];
}

describe("alerts reach Slack and the signed webhook", () => {
  it("an Alertmanager alert is sent once (repeats do not re-notify), its resolve once more", async () => {
    const { ws, r, deliver } = await setup();
    const alert = amAlert("disk1", {
      startsAt: "2026-03-01T10:00:00Z",
      labels: { alertname: "DiskFull", severity: "critical", instance: "db-1" },
      annotations: { summary: HOSTILE, description: "Only 1% left <@U123>" },
    });
    expect((await deliver(amGroup([alert]))).status).toBe(200);
    const slack = await waitFor(
      () => received(r, "slack"),
      (list) => list.length >= 1,
    );
    const [id] = (await listAlerts(ws)).map((a) => a.id);

    // Slack: Block Kit with the facts, every sender text escaped, a link back to the alert.
    const body = SlackMessage.parse(JSON.parse(slack[0]!.body));
    const text = JSON.stringify(body);
    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<b>");
    expect(text).not.toContain("<@U123>");
    expect(body.blocks[0]).toEqual({
      type: "header",
      text: {
        type: "plain_text",
        text: "Firing: &lt;!channel&gt; Disk &amp; &lt;b&gt;full&lt;/b&gt; on db-1",
        emoji: false,
      },
    });
    expect(text).toContain("*Severity*\\ncritical");
    expect(text).toContain("*Source*\\nalertmanager");
    expect(text).toContain(`<http://opsdeck.test/w/${ws.id}/alerts/${encodeURIComponent(id!)}|`);
    expect(slack[0]!.headers["content-type"]).toBe("application/json");

    // Webhook: the event, verified with the official Standard Webhooks library.
    const hooks = await waitFor(
      () => received(r, "hook"),
      (list) => list.length >= 1,
    );
    const event = new Webhook(r.webhookSecret).verify(
      hooks[0]!.body,
      hooks[0]!.headers,
    ) as NotificationEvent;
    expect(event).toMatchObject({
      type: "alert.firing",
      data: { id, title: HOSTILE, severity: "critical", status: "firing", source: "alertmanager" },
    });

    // Alertmanager repeats the group (repeat_interval, HA peers): nothing new is sent.
    expect((await deliver(amGroup([alert]))).status).toBe(200);
    expect((await deliver(amGroup([alert]))).status).toBe(200);
    await settle();
    expect(await received(r, "slack")).toHaveLength(1);
    expect(await received(r, "hook")).toHaveLength(1);

    const resolved = { ...alert, status: "resolved" as const, endsAt: "2026-03-01T10:30:00Z" };
    expect((await deliver(amGroup([resolved]))).status).toBe(200);
    const after = await waitFor(
      () => received(r, "slack"),
      (list) => list.length >= 2,
    );
    expect(after[1]!.body).toContain("Resolved: ");
    const hooksAfter = await waitFor(
      () => received(r, "hook"),
      (list) => list.length >= 2,
    );
    expect(JSON.parse(hooksAfter[1]!.body)).toMatchObject({ type: "alert.resolved" });
    // A late resolve repeat changes nothing.
    expect((await deliver(amGroup([resolved]))).status).toBe(200);
    await settle();
    expect(await received(r, "slack")).toHaveLength(2);

    const list = await deliveries(ws);
    expect(list.map((d) => [d.channel, d.event, d.state, d.attempts])).toEqual([
      ["webhook", "alert.resolved", "delivered", 1],
      ["slack", "alert.resolved", "delivered", 1],
      ["webhook", "alert.firing", "delivered", 1],
      ["slack", "alert.firing", "delivered", 1],
    ]);
    expect((await sourceOf(ws, "slack"))?.status).toBe("live");
    expect((await sourceOf(ws, "webhook"))?.status).toBe("live");
  });

  it("silenced alerts and alerts below the minimum severity send nothing", async () => {
    const { ws, r, deliver } = await setup({ minSeverity: "error" });
    const silence = await call(
      `/w/${ws.id}/api/silences`,
      jsonInit(
        "POST",
        {
          matchers: [{ name: "alertname", op: "=", value: "Silenced" }],
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          comment: "maintenance",
        },
        ws.operator,
      ),
    );
    expect(silence.status).toBe(201);
    const silenced = firing("s1", {
      labels: { alertname: "Silenced", severity: "critical" },
    });
    const minor = firing("w1", { labels: { alertname: "Minor", severity: "warning" } });
    expect((await deliver(silenced)).status).toBe(200);
    expect((await deliver(minor)).status).toBe(200);
    expect((await listAlerts(ws)).map((a) => a.status).sort()).toEqual(["firing", "suppressed"]);
    await settle();
    expect(await received(r, "slack")).toEqual([]);
    expect(await received(r, "hook")).toEqual([]);
    expect(await deliveries(ws)).toEqual([]);
    // Neither was notified firing, so neither is notified resolved.
    await deliver(
      amGroup([{ ...minor.alerts[0]!, status: "resolved", endsAt: "2026-03-01T11:00:00Z" }]),
    );
    await settle();
    expect(await deliveries(ws)).toEqual([]);
    // The silence ends while its alert still fires: now it is notified, once.
    const { silence: created } = (await silence.json()) as { silence: { id: string } };
    const expired = await call(`/w/${ws.id}/api/silences/${created.id}`, {
      ...bearer(ws.operator),
      method: "DELETE",
    });
    expect(expired.status).toBe(200);
    const slack = await waitFor(
      () => received(r, "slack"),
      (list) => list.length >= 1,
    );
    expect(slack[0]!.body).toContain("Firing: Summary s1");
    await settle();
    expect(await received(r, "slack")).toHaveLength(1);
  });

  it("a PagerDuty-style trigger is retried after a 503, in order, then delivered", async () => {
    const ws = await makeWorkspace("notify");
    const r = receivers();
    await configureChannels(ws, r);
    await injectFaults(r, ["unavailable"]);
    const pd = await makeIntegration(ws, "pagerduty");
    const trigger = (key: string, summary: string) =>
      postJson("/v2/enqueue", {
        ...pdTrigger,
        routing_key: pd.credential,
        dedup_key: key,
        payload: { ...pdTrigger.payload, severity: "error", summary },
      });
    expect((await trigger("a", "First")).status).toBe(202);
    await waitFor(
      () => deliveries(ws),
      (list) => list.some((d) => d.channel === "slack" && d.attempts === 1),
    );
    expect((await trigger("b", "Second")).status).toBe(202);
    const pending = (await deliveries(ws)).filter((d) => d.channel === "slack");
    const first = pending.find((d) => d.title === "First")!;
    expect(first).toMatchObject({ state: "pending", attempts: 1, lastStatus: 503 });
    expect(first.lastError).toBe("Slack answered 503 Service Unavailable");
    // Backoff with jitter: between half and all of the first 10 s step.
    const wait = Date.parse(first.nextAttemptAt!) - Date.now();
    expect(wait).toBeGreaterThan(3_000);
    expect(wait).toBeLessThanOrEqual(10_000);
    // The second waits behind the first: a channel never receives events out of order.
    await settle();
    expect((await received(r, "slack")).map((m) => m.body.includes("First"))).toEqual([true]);
    expect((await sourceOf(ws, "slack"))?.status).toBe("error");

    await skipBackoff(ws);
    const slack = await waitFor(
      () => received(r, "slack"),
      (list) => list.length >= 3,
    );
    expect(slack.map((m) => (m.body.includes("First") ? "First" : "Second"))).toEqual([
      "First",
      "First",
      "Second",
    ]);
    const done = await waitFor(
      () => deliveries(ws),
      (list) => list.every((d) => d.state === "delivered"),
    );
    expect(done.find((d) => d.channel === "slack" && d.title === "First")?.attempts).toBe(2);
    expect((await sourceOf(ws, "slack"))?.status).toBe("live");
  });

  it("429 waits out Slack's Retry-After before the next attempt", async () => {
    const { ws, r, deliver } = await setup();
    await injectFaults(r, ["rate_limited"]);
    await deliver(firing("r1", { labels: { alertname: "Rate", severity: "critical" } }));
    const [slack] = await waitFor(
      () => deliveries(ws).then((l) => l.filter((d) => d.channel === "slack")),
      (list) => list[0]?.attempts === 1,
    );
    expect(slack).toMatchObject({ state: "pending", lastStatus: 429 });
    const wait = Date.parse(slack!.nextAttemptAt!) - Date.now();
    expect(wait).toBeGreaterThan(115_000);
    expect(wait).toBeLessThanOrEqual(120_000);
    await settle();
    expect(await received(r, "slack")).toHaveLength(1);
    await skipBackoff(ws);
    await waitFor(
      () => received(r, "slack"),
      (list) => list.length === 2,
    );
  });

  it("a permanent 404 no_service is recorded once, shown on the source, and not retried", async () => {
    const { ws, r, deliver } = await setup();
    await injectFaults(r, ["no_service"]);
    await deliver(firing("n1", { labels: { alertname: "Gone", severity: "critical" } }));
    const [slack] = await waitFor(
      () => deliveries(ws).then((l) => l.filter((d) => d.channel === "slack")),
      (list) => list[0]?.state === "failed",
    );
    expect(slack).toMatchObject({
      attempts: 1,
      lastStatus: 404,
      lastError: "Slack answered 404 Not Found",
    });
    expect(await sourceOf(ws, "slack")).toMatchObject({
      status: "error",
      lastError: "Slack answered 404 Not Found",
    });
    await skipBackoff(ws);
    await settle();
    expect(await received(r, "slack")).toHaveLength(1);
    // The webhook channel is independent and delivered.
    expect((await sourceOf(ws, "webhook"))?.status).toBe("live");
    const page = await (await call(`/w/${ws.id}/settings`, bearer(ws.admin))).text();
    expect(page).toContain("Slack answered 404 Not Found");
    expect(page).not.toContain("no_service");
  });

  it("incidents: opened and each status update are sent", async () => {
    const { ws, r, deliver } = await setup();
    await deliver(firing("i1", { labels: { alertname: "Inc", severity: "info" } }));
    const [alert] = await listAlerts(ws);
    const created = await call(
      `/w/${ws.id}/api/incidents`,
      jsonInit(
        "POST",
        { alertId: alert!.id, title: "Checkout down", severity: "critical" },
        ws.operator,
      ),
    );
    expect(created.status).toBe(201);
    const { incident } = (await created.json()) as { incident: { id: string } };
    const update = await call(
      `/w/${ws.id}/api/incidents/${incident.id}/updates`,
      jsonInit("POST", { status: "identified", message: "Bad deploy" }, ws.operator),
    );
    expect(update.status).toBe(200);
    const hooks = await waitFor(
      () => received(r, "hook"),
      (list) => list.length >= 2,
    );
    const events = hooks.map((h) => JSON.parse(h.body) as NotificationEvent);
    expect(events.map((e) => [e.type, e.data.status])).toEqual([
      ["incident.opened", "investigating"],
      ["incident.updated", "identified"],
    ]);
    expect(events[1]!.data).toMatchObject({ message: "Bad deploy", by: "operator-bot" });
    expect(events[0]!.data.url).toBe(`http://opsdeck.test/w/${ws.id}/incidents/${incident.id}`);
  });
});

describe("POST api/notifications/test", () => {
  const test = (ws: TestWorkspace, body: unknown, token = ws.admin) =>
    call(`/w/${ws.id}/api/notifications/test`, jsonInit("POST", body, token));

  it("sends now and returns the provider's answer; failures are 502/503 problems", async () => {
    const { ws, r } = await setup();
    const ok = await test(ws, { channel: "slack" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      success: true,
      channel: "slack",
      status: 200,
      detail: "Slack answered 200 OK",
    });
    const [message] = await received(r, "slack");
    expect(SlackMessage.parse(JSON.parse(message!.body)).text).toContain("Test");

    const hook = await test(ws, { channel: "webhook" });
    expect(hook.status).toBe(200);
    const [signed] = await received(r, "hook");
    expect(new Webhook(r.webhookSecret).verify(signed!.body, signed!.headers)).toMatchObject({
      type: "test",
    });

    await injectFaults(r, ["no_service"]);
    const refused = await expectProblem(
      await test(ws, { channel: "slack" }),
      502,
      "upstream_error",
    );
    expect(refused.detail).toBe(
      "Slack did not accept the test message: Slack answered 404 Not Found",
    );
    await injectFaults(r, ["channel_is_archived"]);
    const archived = await expectProblem(
      await test(ws, { channel: "slack" }),
      502,
      "upstream_error",
    );
    expect(archived.detail).toContain("Slack answered 410 Gone");
    expect(archived.detail).not.toContain("channel_is_archived");
    await injectFaults(r, ["rate_limited"]);
    const limited = await test(ws, { channel: "slack" });
    expect(limited.status).toBe(503);
    expect(limited.headers.get("Retry-After")).toBe("120");
    await injectFaults(r, ["server_error"]);
    await expectProblem(await test(ws, { channel: "slack" }), 503, "upstream_error");

    // Every test is audited and in the delivery history.
    const audit = await (await call(`/w/${ws.id}/api/audit?limit=50`, bearer(ws.admin))).text();
    expect(audit.match(/notification\.test/g)?.length).toBe(6);
    const history = await deliveries(ws);
    expect(history.filter((d) => d.event === "test")).toHaveLength(6);
    expect(await sourceOf(ws, "slack")).toMatchObject({ status: "error" });
  });

  it("reports only the status and a fixed reason, never the receiver's body", async () => {
    const { ws, r, deliver } = await setup();
    const leaked = "LEAKED-UPSTREAM-BODY";
    await injectFaults(r, ["leaky"], "hook");
    const res = await test(ws, { channel: "webhook" });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).not.toContain(leaked);
    expect(JSON.parse(text)).toMatchObject({
      code: "upstream_error",
      detail: expect.stringMatching(/: The webhook answered 404 Not Found$/) as unknown,
    });

    // A queued message the receiver refuses the same way.
    await injectFaults(r, ["leaky"], "slack");
    await deliver(firing("l1", { labels: { alertname: "Leak", severity: "critical" } }));
    const history = await waitFor(
      () => deliveries(ws),
      (list) => list.some((d) => d.channel === "slack" && d.state === "failed"),
    );
    expect(history.find((d) => d.channel === "slack")).toMatchObject({
      lastStatus: 404,
      lastError: "Slack answered 404 Not Found",
    });
    expect(history.find((d) => d.event === "test")).toMatchObject({
      lastError: "The webhook answered 404 Not Found",
    });
    for (const path of ["api/notifications/deliveries?limit=200", "api/notifications", "settings"])
      expect(await (await call(`/w/${ws.id}/${path}`, bearer(ws.admin))).text()).not.toContain(
        leaked,
      );
  });

  it("409 when the channel is not configured; Idempotency-Key replays one send", async () => {
    const ws = await makeWorkspace("notify");
    await expectProblem(await test(ws, { channel: "slack" }), 409, "not_configured");
    await expectProblem(await test(ws, { channel: "webhook" }), 409, "not_configured");
    const r = receivers();
    await configureChannels(ws, r);
    const init = jsonInit("POST", { channel: "slack" }, ws.admin);
    const headers = new Headers(init.headers);
    headers.set("Idempotency-Key", crypto.randomUUID());
    const path = `/w/${ws.id}/api/notifications/test`;
    expect((await call(path, { ...init, headers })).status).toBe(200);
    const replay = await call(path, { ...init, headers });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await received(r, "slack")).toHaveLength(1);
  });

  it("bad input is a 400 naming the field; roles are checked", async () => {
    const { ws, r } = await setup();
    for (const [body, path] of [
      [{ channel: "email" }, "json.channel"],
      [{ channel: "sms" }, "json.channel"],
      [{}, "json.channel"],
      [{ channel: "slack", extra: 1 }, "json.extra"],
    ] as const) {
      const problem = (await expectProblem(await test(ws, body), 400, "validation_failed")) as {
        issues?: { path: string }[];
      };
      expect(problem.issues?.map((i) => i.path)).toContain(path);
    }
    const raw = await call(`/w/${ws.id}/api/notifications/test`, {
      ...bearer(ws.admin),
      method: "POST",
      headers: { Authorization: `Bearer ${ws.admin}`, "Content-Type": "application/json" },
      body: "{not json",
    });
    expect(raw.status).toBe(400);
    for (const q of ["limit=0", "limit=201", "limit=abc"])
      await expectProblem(
        await call(`/w/${ws.id}/api/notifications/deliveries?${q}`, bearer(ws.admin)),
        400,
        "validation_failed",
      );
    for (const token of [ws.viewer, ws.operator]) {
      await expectProblem(await test(ws, { channel: "slack" }, token), 403, "forbidden");
      await expectProblem(
        await call(`/w/${ws.id}/api/notifications/deliveries`, bearer(token)),
        403,
        "forbidden",
      );
    }
    await expectProblem(
      await call(`/w/${ws.id}/api/notifications/test`, jsonInit("POST", { channel: "slack" })),
      401,
      "unauthenticated",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/notifications/deliveries`),
      401,
      "unauthenticated",
    );
    await expectProblem(await call(`/w/${ws.id}/api/notifications`), 401, "unauthenticated");
    expect(await received(r, "slack")).toEqual([]);
  });
});

describe("settings for the channels", () => {
  const put = (ws: TestWorkspace, body: unknown) =>
    call(`/w/${ws.id}/api/settings`, jsonInit("PUT", body, ws.admin));
  const read = async (ws: TestWorkspace) =>
    (
      (await (await call(`/w/${ws.id}/api/settings`, bearer(ws.admin))).json()) as {
        settings: Settings;
      }
    ).settings;

  it("bad webhook URLs and secrets are refused and nothing stored changes", async () => {
    const { ws } = await setup();
    const before = await read(ws);
    for (const url of [
      "http://hooks.example.com/x",
      "https://10.0.0.5/hook",
      "https://169.254.169.254/",
      "https://hooks.internal/x",
      "https://user:pw@hooks.example.com/x",
      "file:///etc/passwd",
      "not a url",
    ]) {
      const problem = (await expectProblem(
        await put(ws, { integrations: { webhook: { enabled: true, url } } }),
        400,
        "url_not_allowed",
      )) as { issues?: { path: string }[] };
      expect(problem.issues?.map((i) => i.path)).toEqual(["json.integrations.webhook.url"]);
    }
    for (const secret of ["plain", "whsec_", "whsec_c2hvcnQ=", "whsec_!!!!"])
      await expectProblem(
        await put(ws, { integrations: { webhook: { enabled: true, secret } } }),
        400,
        "validation_failed",
      );
    for (const body of [
      { integrations: { webhook: { enabled: true, token: "x" } } },
      { notifications: { minSeverity: "fatal" } },
      { notifications: { sms: true } },
    ])
      await expectProblem(await put(ws, body), 400, "validation_failed");
    expect(await read(ws)).toEqual(before);
  });

  it("loopback and private URLs are refused where loopback is not allowed", async () => {
    const ws = await makeWorkspace("notify");
    const strict = { ...env, ALLOW_LOOPBACK_URLS: "false" };
    for (const [field, url] of [
      ["slack", "http://127.0.0.1:9/hook"],
      ["slack", "https://localhost/hook"],
      ["webhook", "http://127.0.0.1:9/hook"],
      ["webhook", "https://[::1]/hook"],
    ] as const) {
      const body =
        field === "slack"
          ? { integrations: { slack: { enabled: true, webhookUrl: url } } }
          : { integrations: { webhook: { enabled: true, url } } };
      const res = await app.fetch(
        new Request(`http://opsdeck.test/w/${ws.id}/api/settings`, jsonInit("PUT", body, ws.admin)),
        strict,
        createExecutionContext(),
      );
      await expectProblem(res, 400, "url_not_allowed");
    }
    expect((await read(ws)).integrations.webhook.urlSet).toBe(false);
  });

  it("secrets and URL tokens never appear in a response or page; email says it is not delivered", async () => {
    const { ws, r, deliver } = await setup();
    await deliver(firing("x1", { labels: { alertname: "X", severity: "critical" } }));
    await waitFor(
      () => received(r, "slack"),
      (list) => list.length === 1,
    );
    await call(
      `/w/${ws.id}/api/notifications/test`,
      jsonInit("POST", { channel: "webhook" }, ws.admin),
    );
    const settings = await read(ws);
    expect(settings.integrations.webhook).toEqual({
      enabled: true,
      urlSet: true,
      urlHost: new URL(r.webhookUrl).host,
      secretSet: true,
    });
    const view = (await (
      await call(`/w/${ws.id}/api/notifications`, bearer(ws.viewer))
    ).json()) as {
      notifications: NotificationsView;
    };
    expect(view.notifications.channels.find((c) => c.channel === "email")).toMatchObject({
      active: false,
      reason: expect.stringContaining("not delivered"),
    });
    const texts = await Promise.all(
      [
        `/w/${ws.id}/api/settings`,
        `/w/${ws.id}/api/notifications`,
        `/w/${ws.id}/api/notifications/deliveries`,
        `/w/${ws.id}/api/audit?limit=200`,
        `/w/${ws.id}/api/status`,
        `/w/${ws.id}/settings`,
        `/w/${ws.id}/`,
      ].map(async (path) => (await call(path, bearer(ws.admin))).text()),
    );
    for (const text of texts) for (const secret of secretsOf(r)) expect(text).not.toContain(secret);
    const history = await deliveries(ws);
    expect(history.every((d) => d.host === new URL(r.slackUrl).host)).toBe(true);
    const page = texts[5]!;
    expect(page).toContain("Email is not delivered");
    expect(page).toContain("Send test");
  });
});

describe("the outbox", () => {
  it("is capped per channel: the oldest pending messages are dropped and counted", async () => {
    const ws = await makeWorkspace("notify");
    await runInDurableObject(ws.stub, (_instance, state) => {
      const outbox = new NotificationOutbox(state.storage.sql);
      const event = (i: number): NotificationEvent => ({
        type: "alert.firing",
        timestamp: new Date().toISOString(),
        data: { workspace: ws.id, id: `a${i}`, title: `A${i}`, message: "", status: "firing" },
      });
      for (let i = 0; i < 505; i++) outbox.enqueue("slack", event(i), 1_000 + i);
      expect(outbox.channel("slack")).toMatchObject({ pending: 500, dropped: 5 });
      expect(outbox.head("slack")?.event.data.id).toBe("a5");
      expect(outbox.channel("webhook")).toMatchObject({ pending: 0, dropped: 0 });
    });
  });
});
