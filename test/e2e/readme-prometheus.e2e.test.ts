// The README's "Prometheus (as a source)" call, run as written against a server of its own
// (loopback URLs allowed) and a real Prometheus (Debian's `prometheus`) scraping itself. It
// ignores the bearer token the example sends, as a Prometheus without auth does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedToken, PrometheusIntegration, SourceStatus } from "../../schema";
import { snippet } from "../helpers/readme-snippets";
import { PROMETHEUS_BIN, startPrometheus, type PrometheusPeer } from "../peers/prometheus-server";
import { eventually } from "./helpers/eventually";
import { startLoopbackServer, type LoopbackServer } from "./helpers/loopback-server";
import { printedJson, runShellSnippet } from "./helpers/snippet-shell";

if (!PROMETHEUS_BIN)
  console.warn(
    "readme-prometheus.e2e: SKIPPED, prometheus is not installed (apt-get install -y prometheus)",
  );

const OPERATOR = "e2e-readme-prometheus-operator";

describe.skipIf(!PROMETHEUS_BIN)("README: Prometheus (as a source)", () => {
  const ws = `readme-prom-${crypto.randomUUID().slice(0, 8)}`;
  let server: LoopbackServer | undefined;
  let prom: PrometheusPeer | undefined;
  let admin = "";

  beforeAll(async () => {
    server = await startLoopbackServer("readme-prometheus", OPERATOR);
    const created = await fetch(`${server.url}/api/workspaces`, {
      method: "POST",
      headers: { Authorization: `Bearer ${OPERATOR}`, "Content-Type": "application/json" },
      body: JSON.stringify({ id: ws, name: "README Prometheus" }),
    });
    admin = ((await created.json()) as { adminToken: IssuedToken }).adminToken.token;
    prom = await startPrometheus();
    await eventually("Prometheus to have scraped itself", async () => {
      const res = await fetch(`${prom?.url}/api/v1/query?query=up`);
      const body = (await res.json()) as { data: { result: unknown[] } };
      return body.data.result.length > 0 ? true : undefined;
    });
  });

  afterAll(async () => {
    await prom?.stop();
    await server?.stop();
  });

  it("the README's call saves the cards, the credential write-only, and the source goes live", async () => {
    const answer = printedJson<{ success: boolean; integration: PrometheusIntegration }>(
      await runShellSnippet(snippet("prometheus-configure", "sh"), {
        OPSDECK_URL: server?.url ?? "",
        WORKSPACE: ws,
        ADMIN_TOKEN: admin,
        PROMETHEUS_URL: prom?.url ?? "",
        PROMETHEUS_TOKEN: "readme-prometheus-token",
      }),
    );
    expect(answer).toMatchObject({
      success: true,
      integration: { enabled: true, authType: "bearer", credentialSet: true },
    });
    expect(answer.integration.cards.map((c) => c.id)).toEqual(["up", "http-rate", "rss"]);
    expect(JSON.stringify(answer)).not.toContain("readme-prometheus-token");
    const live = await eventually("the prometheus source to be live", async () => {
      const res = await fetch(`${server?.url}/w/${ws}/api/status`, {
        headers: { Authorization: `Bearer ${admin}` },
      });
      const { sources } = (await res.json()) as { sources: SourceStatus[] };
      const s = sources.find((x) => x.id === "prometheus");
      return s?.status === "live" ? s : undefined;
    });
    expect(live.lastSuccessAt).toBeDefined();
  });
});
