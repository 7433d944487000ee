import { describe, expect, it } from "vitest";
import type { Alert, AlertDetail, AuditEntry } from "../../schema";
import {
  makeAlert,
  makeDeployment,
  makePipeline,
  minutesFromNow,
  seedAlerts,
  seedDeployments,
  seedPipelines,
} from "../helpers/seed";
import { BASE, bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";

type AlertResult = { success: true; alert: Alert };

async function withAlerts(...alerts: Alert[]) {
  const ws = await makeWorkspace("alerts");
  await seedAlerts(ws.stub, alerts);
  return ws;
}

const ack = (wsId: string, id: string, token: string, body: unknown = {}) =>
  call(`/w/${wsId}/api/alerts/${id}/acknowledge`, jsonInit("POST", body, token));

async function listIds(wsId: string, token: string): Promise<string[]> {
  const res = await call(`/w/${wsId}/api/alerts`, bearer(token));
  return ((await res.json()) as { alerts: Alert[] }).alerts.map((a) => a.id);
}

async function audit(wsId: string, admin: string): Promise<AuditEntry[]> {
  const res = await call(`/w/${wsId}/api/audit?limit=100`, bearer(admin));
  return ((await res.json()) as { entries: AuditEntry[] }).entries;
}

describe("acknowledge", () => {
  it("acknowledges with a note, records who and when, audits before/after", async () => {
    const alert = makeAlert();
    const ws = await withAlerts(alert);
    const res = await ack(ws.id, alert.id, ws.operator, { notes: "looking into it" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as AlertResult;
    expect(body.success).toBe(true);
    expect(body.alert).toMatchObject({
      id: alert.id,
      status: "acknowledged",
      acknowledged: true,
      acknowledgedBy: "operator-bot",
      notes: [{ by: "operator-bot", text: "looking into it" }],
    });
    expect(Date.parse(body.alert.acknowledgedAt!)).toBeGreaterThan(Date.now() - 10_000);
    // The contract fields stay there for existing clients.
    for (const field of ["id", "title", "message", "severity", "timestamp", "source"])
      expect(body.alert).toHaveProperty(field);

    const entry = (await audit(ws.id, ws.admin)).find((e) => e.action === "alert.acknowledge");
    expect(entry).toMatchObject({ actor: "operator-bot", target: alert.id });
    expect(entry?.before).toMatchObject({ status: "firing", acknowledged: false });
    expect(entry?.after).toMatchObject({ status: "acknowledged", acknowledged: true });

    const activity = await call(`/w/${ws.id}/api/activity?limit=5`, bearer(ws.viewer));
    const { activities } = (await activity.json()) as { activities: Array<{ title: string }> };
    expect(activities[0]?.title).toBe(`Alert acknowledged: ${alert.title}`);
  });

  it("works without a body (existing clients send none)", async () => {
    const alert = makeAlert();
    const ws = await withAlerts(alert);
    const res = await call(
      `/w/${ws.id}/api/alerts/${alert.id}/acknowledge`,
      bearer(ws.operator, { method: "POST" }),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as AlertResult).alert.acknowledged).toBe(true);
  });

  it("is idempotent on an acknowledged alert: 200, same alert, one audit entry", async () => {
    const alert = makeAlert();
    const ws = await withAlerts(alert);
    const first = (await (await ack(ws.id, alert.id, ws.operator)).json()) as AlertResult;
    const again = await ack(ws.id, alert.id, ws.admin);
    expect(again.status).toBe(200);
    const second = (await again.json()) as AlertResult;
    expect(second.alert).toEqual(first.alert);
    const acks = (await audit(ws.id, ws.admin)).filter((e) => e.action === "alert.acknowledge");
    expect(acks).toHaveLength(1);
  });

  it("adds a later note on re-acknowledge but not the same note twice (a retry)", async () => {
    const alert = makeAlert();
    const ws = await withAlerts(alert);
    await ack(ws.id, alert.id, ws.operator, { notes: "first" });
    await ack(ws.id, alert.id, ws.operator, { notes: "second" });
    const res = await ack(ws.id, alert.id, ws.operator, { notes: "second" });
    const { alert: after } = (await res.json()) as AlertResult;
    expect(after.notes.map((n) => n.text)).toEqual(["first", "second"]);
    expect(after.acknowledgedBy).toBe("operator-bot");
  });

  it("keeps a suppressed alert suppressed but records the acknowledgement", async () => {
    const alert = makeAlert({ status: "suppressed", silencedBy: ["sil-1"] });
    const ws = await withAlerts(alert);
    const { alert: after } = (await (
      await ack(ws.id, alert.id, ws.operator)
    ).json()) as AlertResult;
    expect(after).toMatchObject({ status: "suppressed", acknowledged: true });
  });

  it("refuses a resolved alert with 409 conflict and its current state", async () => {
    const alert = makeAlert({ status: "resolved", resolvedAt: new Date().toISOString() });
    const ws = await withAlerts(alert);
    const problem = (await expectProblem(
      await ack(ws.id, alert.id, ws.operator),
      409,
      "conflict",
    )) as {
      current?: Alert;
      detail: string;
    };
    expect(problem.detail).toContain("resolved");
    expect(problem.current).toMatchObject({ id: alert.id, status: "resolved" });
    expect((await audit(ws.id, ws.admin)).some((e) => e.action === "alert.acknowledge")).toBe(
      false,
    );
  });
});

describe("resolve", () => {
  it("resolves by hand with who and when; again is a 200 no-op", async () => {
    const alert = makeAlert();
    const ws = await withAlerts(alert);
    const url = `/w/${ws.id}/api/alerts/${alert.id}/resolve`;
    const res = await call(url, jsonInit("POST", { notes: "rolled back" }, ws.operator));
    expect(res.status).toBe(200);
    const { alert: after } = (await res.json()) as AlertResult;
    expect(after).toMatchObject({ status: "resolved", resolvedBy: "operator-bot" });
    expect(after.resolvedAt).toBeDefined();
    const again = (await (
      await call(url, bearer(ws.operator, { method: "POST" }))
    ).json()) as AlertResult;
    expect(again.alert).toEqual(after);
    const entries = (await audit(ws.id, ws.admin)).filter((e) => e.action === "alert.resolve");
    expect(entries).toHaveLength(1);
    expect(entries[0]?.after).toMatchObject({ status: "resolved" });
  });
});

describe("dismiss", () => {
  it("takes the alert off the list, keeps the record, and is idempotent", async () => {
    const keep = makeAlert();
    const gone = makeAlert();
    const ws = await withAlerts(keep, gone);
    expect(await listIds(ws.id, ws.viewer)).toContain(gone.id);

    const res = await call(
      `/w/${ws.id}/api/alerts/${gone.id}`,
      bearer(ws.operator, { method: "DELETE" }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    expect(await listIds(ws.id, ws.viewer)).toEqual([keep.id]);

    const again = await call(
      `/w/${ws.id}/api/alerts/${gone.id}`,
      bearer(ws.operator, { method: "DELETE" }),
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ success: true });

    const detail = (await (
      await call(`/w/${ws.id}/api/alerts/${gone.id}`, bearer(ws.viewer))
    ).json()) as AlertDetail;
    expect(detail.alert).toMatchObject({ id: gone.id, dismissedBy: "operator-bot" });
    const dismissals = (await audit(ws.id, ws.admin)).filter((e) => e.action === "alert.dismiss");
    expect(dismissals).toHaveLength(1);
    expect(dismissals[0]?.before).toMatchObject({ id: gone.id });

    await expectProblem(await ack(ws.id, gone.id, ws.operator), 409, "conflict");
  });

  it("dismisses a resolved alert too (200)", async () => {
    const alert = makeAlert({ status: "resolved", resolvedAt: new Date().toISOString() });
    const ws = await withAlerts(alert);
    const res = await call(
      `/w/${ws.id}/api/alerts/${alert.id}`,
      bearer(ws.operator, { method: "DELETE" }),
    );
    expect(res.status).toBe(200);
  });
});

describe("bad input and roles on every alert action", () => {
  const actions = (wsId: string, id: string) => [
    { path: `/w/${wsId}/api/alerts/${id}/acknowledge`, method: "POST" },
    { path: `/w/${wsId}/api/alerts/${id}/resolve`, method: "POST" },
    { path: `/w/${wsId}/api/alerts/${id}`, method: "DELETE" },
  ];

  it("401 without a credential, 403 for viewers, 404 for another workspace's token", async () => {
    const alert = makeAlert();
    const ws = await withAlerts(alert);
    const other = await makeWorkspace("other");
    for (const { path, method } of actions(ws.id, alert.id)) {
      await expectProblem(await call(path, { method }), 401, "unauthenticated");
      await expectProblem(await call(path, bearer(ws.viewer, { method })), 403, "forbidden");
      await expectProblem(await call(path, bearer(other.admin, { method })), 404, "not_found");
    }
    const res = await call(`/w/${ws.id}/api/alerts/${alert.id}`, bearer(ws.viewer));
    expect(((await res.json()) as AlertDetail).alert.acknowledged).toBe(false);
  });

  it("refuses cookie-authenticated cross-site actions (CSRF) and expired sessions", async () => {
    const alert = makeAlert();
    const ws = await withAlerts(alert);
    const login = await call(`/w/${ws.id}/api/session`, jsonInit("POST", { token: ws.operator }));
    const cookie = (login.headers.get("Set-Cookie") ?? "").split(";")[0]!;
    const post = (headers: Record<string, string>) =>
      call(`/w/${ws.id}/api/alerts/${alert.id}/acknowledge`, {
        method: "POST",
        headers: { Cookie: cookie, ...headers },
      });
    await expectProblem(await post({ Origin: "https://evil.example" }), 403, "csrf_rejected");
    await expectProblem(await post({}), 403, "csrf_rejected");
    await expectProblem(
      await post({ Origin: "https://evil.example", "Content-Type": "text/plain" }),
      403,
      "csrf_rejected",
    );
    expect((await post({ Origin: BASE })).status).toBe(200);
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts/${alert.id}/resolve`, {
        method: "POST",
        headers: { Cookie: `opsdeck_session=ods.${ws.id}.expired`, Origin: BASE },
      }),
      401,
      "unauthenticated",
    );
  });

  it("404 for an unknown id, 400 for a malformed one (traversal, too long)", async () => {
    const ws = await withAlerts(makeAlert());
    for (const { path, method } of actions(ws.id, "no-such-alert"))
      await expectProblem(await call(path, bearer(ws.operator, { method })), 404, "not_found");
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts/nope`, bearer(ws.viewer)),
      404,
      "not_found",
    );
    for (const bad of ["..%2F..%2Fetc", "a%00b", "x".repeat(201), "%20"]) {
      for (const { path, method } of actions(ws.id, bad)) {
        const res = await call(path, bearer(ws.operator, { method }));
        expect([400, 404], `${method} ${path}`).toContain(res.status);
        expect(res.headers.get("Content-Type")).toContain("application/problem+json");
      }
    }
    await expectProblem(
      await ack(ws.id, "bad..id%3Cscript%3E", ws.operator),
      400,
      "validation_failed",
    );
  });

  it("400 for notes over 10k characters, with NUL, unknown fields or wrong types", async () => {
    const alert = makeAlert();
    const ws = await withAlerts(alert);
    for (const body of [
      { notes: "x".repeat(10_001) },
      { notes: "a\u0000b" },
      { notes: 42 },
      { notes: "ok", extra: true },
    ]) {
      const problem = (await expectProblem(
        await ack(ws.id, alert.id, ws.operator, body),
        400,
        "validation_failed",
      )) as { issues?: Array<{ path: string }> };
      expect(problem.issues?.[0]?.path).toMatch(/^json\./);
    }
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts/${alert.id}/acknowledge`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ws.operator}`, "Content-Type": "application/json" },
        body: "{notes:",
      }),
      400,
      "invalid_json",
    );
    const { alert: stored } = (await (
      await call(`/w/${ws.id}/api/alerts/${alert.id}`, bearer(ws.viewer))
    ).json()) as AlertDetail;
    expect(stored.acknowledged).toBe(false);
    // Exactly 10k characters is allowed.
    expect((await ack(ws.id, alert.id, ws.operator, { notes: "y".repeat(10_000) })).status).toBe(
      200,
    );
  });
});

