// A real Prometheus Alertmanager (Debian prometheus-alertmanager) delivering to Opsdeck in the
// local runtime: grouping, repeat notifications, resolution, Alertmanager's retry after a 503,
// and its PagerDuty receiver pointed at /v2/enqueue unchanged.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Alert, IssuedToken, IssuedWebhookIntegration } from "../../schema";
import { ALERTMANAGER_BIN, startAlertmanager, type AlertmanagerPeer } from "../peers/alertmanager";
import { eventually, sleep } from "./helpers/eventually";

const BIN = ALERTMANAGER_BIN;
if (!BIN)
  console.warn(
    "alertmanager.e2e: skipped, prometheus-alertmanager is not installed (apt-get install -y prometheus-alertmanager)",
  );

const baseUrl = inject("baseUrl");

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address && typeof address === "object") resolve(address.port);
      else reject(new Error("no port"));
    });
  });
}

async function api<T>(pathname: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}${pathname}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Stands in for Opsdeck answering 503 once: the first delivery gets 503 and is not passed on;
 * every later one is forwarded as is, and the answer relayed back.
 */
function flakyProxy(target: string) {
  const seen: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      if (seen.length === 0) {
        seen.push(503);
        res.writeHead(503, { "Retry-After": "1" }).end("try again");
        return;
      }
      const upstream = await fetch(target, {
        method: "POST",
        headers: {
          "Content-Type": req.headers["content-type"] ?? "application/json",
          Authorization: req.headers.authorization ?? "",
        },
        body: Buffer.concat(chunks),
      });
      seen.push(upstream.status);
      res
        .writeHead(upstream.status, { "Content-Type": "application/json" })
        .end(await upstream.text());
    });
  });
  return { server, seen };
}

