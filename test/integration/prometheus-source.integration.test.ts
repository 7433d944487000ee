import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { Alert, Metric, PrometheusIntegration, SourceStatus } from "../../schema";
import type { StandinRequest } from "../peers/prometheus-standin";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

/** Each test gets its own prefix on the stand-in (see test/peers/prometheus-standin.ts). */
function endpoint() {
  const id = crypto.randomUUID().slice(0, 8);
  const base = `${inject("prometheusUrl")}/s/${id}`;
  return {
    base,
    mode: (mode: "ok" | "down" | "unauthorized" | "timeout") =>
      fetch(`${inject("prometheusUrl")}/__mode?id=${id}&mode=${mode}`, { method: "POST" }),
    requests: async () =>
      (await (
        await fetch(`${inject("prometheusUrl")}/__requests?id=${id}`)
      ).json()) as StandinRequest[],
  };
}

const put = (ws: TestWorkspace, body: unknown, token = ws.admin) =>
  call(`/w/${ws.id}/api/integrations/prometheus`, jsonInit("PUT", body, token));

async function view(ws: TestWorkspace, token = ws.viewer): Promise<PrometheusIntegration> {
  const res = await call(`/w/${ws.id}/api/integrations/prometheus`, bearer(token));
  expect(res.status).toBe(200);
  return ((await res.json()) as { integration: PrometheusIntegration }).integration;
}

async function metrics(ws: TestWorkspace): Promise<Metric[]> {
  const res = await call(`/w/${ws.id}/api/metrics`, bearer(ws.viewer));
  return ((await res.json()) as { metrics: Metric[] }).metrics;
}

async function source(ws: TestWorkspace): Promise<SourceStatus | undefined> {
  const res = await call(`/w/${ws.id}/api/status`, bearer(ws.viewer));
  const body = (await res.json()) as { sources: SourceStatus[] };
  return body.sources.find((s) => s.id === "prometheus");
}

/** Open alerts raised by the `up` card's thresholds (title "UP: …"). */
async function firingUp(ws: TestWorkspace): Promise<Alert[]> {
  const res = await call(`/w/${ws.id}/api/alerts`, bearer(ws.viewer));
  const { alerts } = (await res.json()) as { alerts: Alert[] };
  return alerts.filter((a) => a.title.startsWith("UP:") && a.status === "firing");
}

const card = (id: string, query: string, extra: Record<string, unknown> = {}) => ({
  id,
  label: id.toUpperCase(),
  query,
  ...extra,
});