describe("correlation", () => {
  it("lists deployments and runs of the alert's service that finished in the 2 h before it", async () => {
    const began = minutesFromNow(-10);
    const alert = makeAlert({
      timestamp: began,
      firstSeen: began,
      labels: { alertname: "HighErrorRate", service: "api", job: "api-exporter" },
    });
    const ws = await withAlerts(alert);
    const recent = makeDeployment({
      name: "api",
      timestamp: minutesFromNow(-40),
      durationMs: 120_000,
    });
    const viaRepo = makeDeployment({
      name: "production",
      repository: "acme/API",
      timestamp: minutesFromNow(-90),
    });
    const tooOld = makeDeployment({ name: "api", timestamp: minutesFromNow(-200) });
    const otherService = makeDeployment({ name: "billing", timestamp: minutesFromNow(-30) });
    const stillRunning = makeDeployment({
      name: "api",
      status: "running",
      timestamp: minutesFromNow(-20),
    });
    const afterwards = makeDeployment({ name: "api", timestamp: minutesFromNow(-2) });
    await seedDeployments(ws.stub, [
      recent,
      viaRepo,
      tooOld,
      otherService,
      stillRunning,
      afterwards,
    ]);
    const run = makePipeline({
      name: "CI",
      repository: "acme/api",
      startedAt: minutesFromNow(-30),
    });
    const otherRun = makePipeline({
      name: "CI",
      repository: "acme/web",
      startedAt: minutesFromNow(-30),
    });
    const failedRun = makePipeline({
      name: "deploy",
      repository: "acme/api",
      status: "failed",
      startedAt: minutesFromNow(-100),
    });
    await seedPipelines(ws.stub, [run, otherRun, failedRun]);

    const res = await call(`/w/${ws.id}/api/alerts/${alert.id}`, bearer(ws.viewer));
    expect(res.status).toBe(200);
    const { correlated } = (await res.json()) as AlertDetail;
    expect(correlated.deployments.map((d) => d.id)).toEqual([recent.id, viaRepo.id]);
    expect(correlated.pipelines.map((p) => p.id)).toEqual([run.id, failedRun.id]);
    expect(correlated.matchedOn).toEqual(["service=api", "job=api-exporter"]);
    expect(correlated.windowMinutes).toBe(120);
  });

  it("finds nothing for an alert without repository or service labels", async () => {
    const alert = makeAlert({ labels: { alertname: "DiskFull", instance: "db-1" } });
    const ws = await withAlerts(alert);
    await seedDeployments(ws.stub, [makeDeployment({ timestamp: minutesFromNow(-5) })]);
    const { correlated } = (await (
      await call(`/w/${ws.id}/api/alerts/${alert.id}`, bearer(ws.viewer))
    ).json()) as AlertDetail;
    expect(correlated).toEqual({
      deployments: [],
      pipelines: [],
      matchedOn: [],
      windowMinutes: 120,
    });
  });
});
