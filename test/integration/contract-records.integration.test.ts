import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Deployment, type Incident, type Pipeline } from "../../schema";
import { formatDuration, runDuration } from "../../schema/durations";
import { ContractReads } from "../helpers/contract";
import { makeAlert, makeDeployment, seedAlerts, seedDeployments } from "../helpers/seed";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** Writes a row as an older version stored it, bypassing today's schema. */
async function storeRaw(ws: TestWorkspace, kind: string, id: string, data: object, key: string) {
  await runInDurableObject(ws.stub, (_instance, state) => {
    state.storage.sql.exec(
      "INSERT INTO records (kind, id, data, sort_key) VALUES (?, ?, ?, ?)",
      kind,
      id,
      JSON.stringify(data),
      key,
    );
  });
}

async function rawRow(ws: TestWorkspace, kind: string, id: string): Promise<string> {
  return runInDurableObject(
    ws.stub,
    (_instance, state) =>
      state.storage.sql
        .exec<{ data: string }>("SELECT data FROM records WHERE kind = ? AND id = ?", kind, id)
        .one().data,
  );
}

async function read(ws: TestWorkspace, path: string, token = ws.viewer): Promise<unknown> {
  const res = await call(`/w/${ws.id}/api/${path}`, bearer(token));
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

/** A deployment as stored before `durationMs`: `duration` in seconds. */
const legacyDeployment = (id: string, status: string, seconds: number, minutesAgo: number) => ({
  id,
  name: "acme/shop",
  environment: "production",
  status,
  branch: "main",
  commit: "0123456789abcdef0123456789abcdef01234567",
  author: "octocat",
  timestamp: ago(minutesAgo),
  duration: seconds,
  source: "github",
});

describe("durations are the contract's display strings, the number kept as durationMs", () => {
  it("formats as the contract's examples do", () => {
    expect(formatDuration(204_000)).toBe("3m 24s");
    expect(formatDuration(42_400)).toBe("42s");
    expect(formatDuration(180_000)).toBe("3m");
    expect(formatDuration(3_720_000)).toBe("1h 2m");
    expect(formatDuration(-5)).toBe("0s");
    expect(runDuration({ status: "running", durationMs: 5000 })).toBe("in progress");
    expect(runDuration({ status: "pending", durationMs: 0 })).toBe("not started");
    expect(runDuration({ status: "failed", durationMs: 0 })).toBe("0s");
  });

  it("deployments stored with duration in seconds read with both fields, and the row is untouched", async () => {
    const ws = await makeWorkspace("durations");
    await storeRaw(
      ws,
      "deployment",
      "d-old",
      legacyDeployment("d-old", "success", 204, 10),
      ago(10),
    );
    await storeRaw(ws, "deployment", "d-run", legacyDeployment("d-run", "running", 12, 5), ago(5));
    const body = ContractReads.deployments.parse(await read(ws, "deployments"));
    expect(body.deployments.map((d) => [d.id, d.duration])).toEqual([
      ["d-run", "in progress"],
      ["d-old", "3m 24s"],
    ]);
    const full = (await read(ws, "deployments")) as { deployments: Deployment[] };
    expect(full.deployments.map((d) => d.durationMs)).toEqual([12_000, 204_000]);
    // A read fills the fields; it does not rewrite what is stored.
    expect(JSON.parse(await rawRow(ws, "deployment", "d-old"))).toMatchObject({ duration: 204 });
  });

  it("the display string is derived from status and durationMs, so it never disagrees", async () => {
    const ws = await makeWorkspace("durations");
    const parsed = Deployment.parse({
      ...legacyDeployment("d-1", "failed", 0, 3),
      duration: "whatever a writer said",
      durationMs: 95_000,
    });
    expect(parsed.duration).toBe("1m 35s");
    await seedDeployments(ws.stub, [parsed, makeDeployment({ id: "d-2", durationMs: 3_600_000 })]);
    const { deployments } = (await read(ws, "deployments")) as { deployments: Deployment[] };
    expect(Object.fromEntries(deployments.map((d) => [d.id, d.duration]))).toEqual({
      "d-1": "1m 35s",
      "d-2": "1h",
    });
  });

  it("pipeline stages stored with seconds read as display strings (REST and the socket's snapshot)", async () => {
    const ws = await makeWorkspace("durations");
    const run = {
      id: "run-1",
      name: "CI",
      branch: "main",
      commit: "abc1234",
      author: "octocat",
      status: "running",
      stages: [
        { id: "build", name: "build", status: "success", duration: 84 },
        { id: "test", name: "test", status: "running", duration: 0 },
        { id: "deploy", name: "deploy", status: "pending", duration: 0 },
      ],
      startedAt: ago(4),
      source: "github",
    };
    await storeRaw(ws, "pipeline", "run-1", run, ago(4));
    const { pipeline } = ContractReads.pipeline.parse(await read(ws, "pipeline/run-1"));
    expect(pipeline.stages.map((s) => s.duration)).toEqual([
      "1m 24s",
      "in progress",
      "not started",
    ]);
    const full = (await read(ws, "pipeline/run-1")) as { pipeline: Pipeline };
    expect(full.pipeline.stages.map((s) => s.durationMs)).toEqual([84_000, 0, 0]);
    const snapshot = await ws.stub.snapshot();
    expect(snapshot.pipelines[0]!.stages.map((s) => [s.duration, s.durationMs])).toEqual([
      ["1m 24s", 84_000],
      ["in progress", 0],
      ["not started", 0],
    ]);
  });

  it("the pages print the record's own string (one function for both)", async () => {
    const ws = await makeWorkspace("durations");
    await storeRaw(
      ws,
      "deployment",
      "d-old",
      legacyDeployment("d-old", "success", 204, 10),
      ago(10),
    );
    const res = await call(`/w/${ws.id}/deployments/d-old`, bearer(ws.viewer));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("3m 24s");
  });
});

describe("GET api/incidents items carry the contract's Alert fields", () => {
  it("message, timestamp, acknowledged and source next to the incident's own", async () => {
    const ws = await makeWorkspace("incidents");
    const [alert] = await seedAlerts(ws.stub, [makeAlert({ source: "grafana" })]);
    const created = await call(
      `/w/${ws.id}/api/incidents`,
      jsonInit(
        "POST",
        { alertId: alert!.id, title: "Checkout down", description: "5xx", severity: "critical" },
        ws.operator,
      ),
    );
    expect(created.status).toBe(201);
    const { incident } = (await created.json()) as { incident: Incident };
    const body = ContractReads.incidents.parse(await read(ws, "incidents?status=open"));
    expect(body.incidents).toEqual([
      expect.objectContaining({
        id: incident.id,
        title: "Checkout down",
        message: "5xx",
        severity: "critical",
        timestamp: incident.createdAt,
        acknowledged: true,
        source: "grafana",
      }),
    ]);
    // The incident's own fields are all still there (additive).
    expect((await read(ws, "incidents")) as { incidents: Incident[] }).toMatchObject({
      incidents: [{ description: "5xx", status: "investigating", alertIds: [alert!.id] }],
    });
  });

  it("incidents stored before the fields existed read with them filled", async () => {
    const ws = await makeWorkspace("incidents");
    const at = ago(30);
    await storeRaw(
      ws,
      "incident",
      "inc-old",
      {
        id: "inc-old",
        title: "Old outage",
        description: "from an older version",
        severity: "error",
        status: "resolved",
        alertIds: [],
        createdAt: at,
        updatedAt: at,
        resolvedAt: at,
        createdBy: "ops",
        timeline: [],
      },
      at,
    );
    const body = ContractReads.incidents.parse(await read(ws, "incidents?status=resolved"));
    expect(body.incidents).toEqual([
      expect.objectContaining({
        id: "inc-old",
        message: "from an older version",
        timestamp: at,
        acknowledged: true,
        source: "opsdeck",
      }),
    ]);
  });

  it("bad filters are 400 naming the field; no credential is 401", async () => {
    const ws = await makeWorkspace("incidents");
    const bad = await call(`/w/${ws.id}/api/incidents?severity=fatal`, bearer(ws.viewer));
    const problem = (await expectProblem(bad, 400, "validation_failed")) as {
      issues?: { path: string }[];
    };
    expect(problem.issues?.map((i) => i.path)).toContain("query.severity");
    await expectProblem(await call(`/w/${ws.id}/api/incidents`), 401, "unauthenticated");
  });
});