describe("Prometheus source: configuration", () => {
  it("an admin saves it, a viewer reads it without the credential, others are refused", async () => {
    const ws = await makeWorkspace("prom");
    const ep = endpoint();
    const body = {
      enabled: true,
      baseUrl: ep.base,
      auth: { type: "bearer", token: "prom-secret-token-123" },
      orgId: "tenant-1",
      cards: [card("up", "up")],
    };
    await expectProblem(await put(ws, body, ws.operator), 403, "forbidden");
    await expectProblem(await put(ws, body, ws.viewer), 403, "forbidden");
    await expectProblem(
      await call(`/w/${ws.id}/api/integrations/prometheus`),
      401,
      "unauthenticated",
    );
    const res = await put(ws, body);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("prom-secret-token-123");
    const seen = await view(ws);
    expect(seen).toMatchObject({
      enabled: true,
      authType: "bearer",
      credentialSet: true,
      orgId: "tenant-1",
    });
    expect(JSON.stringify(seen)).not.toContain("prom-secret-token-123");
    // The credential and tenant reached Prometheus: the check, the history and the first run.
    const sent = await ep.requests();
    expect(sent.map((r) => r.endpoint)).toEqual(expect.arrayContaining(["query", "query_range"]));
    for (const r of sent) {
      expect(r.authorization).toBe("Bearer prom-secret-token-123");
      expect(r.orgId).toBe("tenant-1");
    }
    const audit = await (await call(`/w/${ws.id}/api/audit`, bearer(ws.admin))).text();
    expect(audit).toContain("prometheus.configure");
    expect(audit).not.toContain("prom-secret-token-123");
    // Omitting auth keeps it; basic auth is sent as RFC 7617 basic.
    expect((await put(ws, { ...body, auth: undefined })).status).toBe(200);
    expect((await view(ws)).credentialSet).toBe(true);
    const basic = { type: "basic", username: "grafana", password: "p@ss:word" };
    expect((await put(ws, { ...body, auth: basic })).status).toBe(200);
    const auths = (await ep.requests()).map((r) => r.authorization);
    expect(auths).toContain(`Basic ${btoa("grafana:p@ss:word")}`);
  });

  it("answers another workspace's admin token with 404 on both endpoints, calling nothing", async () => {
    const ws = await makeWorkspace("prom");
    const other = await makeWorkspace("prom");
    const ep = endpoint();
    const body = { enabled: true, baseUrl: ep.base, cards: [card("up", "up")] };
    await expectProblem(await put(ws, body, other.admin), 404, "not_found");
    const read = await call(`/w/${ws.id}/api/integrations/prometheus`, bearer(other.admin));
    await expectProblem(read, 404, "not_found");
    expect(await ep.requests()).toEqual([]);
  });

  it("refuses a stored credential following the URL to another host", async () => {
    const ws = await makeWorkspace("prom");
    const ep = endpoint();
    const auth = { type: "bearer", token: "prom-secret-token-123" };
    expect((await put(ws, { enabled: true, baseUrl: ep.base, auth, cards: [] })).status).toBe(200);
    const moved = { enabled: true, baseUrl: ep.base.replace("127.0.0.1", "localhost"), cards: [] };
    const body = await expectProblem(await put(ws, moved), 400, "credential_required");
    expect(body.detail).toContain("auth");
  });

  it.each([
    ["http://10.0.0.5:9090", "scheme http:"],
    ["https://10.0.0.5", "private"],
    ["https://169.254.169.254", "link-local"],
    ["https://[fd00::1]", "unique local"],
    ["https://prometheus.internal", "local or internal"],
    ["https://127.0.0.1.nip.io", "wildcard DNS"],
    ["file:///etc/passwd", "scheme"],
    ["https://user:pw@prom.example.com", "credentials in the URL"],
    ["https://prom.example.com:22", "port 22"],
    ["not a url", "absolute URL"],
  ])("refuses the base URL %s (SSRF policy) before asking the object", async (baseUrl, reason) => {
    const ws = await makeWorkspace("prom");
    const res = await put(ws, { enabled: true, baseUrl, cards: [] });
    const body = await expectProblem(res, 400, "url_not_allowed");
    expect(body.detail).toContain("json.baseUrl");
    expect(body.detail).toContain(reason);
    expect((await view(ws)).baseUrl).toBeUndefined();
  });

  it.each([
    [{ enabled: true }, "baseUrl"],
    [
      { enabled: true, baseUrl: "https://p.example.com", cards: [card("Bad Id", "up")] },
      "cards.0.id",
    ],
    [{ enabled: true, baseUrl: "https://p.example.com", cards: [card("a", "")] }, "cards.0.query"],
    [
      {
        enabled: true,
        baseUrl: "https://p.example.com",
        cards: [card("a", "up"), card("a", "up")],
      },
      "cards",
    ],
    [
      {
        enabled: true,
        baseUrl: "https://p.example.com",
        cards: Array.from({ length: 11 }, (_, i) => card(`c${i}`, "up")),
      },
      "cards",
    ],
    [{ enabled: true, baseUrl: "https://p.example.com", auth: { type: "digest" } }, "auth"],
    [
      {
        enabled: true,
        baseUrl: "https://p.example.com",
        cards: [card("a", "up", { thresholds: {} })],
      },
      "cards.0.thresholds",
    ],
    [{ enabled: true, baseUrl: "https://p.example.com", extra: 1 }, "json"],
  ])("refuses a malformed body %# naming the field", async (body, field) => {
    const ws = await makeWorkspace("prom");
    const res = await put(ws, body);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { code: string; issues?: { path: string }[] };
    expect(problem.code).toBe("validation_failed");
    expect(problem.issues?.some((i) => i.path.includes(field))).toBe(true);
  });

  it("gives Prometheus's own error for bad PromQL at save time, on the card's query field", async () => {
    const ws = await makeWorkspace("prom");
    const ep = endpoint();
    const cards = [card("up", "up"), card("broken", "fixture_bad_data")];
    const res = await put(ws, { enabled: true, baseUrl: ep.base, cards });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as {
      code: string;
      detail: string;
      issues: { path: string }[];
    };
    expect(problem.code).toBe("promql_invalid");
    expect(problem.issues[0]?.path).toBe("json.cards.1.query");
    expect(problem.detail).toContain("Prometheus says: <string>");
    // 422 (cannot execute) stays 422; a string result is refused too; nothing was saved.
    const exec = await put(ws, {
      enabled: true,
      baseUrl: ep.base,
      cards: [card("x", "fixture_execution")],
    });
    await expectProblem(exec, 422, "promql_invalid");
    const str = await put(ws, {
      enabled: true,
      baseUrl: ep.base,
      cards: [card("s", "fixture_string")],
    });
    await expectProblem(str, 400, "promql_not_numeric");
    const partial = [card("p", "fixture_error_with_data")];
    await expectProblem(
      await put(ws, { enabled: true, baseUrl: ep.base, cards: partial }),
      422,
      "promql_invalid",
    );
    const slow = await put(ws, {
      enabled: true,
      baseUrl: ep.base,
      cards: [card("t", "fixture_timeout")],
    });
    await expectProblem(slow, 503, "prometheus_timeout");
    expect(slow.headers.get("Retry-After")).toBe("30");
    expect((await view(ws)).baseUrl).toBeUndefined();
  });

  it("refuses an endpoint that is down or refuses the credential, saving nothing", async () => {
    const ws = await makeWorkspace("prom");
    const ep = endpoint();
    await ep.mode("down");
    const down = await put(ws, { enabled: true, baseUrl: ep.base, cards: [card("up", "up")] });
    expect((await expectProblem(down, 422, "prometheus_unreachable")).detail).toContain("HTTP 503");
    await ep.mode("unauthorized");
    const auth = { type: "bearer", token: "wrong-token" };
    const refused = await put(ws, { enabled: true, baseUrl: ep.base, auth, cards: [] });
    const body = await expectProblem(refused, 422, "prometheus_credentials");
    expect(JSON.stringify(body)).not.toContain("wrong-token");
    expect((await view(ws)).baseUrl).toBeUndefined();
  });
});

