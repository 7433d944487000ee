import { describe, expect, it } from "vitest";
import type { Alert, AlertDetail, AuditEntry, Incident, IncidentDetail } from "../../schema";
import { makeAlert, seedAlerts } from "../helpers/seed";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";

type IncidentResult = { success: true; incident: Incident };

async function setup(count = 2) {
  const alerts = Array.from({ length: count }, () => makeAlert());
  const ws = await makeWorkspace("inc");
  await seedAlerts(ws.stub, alerts);
  return { ws, alerts };
}

const create = (wsId: string, body: unknown, token: string) =>
  call(`/w/${wsId}/api/incidents`, jsonInit("POST", body, token));

const update = (wsId: string, id: string, body: unknown, token: string) =>
  call(`/w/${wsId}/api/incidents/${id}/updates`, jsonInit("POST", body, token));

async function alertOf(wsId: string, id: string, token: string): Promise<Alert> {
  const res = await call(`/w/${wsId}/api/alerts/${id}`, bearer(token));
  return ((await res.json()) as AlertDetail).alert;
}

describe("creating incidents", () => {
  it("opens an incident from one alert with the contract body", async () => {
    const { ws, alerts } = await setup(1);
    const alert = alerts[0]!;
    const res = await create(
      ws.id,
      { alertId: alert.id, title: "API down", description: "5xx everywhere", severity: "critical" },
      ws.operator,
    );
    expect(res.status).toBe(201);
    const { success, incident } = (await res.json()) as IncidentResult;
    expect(success).toBe(true);
    expect(incident).toMatchObject({
      title: "API down",
      description: "5xx everywhere",
      severity: "critical",
      status: "investigating",
      alertIds: [alert.id],
      createdBy: "operator-bot",
      timeline: [{ status: "investigating", by: "operator-bot", message: "5xx everywhere" }],
    });
    expect((await alertOf(ws.id, alert.id, ws.viewer)).incidentId).toBe(incident.id);

    const list = await call(`/w/${ws.id}/api/incidents?status=open`, bearer(ws.viewer));
    const { incidents } = (await list.json()) as { incidents: Incident[] };
    expect(incidents.map((i) => i.id)).toEqual([incident.id]);

    const audit = await call(`/w/${ws.id}/api/audit`, bearer(ws.admin));
    const { entries } = (await audit.json()) as { entries: AuditEntry[] };
    expect(entries.find((e) => e.action === "incident.create")).toMatchObject({
      actor: "operator-bot",
      target: incident.id,
      before: null,
      after: { title: "API down" },
    });
  });

  it("groups several alerts (alertIds, merged with alertId, without repeats)", async () => {
    const { ws, alerts } = await setup(3);
    const [a, b, c] = alerts.map((x) => x.id) as [string, string, string];
    const res = await create(
      ws.id,
      { alertId: a, alertIds: [b, c, a], title: "Outage", severity: "error" },
      ws.operator,
    );
    const { incident } = (await res.json()) as IncidentResult;
    expect(incident.alertIds).toEqual([a, b, c]);
    for (const id of [a, b, c])
      expect((await alertOf(ws.id, id, ws.viewer)).incidentId).toBe(incident.id);
    const detail = await call(`/w/${ws.id}/api/incidents/${incident.id}`, bearer(ws.viewer));
    const body = (await detail.json()) as IncidentDetail;
    expect(body.incident.id).toBe(incident.id);
    expect(body.alerts.map((x) => x.id).sort()).toEqual([a, b, c].sort());
  });

  it("404 for an unknown alert, and nothing is created", async () => {
    const { ws, alerts } = await setup(1);
    const problem = await expectProblem(
      await create(
        ws.id,
        { alertIds: [alerts[0]!.id, "missing-1"], title: "x", severity: "info" },
        ws.operator,
      ),
      404,
      "not_found",
    );
    expect(problem.detail).toContain("missing-1");
    const list = await call(`/w/${ws.id}/api/incidents`, bearer(ws.viewer));
    expect(((await list.json()) as { incidents: Incident[] }).incidents).toEqual([]);
    expect((await alertOf(ws.id, alerts[0]!.id, ws.viewer)).incidentId).toBeUndefined();
  });

  it("409 when an alert already belongs to an open incident; allowed once that is resolved", async () => {
    const { ws, alerts } = await setup(1);
    const body = { alertId: alerts[0]!.id, title: "First", severity: "warning" };
    const first = ((await (await create(ws.id, body, ws.operator)).json()) as IncidentResult)
      .incident;
    const problem = (await expectProblem(
      await create(ws.id, { ...body, title: "Second" }, ws.operator),
      409,
      "conflict",
    )) as { current?: Incident };
    expect(problem.current?.id).toBe(first.id);
    await update(ws.id, first.id, { status: "resolved", message: "fixed" }, ws.operator);
    expect((await create(ws.id, { ...body, title: "Again" }, ws.operator)).status).toBe(201);
  });

  it("stores titles with RTL override characters exactly, as JSON text", async () => {
    const { ws, alerts } = await setup(1);
    const title = "Payments \u202Egnp.exe\u202C \u2066isolated\u2069 <script>alert(1)</script>";
    const res = await create(
      ws.id,
      { alertId: alerts[0]!.id, title, severity: "critical" },
      ws.operator,
    );
    expect(res.status).toBe(201);
    const { incident } = (await res.json()) as IncidentResult;
    expect(incident.title).toBe(title);
    const detail = await call(`/w/${ws.id}/api/incidents/${incident.id}`, bearer(ws.viewer));
    expect(detail.headers.get("Content-Type")).toContain("application/json");
    expect(((await detail.json()) as IncidentDetail).incident.title).toBe(title);
  });
});

