import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ActivityItem, AlertBatchResult, SourceStatus } from "../../schema";
import amResolved from "../fixtures/alerting/alertmanager-resolved.json";
import {
  amAlert,
  amGroup,
  amPayload,
  integration,
  listAlerts,
  makeIntegration,
  postJson,
} from "../helpers/alerting";
import { captureConsole } from "../helpers/console";
import { closeAllSockets, openSocket, waitForFrame } from "../helpers/ws";
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

const hook = (ws: TestWorkspace) => `/w/${ws.id}/hooks/alertmanager`;

async function setup() {
  const ws = await makeWorkspace("am");
  const am = await makeIntegration(ws, "alertmanager");
  const deliver = (body: unknown, token = am.credential) =>
    postJson(hook(ws), body, { Authorization: `Bearer ${token}` });
  return { ws, am, deliver };
}

afterEach(() => closeAllSockets());

describe("Alertmanager receiver: the captured Alertmanager 0.25 notification", () => {
  it("stores one alert per fingerprint, normalised, and reports the source live", async () => {
    const { ws, am, deliver } = await setup();
    const res = await deliver(amPayload());
    expect(res.status).toBe(200);
    expect((await res.json()) as AlertBatchResult).toMatchObject({
      status: "success",
      outcome: "accepted",
      created: 2,
      repeated: 0,
    });

    const alerts = await listAlerts(ws);
    expect(alerts).toHaveLength(2);
    const a = alerts.find((x) => x.fingerprint === "59d7a84a7536c84e")!;
    expect(a).toMatchObject({
      title: "High request latency on api-1:9090",
      message: "99th percentile latency is above 1s for 5 minutes.",
      severity: "critical",
      status: "firing",
      acknowledged: false,
      source: "alertmanager",
      timestamp: new Date(amPayload().alerts[0]!.startsAt).toISOString(),
      count: 1,
      runbook: "https://runbooks.example.com/high-latency",
      group: '{}/{}:{alertname="HighLatency"}',
      integrationId: am.integration.id,
    });
    expect(a.links).toContainEqual({
      href: "http://prometheus.example.com/graph?g0.expr=latency",
      text: "Source",
    });
    expect(a.labels).toMatchObject({ alertname: "HighLatency", instance: "api-1:9090" });

    expect((await integration(ws, am.integration.id)).stats).toMatchObject({
      accepted: 1,
      rejected: 0,
    });
    const status = (await (await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).json()) as {
      sources: SourceStatus[];
    };
    expect(status.sources.find((s) => s.id === "alertmanager")).toMatchObject({ status: "live" });
    const activity = (await (await call(`/w/${ws.id}/api/activity`, bearer(ws.viewer))).json()) as {
      activities: ActivityItem[];
    };
    expect(activity.activities.filter((i) => i.type === "alert")).toHaveLength(2);
  });

  it("absorbs repeats (repeat_interval, HA pairs): count and lastSeen grow, one alert each", async () => {
    const { ws, deliver } = await setup();
    for (let i = 0; i < 3; i++) expect((await deliver(amPayload())).status).toBe(200);
    const alerts = await listAlerts(ws);
    expect(alerts).toHaveLength(2);
    expect(alerts.map((a) => a.count)).toEqual([3, 3]);
    expect(alerts.every((a) => a.lastSeen >= a.firstSeen)).toBe(true);
    const activity = (await (await call(`/w/${ws.id}/api/activity`, bearer(ws.viewer))).json()) as {
      activities: ActivityItem[];
    };
    expect(activity.activities).toHaveLength(2);
  });

  it("resolves with resolvedAt = endsAt, and a re-fire with a new startsAt is a new instance", async () => {
    const { ws, deliver } = await setup();
    await deliver(amPayload());
    expect((await deliver(amResolved)).status).toBe(200);
    let alerts = await listAlerts(ws);
    expect(alerts.map((a) => a.status)).toEqual(["resolved", "resolved"]);
    expect(alerts[0]!.resolvedAt).toBe(new Date(amResolved.alerts[0]!.endsAt).toISOString());
    // A late repeat of the resolved instance does not reopen it.
    await deliver(amPayload());
    expect((await listAlerts(ws)).map((a) => a.status)).toEqual(["resolved", "resolved"]);

    const refire = amPayload();
    for (const a of refire.alerts) a.startsAt = "2030-01-01T00:00:00Z";
    await deliver(refire);
    alerts = await listAlerts(ws);
    expect(alerts).toHaveLength(4);
    expect(alerts.filter((a) => a.status === "firing")).toHaveLength(2);
  });
});