describe.skipIf(!BIN)("a real Alertmanager delivering to Opsdeck", () => {
  const ws = `am-e2e-${crypto.randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(path.join(tmpdir(), "opsdeck-am-e2e-"));
  let admin = "";
  let am: AlertmanagerPeer | undefined;
  let amApi = "";
  const proxy = flakyProxy(`${baseUrl}/w/${ws}/hooks/alertmanager`);

  const alerts = async () => (await api<{ alerts: Alert[] }>(`/w/${ws}/api/alerts`, admin)).alerts;
  const named = async (alertname: string) =>
    (await alerts()).filter((a) => a.labels.alertname === alertname);
  const post = async (body: unknown[]) => {
    const res = await fetch(`${amApi}/api/v2/alerts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    const created = await fetch(`${baseUrl}/api/workspaces`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${inject("operatorToken")}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ id: ws, name: "Alertmanager e2e" }),
    });
    expect(created.status).toBe(201);
    admin = ((await created.json()) as { adminToken: IssuedToken }).adminToken.token;
    const hooks = `/w/${ws}/api/integrations/webhooks`;
    const amk = (
      await api<IssuedWebhookIntegration>(hooks, admin, { kind: "alertmanager", name: "am" })
    ).credential;
    const pdk = (
      await api<IssuedWebhookIntegration>(hooks, admin, { kind: "pagerduty", name: "am-pd" })
    ).credential;
    const proxyPort = await listen(proxy.server);
    // Alertmanager accepts 1s/2s/4s; the token goes in http_config, never in the URL.
    writeFileSync(
      path.join(dir, "alertmanager.yml"),
      `route:
  receiver: opsdeck
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 4s
  routes:
    - receiver: flaky
      matchers: ['test="retry"']
    - receiver: pagerduty
      matchers: ['test="pagerduty"']
receivers:
  - name: opsdeck
    webhook_configs:
      - url: ${baseUrl}/w/${ws}/hooks/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: ${amk}
  - name: flaky
    webhook_configs:
      - url: http://127.0.0.1:${proxyPort}/hook
        send_resolved: true
        http_config:
          authorization:
            credentials: ${amk}
  - name: pagerduty
    pagerduty_configs:
      - url: ${baseUrl}/v2/enqueue
        routing_key: ${pdk}
        send_resolved: true
`,
    );
    am = await startAlertmanager(path.join(dir, "alertmanager.yml"), dir);
    amApi = am.api;
  });

  afterAll(async () => {
    await am?.stop();
    await new Promise((r) => proxy.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const alert = (instance: string, extra: Record<string, string> = {}) => ({
    labels: { alertname: "E2EHighLatency", severity: "critical", instance, ...extra },
    annotations: {
      summary: `Latency high on ${instance}`,
      runbook_url: "https://runbooks.example.com/latency",
    },
    generatorURL: "http://prometheus.example.com/graph",
  });

  it("fires, groups, repeats without duplicating, and resolves", async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const firing = [alert("api-1"), alert("api-2")].map((a) => ({ ...a, startsAt }));
    await post(firing);

    const fired = await eventually("two firing alerts", async () => {
      const list = await named("E2EHighLatency");
      return list.length === 2 && list.every((a) => a.status === "firing") ? list : undefined;
    });
    expect(new Set(fired.map((a) => a.group)).size).toBe(1);
    expect(fired[0]!.group).toContain('alertname="E2EHighLatency"');
    expect(fired.map((a) => a.severity)).toEqual(["critical", "critical"]);

    // repeat_interval (4 s) re-sends the group: counts grow, still one alert per fingerprint.
    const repeated = await eventually("a repeat notification", async () => {
      const list = await named("E2EHighLatency");
      return list.every((a) => a.count >= 2) ? list : undefined;
    });
    expect(repeated).toHaveLength(2);

    const endsAt = new Date(Date.now() - 1000).toISOString();
    await post(firing.map((a) => ({ ...a, endsAt })));
    const resolved = await eventually("the resolution", async () => {
      const list = await named("E2EHighLatency");
      return list.every((a) => a.status === "resolved") ? list : undefined;
    });
    expect(resolved).toHaveLength(2);
    expect(resolved.map((a) => a.resolvedAt)).toEqual([endsAt, endsAt]);
  });

  it("retries after a 503 and the retry is stored exactly once", async () => {
    await post([
      {
        ...alert("api-9", { test: "retry" }),
        labels: { ...alert("api-9").labels, alertname: "E2ERetry", test: "retry" },
      },
    ]);
    const stored = await eventually("the retried delivery", async () => {
      const list = await named("E2ERetry");
      return list.length > 0 ? list : undefined;
    });
    expect(stored).toHaveLength(1);
    expect(proxy.seen[0]).toBe(503);
    expect(proxy.seen.slice(1)).toContain(200);
    // Later repeats keep it one alert.
    await sleep(5000);
    expect(await named("E2ERetry")).toHaveLength(1);
  }, 60_000);

  it("sends to /v2/enqueue through its PagerDuty receiver, unchanged", async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const pd = {
      ...alert("db-1"),
      labels: { ...alert("db-1").labels, alertname: "E2EPagerDuty", test: "pagerduty" },
    };
    await post([{ ...pd, startsAt }]);
    const opened = await eventually("the PagerDuty-style alert", async () =>
      (await alerts()).find((a) => a.source === "pagerduty" && a.title.includes("E2EPagerDuty")),
    );
    expect(opened).toMatchObject({ status: "firing", severity: "error" });
    await post([{ ...pd, startsAt, endsAt: new Date(Date.now() - 1000).toISOString() }]);
    await eventually("its resolution", async () => {
      const current = (await alerts()).find((a) => a.id === opened.id);
      return current?.status === "resolved" ? current : undefined;
    });
  }, 60_000);

  it("shows in Alertmanager's own log: the 503 retried, nothing refused by Opsdeck", () => {
    const failures = am!
      .log()
      .split("\n")
      .filter((l) => /Notify for alerts failed|Notify attempt failed/.test(l));
    expect(failures.some((l) => l.includes("flaky") && l.includes("503"))).toBe(true);
    expect(failures.filter((l) => !l.includes("flaky"))).toEqual([]);
  });
});