describe("incident lifecycle", () => {
  async function openIncident() {
    const { ws, alerts } = await setup(1);
    const res = await create(
      ws.id,
      { alertId: alerts[0]!.id, title: "DB slow", severity: "error" },
      ws.operator,
    );
    return { ws, incident: ((await res.json()) as IncidentResult).incident };
  }

  it("moves forward with a timeline, resolves with resolvedAt, and can be reopened", async () => {
    const { ws, incident } = await openIncident();
    const steps = [
      { status: "identified", message: "bad index" },
      { status: "identified", message: "still on it" },
      { status: "monitoring", message: "index rebuilt" },
      { status: "resolved", message: "latency normal" },
    ];
    let current = incident;
    for (const step of steps) {
      const res = await update(ws.id, incident.id, step, ws.operator);
      expect(res.status).toBe(200);
      current = ((await res.json()) as IncidentResult).incident;
      expect(current.status).toBe(step.status);
    }
    expect(current.resolvedAt).toBeDefined();
    expect(current.timeline.map((t) => [t.status, t.message])).toEqual([
      ["investigating", ""],
      ...steps.map((s) => [s.status, s.message]),
    ]);
    const resolved = await call(`/w/${ws.id}/api/incidents?status=resolved`, bearer(ws.viewer));
    expect(((await resolved.json()) as { incidents: Incident[] }).incidents).toHaveLength(1);

    const reopened = await update(
      ws.id,
      incident.id,
      { status: "investigating", message: "back" },
      ws.operator,
    );
    expect(reopened.status).toBe(200);
    const after = ((await reopened.json()) as IncidentResult).incident;
    expect(after.status).toBe("investigating");
    expect(after.resolvedAt).toBeUndefined();
  });

  it("skips steps forward (investigating → resolved) but refuses going back with 409", async () => {
    const { ws, incident } = await openIncident();
    await update(ws.id, incident.id, { status: "monitoring" }, ws.operator);
    const problem = (await expectProblem(
      await update(ws.id, incident.id, { status: "identified", message: "oops" }, ws.operator),
      409,
      "invalid_transition",
    )) as { current?: Incident };
    expect(problem.current?.status).toBe("monitoring");
    await expectProblem(
      await update(ws.id, incident.id, { status: "investigating" }, ws.operator),
      409,
      "invalid_transition",
    );
    expect((await update(ws.id, incident.id, { status: "resolved" }, ws.operator)).status).toBe(
      200,
    );
    await expectProblem(
      await update(ws.id, incident.id, { status: "monitoring" }, ws.operator),
      409,
      "invalid_transition",
    );
  });

  it("audits each update with before and after, and feeds the activity list", async () => {
    const { ws, incident } = await openIncident();
    await update(ws.id, incident.id, { status: "identified", message: "found it" }, ws.admin);
    const { entries } = (await (await call(`/w/${ws.id}/api/audit`, bearer(ws.admin))).json()) as {
      entries: AuditEntry[];
    };
    const entry = entries.find((e) => e.action === "incident.update");
    expect(entry).toMatchObject({ actor: "admin", target: incident.id });
    expect(entry?.before).toMatchObject({ status: "investigating" });
    expect(entry?.after).toMatchObject({ status: "identified" });
    const { activities } = (await (
      await call(`/w/${ws.id}/api/activity?limit=3`, bearer(ws.viewer))
    ).json()) as { activities: Array<{ type: string; title: string; description: string }> };
    expect(activities[0]).toMatchObject({
      type: "incident",
      title: "Incident identified: DB slow",
      description: "found it",
    });
  });
});