describe("Alertmanager receiver: ordering, truncation, odd values", () => {
  it("stores a resolve for an unknown alert as resolved, without error", async () => {
    const { ws, deliver } = await setup();
    const res = await deliver(
      amGroup([amAlert("aa01", { status: "resolved", endsAt: "2026-01-01T00:05:00Z" })]),
    );
    expect(res.status).toBe(200);
    expect((await listAlerts(ws))[0]).toMatchObject({
      status: "resolved",
      resolvedAt: "2026-01-01T00:05:00.000Z",
    });
  });

  it("never resolves alerts missing from a truncated (or any) notification", async () => {
    const { ws, deliver } = await setup();
    await deliver(amGroup([amAlert("b1"), amAlert("b2")]));
    await deliver(amGroup([amAlert("b1")], { truncatedAlerts: 1 }));
    await deliver(amGroup([amAlert("b1")]));
    expect((await listAlerts(ws)).map((a) => a.status)).toEqual(["firing", "firing"]);
  });

  it("accepts a startsAt in the future, maps severities, keeps only http(s) links", async () => {
    const { ws, deliver } = await setup();
    const res = await deliver(
      amGroup(
        [
          amAlert("c1", { startsAt: "2099-01-01T00:00:00Z", labels: { severity: "ERROR" } }),
          amAlert("c2", {
            labels: { severity: "page", alertname: '<script>alert("XSS")</script>' },
            annotations: { runbook_url: "javascript:alert(1)" },
            generatorURL: "javascript:alert(1)",
          }),
          amAlert("c3", { labels: {}, annotations: {} }),
        ],
        { externalURL: "data:text/html,hi", notification_reason: "new", routeLabels: {} } as object,
      ),
    );
    expect(res.status).toBe(200);
    const alerts = await listAlerts(ws);
    const byFp = Object.fromEntries(alerts.map((a) => [a.fingerprint, a]));
    expect(byFp.c1).toMatchObject({ severity: "error", timestamp: "2099-01-01T00:00:00.000Z" });
    expect(byFp.c2).toMatchObject({ severity: "warning", title: '<script>alert("XSS")</script>' });
    expect(byFp.c2!.runbook).toBeUndefined();
    expect(byFp.c2!.links).toEqual([]);
    expect(byFp.c3).toMatchObject({ title: "Alert c3", message: "", severity: "warning" });
  });

  it("broadcasts the alert list and activity to live sockets", async () => {
    const { ws, deliver } = await setup();
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, (f) => f.type === "snapshot");
    await deliver(amPayload());
    // The alert list follows the answer (from the object's alarm), and the delivery's
    // activity items right after it.
    const alerts = await waitForFrame(sock, (f) => f.type === "alerts");
    expect(alerts.type === "alerts" && alerts.payload).toHaveLength(2);
    const activity = await waitForFrame(sock, (f) => f.type === "activity");
    expect(activity.type === "activity" && activity.payload[0]?.type).toBe("alert");
    expect(sock.frames.indexOf(activity)).toBeGreaterThan(sock.frames.indexOf(alerts));
  });
});