describe("Prometheus source: collection", () => {
  it("a vector becomes one series per label set, with source, age and its chart history", async () => {
    const ws = await makeWorkspace("prom");
    const ep = endpoint();
    const cards = [
      card("up", "up", { unit: "", thresholds: { direction: "below", critical: 0.5 } }),
    ];
    expect((await put(ws, { enabled: true, baseUrl: ep.base, cards })).status).toBe(200);
    await runDurableObjectAlarm(ws.stub);
    // The docs' range example names node on :9091 and the instant one on :9100: three series.
    const list = (await metrics(ws)).filter((m) => m.source === "prometheus");
    expect(list).toHaveLength(3);
    const node = list.find((m) => m.label.includes("localhost:9100"));
    expect(node, JSON.stringify(list)).toMatchObject({ value: 0, status: "critical" });
    expect(node?.id).toMatch(/^up:localhost_9100_node-[0-9a-f]{8}$/);
    expect(list.find((m) => m.label.includes('job="prometheus"'))).toMatchObject({
      value: 1,
      status: "healthy",
    });
    expect(await source(ws)).toMatchObject({ status: "live", lastSuccessAt: expect.any(String) });
    // The history from query_range is behind the chart.
    const self = list.find((m) => m.label.includes("localhost:9090"));
    const chart = await call(`/w/${ws.id}/api/charts/${self?.id}?timeRange=1h`, bearer(ws.viewer));
    expect(((await chart.json()) as { data: unknown[] }).data.length).toBeGreaterThanOrEqual(2);
    // The threshold raised one alert through the normal lifecycle; a second run adds none.
    await runDurableObjectAlarm(ws.stub);
    const alerts = await call(`/w/${ws.id}/api/alerts`, bearer(ws.viewer));
    const firing = ((await alerts.json()) as { alerts: Alert[] }).alerts.filter((a) =>
      a.title.startsWith("UP:"),
    );
    expect(firing).toHaveLength(1);
    expect(firing[0]?.title).toContain("UP: critical threshold");
  });

  it("stores a scalar, skips and counts NaN and +Inf, keeps warnings, and reports a refused query", async () => {
    const ws = await makeWorkspace("prom");
    const ep = endpoint();
    const cards = [
      card("scalar", "fixture_scalar"),
      card("nonfinite", "fixture_nonfinite"),
      card("warned", "fixture_warnings"),
    ];
    expect((await put(ws, { enabled: true, baseUrl: ep.base, cards })).status).toBe(200);
    await runDurableObjectAlarm(ws.stub);
    const byId = new Map((await metrics(ws)).map((m) => [m.id, m]));
    expect(byId.get("scalar")).toMatchObject({ value: 1, source: "prometheus" });
    expect([...byId.keys()].some((id) => id.startsWith("nonfinite"))).toBe(false);
    const reports = new Map((await view(ws)).cards.map((c) => [c.id, c.report]));
    expect(reports.get("scalar")).toMatchObject({ resultType: "scalar", series: 1, nonFinite: 0 });
    expect(reports.get("nonfinite")).toMatchObject({
      resultType: "vector",
      series: 2,
      nonFinite: 2,
    });
    expect(reports.get("warned")).toMatchObject({ series: 1, warnings: ["<string>"] });
    expect(await source(ws)).toMatchObject({ status: "live" });
  });

  it("an endpoint going down after a success turns the source stale with the reason, keeping the values", async () => {
    const ws = await makeWorkspace("prom");
    const ep = endpoint();
    expect(
      (await put(ws, { enabled: true, baseUrl: ep.base, cards: [card("up", "up")] })).status,
    ).toBe(200);
    await runDurableObjectAlarm(ws.stub);
    expect(await source(ws)).toMatchObject({ status: "live" });
    await ep.mode("down");
    await call(`/w/${ws.id}/api/refresh`, jsonInit("POST", {}, ws.operator));
    const stale = await source(ws);
    expect(stale).toMatchObject({
      status: "stale",
      lastError: expect.stringContaining("HTTP 503"),
    });
    expect((await metrics(ws)).filter((m) => m.source === "prometheus")).toHaveLength(3);
    // Prometheus answering every query with its error envelope: each card says why.
    await ep.mode("timeout");
    await call(`/w/${ws.id}/api/refresh`, jsonInit("POST", {}, ws.operator));
    expect((await source(ws))?.lastError).toContain("card up: <string>: <string>");
    expect((await view(ws)).cards[0]?.report?.error).toBe("<string>: <string>");
    await ep.mode("unauthorized");
    await call(`/w/${ws.id}/api/refresh`, jsonInit("POST", {}, ws.operator));
    expect((await source(ws))?.lastError).toMatch(/^credentials invalid/);
    expect((await source(ws))?.status).toBe("error");
  });

  it("removing a card forgets its series and closes its breaches; disabling stops the source", async () => {
    const ws = await makeWorkspace("prom");
    const ep = endpoint();
    const cards = [card("up", "up", { thresholds: { direction: "below", critical: 0.5 } })];
    expect((await put(ws, { enabled: true, baseUrl: ep.base, cards })).status).toBe(200);
    await runDurableObjectAlarm(ws.stub);
    expect(await firingUp(ws)).toHaveLength(1);
    expect(
      (await put(ws, { enabled: true, baseUrl: ep.base, cards: [card("one", "fixture_scalar")] }))
        .status,
    ).toBe(200);
    const ids = (await metrics(ws)).map((m) => m.id);
    expect(ids.some((id) => id.startsWith("up:"))).toBe(false);
    expect(await firingUp(ws)).toHaveLength(0);
    expect((await put(ws, { enabled: false, baseUrl: ep.base })).status).toBe(200);
    expect(await source(ws)).toMatchObject({ status: "not_configured" });
  });
});
