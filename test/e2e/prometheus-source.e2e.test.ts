// A real Prometheus (Debian's `prometheus`) as a metrics source: it scrapes itself and
// Opsdeck's own /metrics every second; an admin adds cards with real PromQL, the collector
// runs, the cards carry real values with source and age, bad PromQL is refused with
// Prometheus's own words, and a stopped Prometheus turns the source stale.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedToken, Metric, PrometheusIntegration, SourceStatus } from "../../schema";
import { PROMETHEUS_BIN, startPrometheus, type PrometheusPeer } from "../peers/prometheus-server";
import { eventually } from "./helpers/eventually";
import { startLoopbackServer, type LoopbackServer } from "./helpers/loopback-server";

if (!PROMETHEUS_BIN)
  console.warn(
    "prometheus-source.e2e: SKIPPED, prometheus is not installed (apt-get install -y prometheus)",
  );

const OPERATOR = "prometheus-e2e-operator";

describe.skipIf(!PROMETHEUS_BIN)("a real Prometheus as a metrics source", () => {
  const ws = `prom-e2e-${crypto.randomUUID().slice(0, 8)}`;
  let server: LoopbackServer | undefined;
  let prom: PrometheusPeer | undefined;
  let admin = "";

  const api = async (pathname: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${server?.url}/w/${ws}/api${pathname}`, {
      method: init.method ?? "GET",
      headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const configure = (cards: unknown[]) =>
    api("/integrations/prometheus", {
      method: "PUT",
      body: { enabled: true, baseUrl: prom?.url, cards },
    });
  const source = async () => {
    const body = (await (await api("/status")).json()) as { sources: SourceStatus[] };
    return body.sources.find((s) => s.id === "prometheus");
  };
  const promCards = async () => {
    const body = (await (await api("/metrics")).json()) as { metrics: Metric[] };
    return body.metrics.filter((m) => m.source === "prometheus");
  };

  beforeAll(async () => {
    server = await startLoopbackServer("prometheus-source", OPERATOR);
    const created = await fetch(`${server.url}/api/workspaces`, {
      method: "POST",
      headers: { Authorization: `Bearer ${OPERATOR}`, "Content-Type": "application/json" },
      body: JSON.stringify({ id: ws, name: "Prometheus e2e" }),
    });
    admin = ((await created.json()) as { adminToken: IssuedToken }).adminToken.token;
    prom = await startPrometheus([
      { job: "opsdeck", url: `${server.url}/w/${ws}/metrics`, bearer: admin },
    ]);
    // Both targets up, and two scrapes of Prometheus itself so rate() has something to say.
    await eventually("both scrape targets to be up", async () => {
      const res = await fetch(`${prom?.url}/api/v1/query?query=sum(up)`);
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0]?.value[1] === "2" ? true : undefined;
    });
    await eventually("a rate over two scrapes", async () => {
      const q = encodeURIComponent("count(rate(prometheus_http_requests_total[1m]))");
      const body = (await (await fetch(`${prom?.url}/api/v1/query?query=${q}`)).json()) as {
        data: { result: unknown[] };
      };
      return body.data.result.length > 0 ? true : undefined;
    });
  });

  afterAll(async () => {
    await prom?.stop();
    await server?.stop();
  });

  it("refuses bad PromQL at save time with Prometheus's own error, on the card's query", async () => {
    const res = await configure([{ id: "broken", label: "Broken", query: "rate(up[" }]);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as {
      code: string;
      detail: string;
      issues: { path: string }[];
    };
    expect(problem.code).toBe("promql_invalid");
    expect(problem.issues[0]?.path).toBe("json.cards.0.query");
    expect(problem.detail).toContain("parse error");
    expect((await source())?.status).toBe("not_configured");
  });

  it("collects real PromQL into cards with values, source and age", async () => {
    const res = await configure([
      { id: "up", label: "Up", query: "up", thresholds: { direction: "below", critical: 0.5 } },
      {
        id: "http-rate",
        label: "HTTP rate",
        query: "sum(rate(prometheus_http_requests_total[1m]))",
        unit: "req/s",
      },
      {
        id: "rss",
        label: "Prometheus RSS",
        query: 'process_resident_memory_bytes{job="prometheus"}',
        unit: "bytes",
      },
      { id: "buckets", label: "Buckets", query: "prometheus_http_request_duration_seconds_bucket" },
    ]);
    expect(res.status, await res.clone().text()).toBe(200);
    const live = await eventually("the source to be live", async () => {
      const s = await source();
      return s?.status === "live" ? s : undefined;
    });
    expect(Date.now() - Date.parse(live.lastSuccessAt ?? "")).toBeLessThan(60_000);
    const cards = await promCards();
    const ups = cards.filter((m) => m.id.startsWith("up:"));
    // Labels name the instance first, so their order depends on the free ports: compare as a set.
    expect(ups).toHaveLength(2);
    expect(ups.map((m) => m.label)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('job="opsdeck"'),
        expect.stringContaining('job="prometheus"'),
      ]),
    );
    for (const m of ups) expect(m).toMatchObject({ value: 1, status: "healthy" });
    const rate = cards.find((m) => m.id === "http-rate");
    expect(rate?.unit).toBe("req/s");
    expect(typeof rate?.value === "number" && rate.value >= 0).toBe(true);
    const rss = cards.find((m) => m.id.startsWith("rss"));
    expect(Number(rss?.value)).toBeGreaterThan(1_000_000);
    expect(Date.now() - Date.parse(rss?.updatedAt ?? "")).toBeLessThan(60_000);
    // A histogram has more series than a card keeps: 20 stored, the rest counted.
    const view = (await (await api("/integrations/prometheus")).json()) as {
      integration: PrometheusIntegration;
    };
    const buckets = view.integration.cards.find((c) => c.id === "buckets")?.report;
    expect(buckets).toMatchObject({ resultType: "vector", series: 20 });
    expect(buckets?.droppedSeries).toBeGreaterThan(0);
    expect(cards.filter((m) => m.id.startsWith("buckets:"))).toHaveLength(20);
  });

  it("turns the source stale with the reason once Prometheus stops", async () => {
    await prom?.stop();
    const refresh = await api("/refresh", { method: "POST", body: {} });
    expect(refresh.status).toBe(200);
    const stale = await source();
    expect(stale?.status).toBe("stale");
    expect(stale?.lastError).toMatch(/unreachable|no answer/);
    // The last good values stay, marked by their age, never replaced by sample data.
    expect((await promCards()).length).toBeGreaterThan(0);
  });
});