describe("Alertmanager receiver: alert frames under load", () => {
  it("coalesces frames from a burst of deliveries and always ends on the latest list", async () => {
    const { ws, deliver } = await setup();
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, (f) => f.type === "snapshot");
    for (let i = 0; i < 12; i++)
      expect((await deliver(amGroup([amAlert(`burst${i}`)]))).status).toBe(200);
    const last = await waitForFrame(
      sock,
      (f) => f.type === "alerts" && f.payload.length === 12,
      5000,
    );
    expect(last.type === "alerts" && last.payload.map((a) => a.fingerprint)).toContain("burst11");
    const frames = sock.frames.filter((f) => f.type === "alerts");
    expect(frames.length).toBeLessThan(12);
    // Activity rides along with the paced alert frames: fewer frames, every item, newest first.
    const activity = await vi.waitFor(() => {
      const items = sock.frames.flatMap((f) => (f.type === "activity" ? f.payload : []));
      expect(items).toHaveLength(12);
      return sock.frames.filter((f) => f.type === "activity");
    });
    expect(activity.length).toBeLessThan(12);
    const last12 = activity.at(-1)!;
    expect(last12.type === "activity" && last12.payload[0]?.title).toContain("burst11");
  });
});

describe("Alertmanager receiver: bad payloads are 400 with issues, recorded on the integration", () => {
  const cases: Array<[string, unknown, string]> = [
    ["version 3", { ...amGroup([amAlert("v")]), version: "3" }, "json.version"],
    ["no groupKey", { ...amGroup([amAlert("v")]), groupKey: undefined }, "json.groupKey"],
    ["no alerts", { ...amGroup([]), alerts: undefined }, "json.alerts"],
    [
      "status pending",
      amGroup([amAlert("v", { status: "pending" as "firing" })]),
      "json.alerts.0.status",
    ],
    [
      "startsAt not RFC 3339",
      amGroup([amAlert("v", { startsAt: "yesterday" })]),
      "json.alerts.0.startsAt",
    ],
    [
      "endsAt before startsAt",
      amGroup([amAlert("v", { status: "resolved", endsAt: "2025-12-31T00:00:00Z" })]),
      "json.alerts.0.endsAt",
    ],
    [
      "more than 1000 alerts",
      amGroup(Array.from({ length: 1001 }, (_, i) => amAlert(`f${i}`))),
      "json.alerts",
    ],
  ];
  for (const [name, body, path] of cases) {
    it(name, async () => {
      const { ws, am, deliver } = await setup();
      const problem = (await expectProblem(
        await deliver(body),
        400,
        "validation_failed",
      )) as unknown as {
        issues: Array<{ path: string }>;
      };
      expect(problem.issues.map((i) => i.path)).toContain(path);
      const stats = (await integration(ws, am.integration.id)).stats;
      expect(stats).toMatchObject({ rejected: 1, accepted: 0 });
      expect(stats.lastError).toContain(path);
      expect(await listAlerts(ws)).toEqual([]);
    });
  }

  it("non-JSON, JSON that is not an object, wrong media type, oversized and chunked bodies", async () => {
    const { ws, am, deliver } = await setup();
    await expectProblem(await deliver("{nope"), 400, "invalid_json");
    await expectProblem(await deliver("[1,2]"), 400, "invalid_json");
    await expectProblem(await deliver("42"), 400, "invalid_json");
    await expectProblem(
      await call(hook(ws), {
        method: "POST",
        headers: { "Content-Type": "text/plain", Authorization: `Bearer ${am.credential}` },
        body: JSON.stringify(amPayload()),
      }),
      415,
      "unsupported_media_type",
    );
    await expectProblem(await deliver("x".repeat(2 * 1024 * 1024 + 1)), 413, "payload_too_large");
    // 10k alerts are over the byte limit before they are over the alert limit.
    const huge = amGroup(Array.from({ length: 10_000 }, (_, i) => amAlert(`f${i}`)));
    await expectProblem(await deliver(huge), 413, "payload_too_large");
    // A streamed body carries no Content-Length: the limit is counted as it arrives.
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ > 40) controller.close();
        else controller.enqueue(chunk);
      },
    });
    await expectProblem(
      await call(hook(ws), {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${am.credential}` },
        body: stream,
      }),
      413,
      "payload_too_large",
    );
    expect((await integration(ws, am.integration.id)).stats.rejected).toBe(7);
  });

  it("accepts a notification with no alerts as ignored", async () => {
    const { ws, am, deliver } = await setup();
    const res = await deliver(amGroup([]));
    expect(((await res.json()) as AlertBatchResult).outcome).toBe("ignored");
    expect((await integration(ws, am.integration.id)).stats.ignored).toBe(1);
  });
});

describe("Alertmanager receiver: credentials", () => {
  it("refuses a missing, malformed, foreign or unknown bearer token with 401", async () => {
    const { ws, am, deliver } = await setup();
    const other = await makeWorkspace("am");
    const otherAm = await makeIntegration(other, "alertmanager");
    await expectProblem(await postJson(hook(ws), amPayload()), 401, "unauthenticated");
    await expectProblem(await deliver(amPayload(), ws.admin), 401, "unauthenticated");
    await expectProblem(await deliver(amPayload(), otherAm.credential), 401, "unauthenticated");
    const res = await deliver(amPayload(), `amk.${ws.id}.not-the-token`);
    await expectProblem(res, 401, "unauthenticated");
    expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
    // A token naming this workspace but unknown is counted, so a rotation left half-done shows.
    const stats = (await integration(ws, am.integration.id)).stats;
    expect(stats).toMatchObject({ rejected: 1, accepted: 0 });
    expect(stats.lastError).toMatch(/bearer token/);
    expect(await listAlerts(ws)).toEqual([]);
  });

  it("keeps the previous token during a rotation's overlap; a deleted integration is refused", async () => {
    const { ws, am, deliver } = await setup();
    const rotated = await call(
      `/w/${ws.id}/api/integrations/webhooks/${am.integration.id}/rotate`,
      jsonInit("POST", { overlapSeconds: 60 }, ws.admin),
    );
    const { credential } = (await rotated.json()) as { credential: string };
    expect((await deliver(amPayload())).status).toBe(200);
    expect((await deliver(amPayload(), credential)).status).toBe(200);
    await call(
      `/w/${ws.id}/api/integrations/webhooks/${am.integration.id}`,
      bearer(ws.admin, { method: "DELETE" }),
    );
    await expectProblem(await deliver(amPayload(), credential), 401, "unauthenticated");
  });
});

describe("Alertmanager receiver: faults", () => {
  it("answers 503 when the object fails mid-batch, stores nothing, and applies the retry once", async () => {
    const { ws, deliver } = await setup();
    // Fault injection for this test only: the second write of the batch throws.
    await runInDurableObject(ws.stub, (instance) => {
      const store = (instance as unknown as { c: { alerts: { store: { put(a: unknown): void } } } })
        .c.alerts.store;
      const put = store.put.bind(store);
      let calls = 0;
      store.put = (a: unknown) => {
        if (++calls === 2) throw new Error("simulated storage failure");
        put(a);
      };
    });
    const errors = captureConsole("error");
    const failed = await deliver(amPayload());
    await expectProblem(failed, 503, "unavailable");
    expect(failed.headers.get("Retry-After")).toBe("5");
    // The log names the request and the fault, and holds no part of the receiver credential.
    expect(errors.lines()).toEqual([
      expect.stringMatching(/^request \S+: alert delivery failed: simulated storage failure$/),
    ]);
    expect(await listAlerts(ws)).toEqual([]);
    await runInDurableObject(ws.stub, (instance) => {
      delete (instance as unknown as { c: { alerts: { store: { put?: unknown } } } }).c.alerts.store
        .put;
    });
    expect((await deliver(amPayload())).status).toBe(200);
    const alerts = await listAlerts(ws);
    expect(alerts).toHaveLength(2);
    expect(alerts.map((a) => a.count)).toEqual([1, 1]);
  });
});
