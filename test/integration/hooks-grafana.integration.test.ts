import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { AlertBatchResult } from "../../schema";
import grafanaFixture from "../fixtures/alerting/grafana-webhook.json";
import {
  grafanaHeaders,
  hmacHex,
  integration,
  listAlerts,
  makeIntegration,
} from "../helpers/alerting";
import {
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
const TS_HEADER = "X-Grafana-Alerting-Signature-Timestamp";
/** As Grafana signs with a Timestamp Header set: what every integration now requires. */
const signed = (raw: string, options: Parameters<typeof grafanaHeaders>[2] = {}, secret = SECRET) =>
  grafanaHeaders(secret, raw, options);

async function setup(extra: Record<string, unknown> = {}) {
  const ws = await makeWorkspace("gf");
  const gf = await makeIntegration(ws, "grafana", { secret: SECRET, ...extra });
  return { ws, gf };
}

describe("Grafana receiver: signed deliveries", () => {
  it("accepts the documented payload signed in X-Grafana-Alerting-Signature", async () => {
    const { ws, gf } = await setup();
    const res = await post(ws, body, await signed(body));
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
    const res = await post(
      ws,
      body,
      await signed(body, { signatureHeader: "X-Grafana-Alert-Signature" }),
    );
    expect(res.status).toBe(200);
  });

  it("checks the timestamp in a header the integration names", async () => {
    const { ws, gf } = await setup({
      options: { timestampHeader: "X-Custom-Timestamp", toleranceSeconds: 60 },
    });
    const now = Math.floor(Date.now() / 1000);
    const at = (ts: number) => signed(body, { at: ts, timestampHeader: "X-Custom-Timestamp" });
    expect((await post(ws, body, await at(now))).status).toBe(200);
    const stale = await expectProblem(
      await post(ws, body, await at(now - 61)),
      401,
      "timestamp_out_of_window",
    );
    expect(stale.detail).toMatch(/60 s/);
    await expectProblem(await post(ws, body, await at(now + 3600)), 401, "timestamp_out_of_window");
    // Signed over the body alone, with no timestamp header: refused.
    await expectProblem(
      await post(ws, body, { "X-Grafana-Alerting-Signature": await hmacHex(SECRET, body) }),
      401,
      "timestamp_missing",
    );
    const stats = (await integration(ws, gf.integration.id)).stats;
    expect(stats).toMatchObject({ accepted: 1, rejected: 3 });
  });

  it("matches any of several Grafana integrations, and the previous secret during rotation", async () => {
    const { ws, gf } = await setup();
    const second = await makeIntegration(ws, "grafana", { secret: "second-secret-value" });
    const res = await post(ws, body, await signed(body, {}, "second-secret-value"));
    expect(res.status).toBe(200);
    expect((await integration(ws, second.integration.id)).stats.accepted).toBe(1);
    expect((await integration(ws, gf.integration.id)).stats.accepted).toBe(0);

    await call(`/w/${ws.id}/api/integrations/webhooks/${gf.integration.id}/rotate`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${ws.admin}` },
      body: JSON.stringify({ secret: "rotated-secret-value", overlapSeconds: 60 }),
    });
    for (const secret of [SECRET, "rotated-secret-value"]) {
      const r = await post(ws, body, await signed(body, {}, secret));
      expect(r.status).toBe(200);
    }
  });
});

describe("Grafana receiver: refusals", () => {
  it("missing, wrong, one-byte-changed and re-serialized signatures are 401", async () => {
    const { ws, gf } = await setup();
    await expectProblem(await post(ws, body, {}), 401, "signature_missing");
    await expectProblem(
      await post(ws, body, await signed(body, {}, "wrong-secret")),
      401,
      "signature_invalid",
    );
    const headers = await signed(body);
    const tampered = body.replace('"firing"', '"firinG"');
    await expectProblem(await post(ws, tampered, headers), 401, "signature_invalid");
    // Signed over re-serialized JSON (compact), sent pretty-printed: not the raw bytes.
    await expectProblem(
      await post(ws, body, {
        ...headers,
        "X-Grafana-Alerting-Signature": (await signed(JSON.stringify(grafanaFixture)))[
          "X-Grafana-Alerting-Signature"
        ]!,
      }),
      401,
      "signature_invalid",
    );
    await expectProblem(
      await post(ws, body, {
        ...headers,
        "X-Grafana-Alerting-Signature": `sha256=${headers["X-Grafana-Alerting-Signature"]}`,
      }),
      401,
      "signature_missing",
    );
    expect(await listAlerts(ws)).toEqual([]);
    expect((await integration(ws, gf.integration.id)).stats.rejected).toBe(3);
  });

  it("looks only at the header configured on the integration", async () => {
    const { ws } = await setup({ options: { signatureHeaders: ["X-Custom-Signature"] } });
    await expectProblem(await post(ws, body, await signed(body)), 401, "signature_missing");
    const custom = await signed(body, { signatureHeader: "X-Custom-Signature" });
    expect((await post(ws, body, custom)).status).toBe(200);
  });

  it("answers a workspace without a Grafana integration as a wrong signature (no oracle)", async () => {
    const ws = await makeWorkspace("gf");
    await expectProblem(await post(ws, body, await signed(body)), 401, "signature_invalid");
  });

  it("validates the body only after the signature, and records why it was refused", async () => {
    const { ws, gf } = await setup();
    const sign = (raw: string) => signed(raw);
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
    const signature = await signed(body);
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

type Problem = { detail: string; issues?: Array<{ path: string; message: string }> };

/** Everything a refused notification must not have written, besides the integration's counters. */
const storedAlerts = (ws: TestWorkspace) =>
  runInDurableObject(ws.stub, (_i, state) => ({
    records: state.storage.sql.exec("SELECT COUNT(*) AS n FROM records").one().n,
    events: state.storage.sql.exec("SELECT COUNT(*) AS n FROM events").one().n,
  }));

describe("Grafana receiver: replay window (default 5 minutes)", () => {
  it("refuses a captured notification replayed later, accepts fresh ones, loses nothing", async () => {
    const { ws, gf } = await setup();
    expect(gf.integration.grafana).toMatchObject({
      timestampHeader: TS_HEADER,
      toleranceSeconds: 300,
    });
    const now = Math.floor(Date.now() / 1000);
    // A notification captured 5 minutes and 1 second ago, replayed byte for byte.
    const captured = await signed(body, { at: now - 301 });
    const before = await storedAlerts(ws);
    const stale = (await expectProblem(
      await post(ws, body, captured),
      401,
      "timestamp_out_of_window",
    )) as unknown as Problem;
    expect(stale.detail).toMatch(/300 s/);
    expect(stale.issues).toEqual([{ path: `header.${TS_HEADER}`, message: stale.detail }]);
    expect(await storedAlerts(ws)).toEqual(before);
    expect(await listAlerts(ws)).toEqual([]);
    // Ahead of the clock by more than the window is refused the same way.
    await expectProblem(
      await post(ws, body, await signed(body, { at: now + 301 })),
      401,
      "timestamp_out_of_window",
    );
    // Within the window (either side), the sender is unaffected.
    expect((await post(ws, body, await signed(body, { at: now - 290 }))).status).toBe(200);
    expect((await post(ws, body, await signed(body, { at: now + 60 }))).status).toBe(200);
    expect(await listAlerts(ws)).toHaveLength(2);
    const stats = (await integration(ws, gf.integration.id)).stats;
    expect(stats).toMatchObject({ accepted: 2, rejected: 2 });
    expect(stats.lastError).toContain("300 s");
  });

  it("applies the default window to integrations stored without one", async () => {
    const { ws, gf } = await setup();
    const second = await makeIntegration(ws, "grafana", { secret: "second-secret-value" });
    // As rows were stored before the window was the default: options without a timestamp
    // header, or no options at all.
    await runInDurableObject(ws.stub, (_i, state) => {
      state.storage.sql.exec(
        "UPDATE webhook_integrations SET options = ? WHERE id = ?",
        JSON.stringify({
          signatureHeaders: ["X-Grafana-Alerting-Signature", "X-Grafana-Alert-Signature"],
          toleranceSeconds: 300,
        }),
        gf.integration.id,
      );
      state.storage.sql.exec(
        "UPDATE webhook_integrations SET options = NULL WHERE id = ?",
        second.integration.id,
      );
    });
    expect((await integration(ws, gf.integration.id)).grafana).toMatchObject({
      timestampHeader: TS_HEADER,
      toleranceSeconds: 300,
    });
    const now = Math.floor(Date.now() / 1000);
    for (const secret of [SECRET, "second-secret-value"]) {
      // Signed over the body alone (no Timestamp Header on the contact point): refused.
      const bodyOnly = { "X-Grafana-Alerting-Signature": await hmacHex(secret, body) };
      const missing = (await expectProblem(
        await post(ws, body, bodyOnly),
        401,
        "timestamp_missing",
      )) as unknown as Problem;
      expect(missing.detail).toContain(TS_HEADER);
      await expectProblem(
        await post(ws, body, await signed(body, { at: now - 600 }, secret)),
        401,
        "timestamp_out_of_window",
      );
      expect((await post(ws, body, await signed(body, { at: now }, secret))).status).toBe(200);
    }
  });

  it("validates the window when an integration is created", async () => {
    const ws = await makeWorkspace("gf");
    const create = (options: Record<string, unknown>, token = ws.admin) =>
      call(
        `/w/${ws.id}/api/integrations/webhooks`,
        jsonInit("POST", { kind: "grafana", name: "Grafana", options }, token),
      );
    for (const [options, path] of [
      [{ toleranceSeconds: 0 }, "json.options.toleranceSeconds"],
      [{ toleranceSeconds: 3601 }, "json.options.toleranceSeconds"],
      [{ toleranceSeconds: "300" }, "json.options.toleranceSeconds"],
      [{ timestampHeader: "X Bad: header" }, "json.options.timestampHeader"],
    ] as const) {
      const problem = (await expectProblem(
        await create(options),
        400,
        "validation_failed",
      )) as unknown as Problem;
      expect(problem.issues?.map((i) => i.path)).toEqual([path]);
    }
    await expectProblem(await create({ toleranceSeconds: 60 }, ws.viewer), 403, "forbidden");
    const res = await create({ toleranceSeconds: 60 });
    expect(res.status).toBe(201);
  });
});