describe("bad input and roles", () => {
  it("401, 403 for viewers, 404 across workspaces on create and update", async () => {
    const { ws, alerts } = await setup(1);
    const other = await makeWorkspace("other");
    const body = { alertId: alerts[0]!.id, title: "x", severity: "info" };
    await expectProblem(
      await call(`/w/${ws.id}/api/incidents`, jsonInit("POST", body)),
      401,
      "unauthenticated",
    );
    await expectProblem(await create(ws.id, body, ws.viewer), 403, "forbidden");
    await expectProblem(await create(ws.id, body, other.admin), 404, "not_found");
    const { incident } = (await (await create(ws.id, body, ws.operator)).json()) as IncidentResult;
    const change = { status: "resolved", message: "" };
    await expectProblem(
      await call(`/w/${ws.id}/api/incidents/${incident.id}/updates`, jsonInit("POST", change)),
      401,
      "unauthenticated",
    );
    await expectProblem(await update(ws.id, incident.id, change, ws.viewer), 403, "forbidden");
    await expectProblem(await update(ws.id, incident.id, change, other.admin), 404, "not_found");
    await expectProblem(
      await call(`/w/${ws.id}/api/incidents/${incident.id}`, bearer(other.admin)),
      404,
      "not_found",
    );
    // The other workspace's own id space does not see it either.
    await expectProblem(
      await call(`/w/${other.id}/api/incidents/${incident.id}`, bearer(other.admin)),
      404,
      "not_found",
    );
  });

  it("404 for an unknown incident, 400 for malformed ids and bodies", async () => {
    const { ws, alerts } = await setup(1);
    await expectProblem(
      await update(ws.id, "inc-nope", { status: "resolved" }, ws.operator),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/incidents/inc-nope`, bearer(ws.viewer)),
      404,
      "not_found",
    );
    await expectProblem(
      await update(ws.id, "..%2F..%2Fadmin", { status: "resolved" }, ws.operator),
      400,
      "validation_failed",
    );
    const id = alerts[0]!.id;
    const bad: Array<[unknown, string]> = [
      [{ title: "no alert", severity: "info" }, "json.alertId"],
      [{ alertId: id, severity: "info" }, "json.title"],
      [{ alertId: id, title: "", severity: "info" }, "json.title"],
      [{ alertId: id, title: "x".repeat(501), severity: "info" }, "json.title"],
      [{ alertId: id, title: "nul\u0000", severity: "info" }, "json.title"],
      [
        { alertId: id, title: "x", description: "d".repeat(10_001), severity: "info" },
        "json.description",
      ],
      [{ alertId: id, title: "x", severity: "fatal" }, "json.severity"],
      [{ alertId: id, title: "x", severity: "info", owner: "me" }, "json.owner"],
      [{ alertIds: [], title: "x", severity: "info" }, "json.alertIds"],
      [
        { alertIds: Array.from({ length: 101 }, (_, i) => `a${i}`), title: "x", severity: "info" },
        "json.alertIds",
      ],
      [{ alertId: "../etc", title: "x", severity: "info" }, "json.alertId"],
      [{ alertId: 7, title: "x", severity: "info" }, "json.alertId"],
    ];
    for (const [body, path] of bad) {
      const problem = (await expectProblem(
        await create(ws.id, body, ws.operator),
        400,
        "validation_failed",
      )) as { issues?: Array<{ path: string }> };
      expect(
        problem.issues?.map((i) => i.path),
        JSON.stringify(body).slice(0, 80),
      ).toContain(path);
    }
    const { incident } = (await (
      await create(ws.id, { alertId: id, title: "ok", severity: "info" }, ws.operator)
    ).json()) as IncidentResult;
    for (const body of [
      { status: "fixed" },
      { message: "no status" },
      { status: "resolved", message: "m".repeat(10_001) },
      { status: "resolved", message: "a\u0000" },
      { status: "resolved", extra: 1 },
    ])
      await expectProblem(
        await update(ws.id, incident.id, body, ws.operator),
        400,
        "validation_failed",
      );
    const list = await call(`/w/${ws.id}/api/incidents`, bearer(ws.viewer));
    expect(((await list.json()) as { incidents: Incident[] }).incidents).toHaveLength(1);
  });
});
