import { beforeAll, describe, expect, it } from "vitest";
import type { AlertBatchResult } from "../../schema";
import grafanaFixture from "../fixtures/alerting/grafana-webhook.json";
import { hmacHex, integration, listAlerts, makeIntegration } from "../helpers/alerting";
import { call, expectProblem, makeWorkspace, type TestWorkspace } from "../helpers/workspace";

// The first workspace of a file pays the runtime's cold start; keep it out of the test timeouts.
beforeAll(async () => {
  await makeWorkspace("warm");
}, 30_000);

const hook = (ws: TestWorkspace) => `/w/${ws.id}/hooks/grafana`;
/** The documented example, as Grafana would send it (pretty-printed bytes, signed as sent). */
const body = JSON.stringify(grafanaFixture, null, 2);

function post(ws: TestWorkspace, raw: string, headers: Record<string, string>) {
  return call(hook(ws), {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: raw,
  });
}

const SECRET = "grafana-shared-secret";

async function setup(extra: Record<string, unknown> = {}) {
  const ws = await makeWorkspace("gf");
  const gf = await makeIntegration(ws, "grafana", { secret: SECRET, ...extra });
  return { ws, gf };
}

describe("Grafana receiver: signed deliveries", () => {
  it("accepts the documented payload signed in X-Grafana-Alerting-Signature", async () => {
    const { ws, gf } = await setup();
    const res = await post(ws, body, {
      "X-Grafana-Alerting-Signature": await hmacHex(SECRET, body),
    });
    expect(res.status).toBe(200);
    expect((await res.json()) as AlertBatchResult).toMatchObject({
      created: 2,
      outcome: "accepted",
    });
    const alerts = await listAlerts(ws);
    const memory = alerts.find((a) => a.fingerprint === "c6eadffa33fcdf37")!;
    expect(memory).toMatchObject({
      title: "This alert was triggered for zone us-1",
      message: "The system has high memory usage",
      source: "grafana",
      severity: "warning",
      status: "firing",
      runbook: "https://myrunbook.com/runbook/1234",
      timestamp: "2021-10-12T07:51:03.157Z",
      group: "{}:{}",
    });
    expect(memory.links.map((l) => l.text)).toEqual(["Source", "Silence", "Grafana"]);
    expect((await integration(ws, gf.integration.id)).stats).toMatchObject({ accepted: 1 });
  });

  it("also accepts X-Grafana-Alert-Signature (the name in Grafana's code) by default", async () => {
    const { ws } = await setup();
    const res = await post(ws, body, { "X-Grafana-Alert-Signature": await hmacHex(SECRET, body) });
    expect(res.status).toBe(200);
  });

  it("checks the timestamp when a timestamp header is configured", async () => {
    const { ws, gf } = await setup({
      options: { timestampHeader: "X-Grafana-Alerting-Signature-Timestamp", toleranceSeconds: 300 },
    });
    const now = Math.floor(Date.now() / 1000);
    const signed = async (ts: number) => ({
      "X-Grafana-Alerting-Signature": await hmacHex(SECRET, `${ts}:${body}`),
      "X-Grafana-Alerting-Signature-Timestamp": String(ts),
    });
    expect((await post(ws, body, await signed(now))).status).toBe(200);
    const stale = await expectProblem(
      await post(ws, body, await signed(now - 301)),
      401,
      "timestamp_out_of_window",
    );
    expect(stale.detail).toMatch(/300 s/);
    await expectProblem(
      await post(ws, body, await signed(now + 3600)),
      401,
      "timestamp_out_of_window",
    );
    // Signed over the body alone, with no timestamp header: refused.
    await expectProblem(
      await post(ws, body, { "X-Grafana-Alerting-Signature": await hmacHex(SECRET, body) }),
      401,
      "timestamp_out_of_window",
    );
    const stats = (await integration(ws, gf.integration.id)).stats;
    expect(stats).toMatchObject({ accepted: 1, rejected: 3 });
  });

  it("matches any of several Grafana integrations, and the previous secret during rotation", async () => {
    const { ws, gf } = await setup();
    const second = await makeIntegration(ws, "grafana", { secret: "second-secret-value" });
    const res = await post(ws, body, {
      "X-Grafana-Alerting-Signature": await hmacHex("second-secret-value", body),
    });
    expect(res.status).toBe(200);
    expect((await integration(ws, second.integration.id)).stats.accepted).toBe(1);
    expect((await integration(ws, gf.integration.id)).stats.accepted).toBe(0);

    await call(`/w/${ws.id}/api/integrations/webhooks/${gf.integration.id}/rotate`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${ws.admin}` },
      body: JSON.stringify({ secret: "rotated-secret-value", overlapSeconds: 60 }),
    });
    for (const secret of [SECRET, "rotated-secret-value"]) {
      const r = await post(ws, body, {
        "X-Grafana-Alerting-Signature": await hmacHex(secret, body),
      });
      expect(r.status).toBe(200);
    }
  });
});

describe("Grafana receiver: refusals", () => {
  it("missing, wrong, one-byte-changed and re-serialized signatures are 401", async () => {
    const { ws, gf } = await setup();
    await expectProblem(await post(ws, body, {}), 401, "signature_missing");
    await expectProblem(
      await post(ws, body, { "X-Grafana-Alerting-Signature": await hmacHex("wrong-secret", body) }),
      401,
      "signature_invalid",
    );
    const signature = await hmacHex(SECRET, body);
    const tampered = body.replace('"firing"', '"firinG"');
    await expectProblem(
      await post(ws, tampered, { "X-Grafana-Alerting-Signature": signature }),
      401,
      "signature_invalid",
    );
    // Signed over re-serialized JSON (compact), sent pretty-printed: not the raw bytes.
    await expectProblem(
      await post(ws, body, {
        "X-Grafana-Alerting-Signature": await hmacHex(SECRET, JSON.stringify(grafanaFixture)),
      }),
      401,
      "signature_invalid",
    );
    await expectProblem(
      await post(ws, body, { "X-Grafana-Alerting-Signature": `sha256=${signature}` }),
      401,
      "signature_missing",
    );
    expect(await listAlerts(ws)).toEqual([]);
    expect((await integration(ws, gf.integration.id)).stats.rejected).toBe(3);
  });

  it("looks only at the header configured on the integration", async () => {
    const { ws } = await setup({ options: { signatureHeaders: ["X-Custom-Signature"] } });
    const signature = await hmacHex(SECRET, body);
    await expectProblem(
      await post(ws, body, { "X-Grafana-Alerting-Signature": signature }),
      401,
      "signature_missing",
    );
    expect((await post(ws, body, { "X-Custom-Signature": signature })).status).toBe(200);
  });

  it("answers a workspace without a Grafana integration as a wrong signature (no oracle)", async () => {
    const ws = await makeWorkspace("gf");
    await expectProblem(
      await post(ws, body, { "X-Grafana-Alerting-Signature": await hmacHex(SECRET, body) }),
      401,
      "signature_invalid",
    );
  });

  it("validates the body only after the signature, and records why it was refused", async () => {
    const { ws, gf } = await setup();
    const sign = async (raw: string) => ({
      "X-Grafana-Alerting-Signature": await hmacHex(SECRET, raw),
    });
    const v4 = JSON.stringify({ ...grafanaFixture, version: "4" });
    const problem = (await expectProblem(
      await post(ws, v4, await sign(v4)),
      400,
      "validation_failed",
    )) as unknown as { issues: Array<{ path: string }> };
    expect(problem.issues.map((i) => i.path)).toEqual(["json.version"]);
    await expectProblem(await post(ws, "{nope", await sign("{nope")), 400, "invalid_json");
    const badTime = JSON.stringify({
      ...grafanaFixture,
      alerts: [{ ...grafanaFixture.alerts[0], startsAt: "12 Oct 2021" }],
    });
    await expectProblem(await post(ws, badTime, await sign(badTime)), 400, "validation_failed");
    const stats = (await integration(ws, gf.integration.id)).stats;
    expect(stats).toMatchObject({ rejected: 3, accepted: 0 });
    expect(stats.lastError).toContain("json.alerts.0.startsAt");
  });

  it("refuses wrong media types and oversized bodies before verifying", async () => {
    const { ws } = await setup();
    const signature = { "X-Grafana-Alerting-Signature": await hmacHex(SECRET, body) };
    await expectProblem(
      await call(hook(ws), {
        method: "POST",
        headers: { "Content-Type": "text/plain", ...signature },
        body,
      }),
      415,
      "unsupported_media_type",
    );
    await expectProblem(
      await post(ws, "x".repeat(2 * 1024 * 1024 + 1), signature),
      413,
      "payload_too_large",
    );
  });
});
