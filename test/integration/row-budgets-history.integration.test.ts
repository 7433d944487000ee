import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AUDIT_VALUE_BYTES,
  PIPELINE_ROW_BYTES,
  LIST_FRAME_BYTES,
  ROW_BUDGET_BYTES,
  TIMELINE_INLINE_ENTRIES,
  TIMELINE_READ_MAX,
  type AuditEntry,
  type Incident,
  type IncidentDetail,
  type IssuedToken,
  type Pipeline,
} from "../../schema";
import { deliverFixture, example, githubWorkspace } from "../helpers/github";
import { makeAlert, seedAlerts } from "../helpers/seed";
import { closeAllSockets, isSnapshot, openSocket, waitForFrame } from "../helpers/ws";
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

afterEach(() => closeAllSockets());

const api = (ws: TestWorkspace) => `/w/${ws.id}/api`;

async function openIncident(ws: TestWorkspace): Promise<Incident> {
  const [alert] = await seedAlerts(ws.stub, [makeAlert()]);
  const res = await call(
    `${api(ws)}/incidents`,
    jsonInit(
      "POST",
      { alertId: alert!.id, title: "Outage", description: "start", severity: "critical" },
      ws.operator,
    ),
  );
  expect(res.status).toBe(201);
  return ((await res.json()) as { incident: Incident }).incident;
}

const postUpdate = (ws: TestWorkspace, id: string, message: string, token = ws.operator) =>
  call(
    `${api(ws)}/incidents/${id}/updates`,
    jsonInit("POST", { status: "investigating", message }, token),
  );

async function detail(ws: TestWorkspace, id: string): Promise<Incident> {
  const res = await call(`${api(ws)}/incidents/${id}`, bearer(ws.viewer));
  expect(res.status).toBe(200);
  return ((await res.json()) as IncidentDetail).incident;
}

async function mintOperators(ws: TestWorkspace, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await call(
      `${api(ws)}/tokens`,
      jsonInit("POST", { name: `flood-${i}`, role: "operator" }, ws.admin),
    );
    expect(res.status).toBe(201);
    tokens.push(((await res.json()) as { token: IssuedToken }).token.token);
  }
  return tokens;
}

/** Bytes of the largest row of each kind of stored record. */
async function largestRecord(ws: TestWorkspace, kind: string): Promise<number> {
  return runInDurableObject(ws.stub, (_i, state) => {
    const row = state.storage.sql
      .exec<{ n: number | null }>(
        "SELECT MAX(length(CAST(data AS BLOB))) AS n FROM records WHERE kind = ?",
        kind,
      )
      .one();
    return row.n ?? 0;
  });
}

describe("an incident with thousands of timeline entries", () => {
  it("keeps each row bounded, reads the newest entries, and its frames keep arriving", async () => {
    const ws = await makeWorkspace("timeline");
    const incident = await openIncident(ws);
    const message = (i: number) => `update ${i} `.padEnd(5_000, "u");
    // Mutations are limited per token (a burst of 120), so the attacker mints operator tokens,
    // as an admin can, and spends each one's burst: 17 × 118 updates.
    const perToken = 118;
    const tokens = await mintOperators(ws, 17);
    const total = tokens.length * perToken;
    for (const [t, token] of tokens.entries()) {
      for (let start = 0; start < perToken; start += 20) {
        const batch = Array.from({ length: Math.min(20, perToken - start) }, (_, k) =>
          postUpdate(ws, incident.id, message(t * perToken + start + k), token),
        );
        for (const res of await Promise.all(batch)) expect(res.status).toBe(200);
      }
    }

    const read = await detail(ws, incident.id);
    expect(read.timelineTotal).toBe(total + 1);
    expect(read.timeline).toHaveLength(TIMELINE_READ_MAX);
    // Entries are numbered in the order they were applied; the newest read last.
    expect(read.timeline.at(-1)!.message.startsWith("update ")).toBe(true);

    const list = await call(`${api(ws)}/incidents`, bearer(ws.viewer));
    const [listed] = ((await list.json()) as { incidents: Incident[] }).incidents;
    expect(listed!.timeline).toHaveLength(TIMELINE_INLINE_ENTRIES);
    expect(await largestRecord(ws, "incident")).toBeLessThan(ROW_BUDGET_BYTES / 4);

    // Another caller's socket still gets its snapshot and the next incidents frame.
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    const snapshot = await waitForFrame(sock, isSnapshot);
    expect(snapshot.payload.incidents[0]!.timelineTotal).toBe(total + 1);
    expect((await postUpdate(ws, incident.id, "after the flood")).status).toBe(200);
    const frame = await waitForFrame(sock, (f) => f.type === "incidents");
    expect(JSON.stringify(frame.payload).length).toBeLessThanOrEqual(LIST_FRAME_BYTES.incidents);
    expect((frame.payload as Incident[])[0]!.timeline.at(-1)!.message).toBe("after the flood");

    // Audit rows of the updates stay bounded too.
    const audit = await runInDurableObject(ws.stub, (_i, state) =>
      state.storage.sql
        .exec<{ n: number }>(
          "SELECT MAX(length(CAST(before AS BLOB)) + length(CAST(after AS BLOB))) AS n FROM audit",
        )
        .one(),
    );
    expect(audit.n).toBeLessThanOrEqual(2 * AUDIT_VALUE_BYTES + 100);
  }, 120_000);

  it("moves an older incident's inline timeline to rows on its next update, losing nothing", async () => {
    const ws = await makeWorkspace("timeline");
    const incident = await openIncident(ws);
    // As stored before timelines had rows: 30 entries inline, no total, no entry rows.
    const legacy = Array.from({ length: 30 }, (_, i) => ({
      at: new Date(Date.now() - (30 - i) * 60_000).toISOString(),
      by: "operator-bot",
      status: "investigating" as const,
      message: `old ${i}`,
    }));
    await runInDurableObject(ws.stub, (_i, state) => {
      const sql = state.storage.sql;
      const row = sql
        .exec<{ data: string }>(
          "SELECT data FROM records WHERE kind = 'incident' AND id = ?",
          incident.id,
        )
        .one();
      const data = { ...(JSON.parse(row.data) as Incident), timeline: legacy };
      delete data.timelineTotal;
      sql.exec(
        "UPDATE records SET data = ? WHERE kind = 'incident' AND id = ?",
        JSON.stringify(data),
        incident.id,
      );
      sql.exec("DELETE FROM records WHERE kind = 'incident-entry'");
    });
    expect((await detail(ws, incident.id)).timeline.map((e) => e.message)).toEqual(
      legacy.map((e) => e.message),
    );

    expect((await postUpdate(ws, incident.id, "new")).status).toBe(200);
    const read = await detail(ws, incident.id);
    expect(read.timelineTotal).toBe(31);
    expect(read.timeline.map((e) => e.message)).toEqual([...legacy.map((e) => e.message), "new"]);
  });

  it("refuses bad updates and viewers, storing nothing", async () => {
    const ws = await makeWorkspace("timeline");
    const incident = await openIncident(ws);
    await expectProblem(await postUpdate(ws, incident.id, "x", ws.viewer), 403, "forbidden");
    const long = await postUpdate(ws, incident.id, "m".repeat(10_001));
    expect(long.status).toBe(400);
    expect(JSON.stringify(await long.json())).toContain("message");
    await expectProblem(
      await call(
        `${api(ws)}/incidents/${incident.id}/updates`,
        jsonInit("POST", { status: "gone" }, ws.operator),
      ),
      400,
      "validation_failed",
    );
    expect((await detail(ws, incident.id)).timelineTotal).toBe(1);
  });
});

describe("audit entries of huge changes", () => {
  it("store before/after over the budget as a visible marker with the size", async () => {
    const ws = await makeWorkspace("audit-budget");
    // An alert with a large note history: acknowledging it audits the whole record twice.
    const notes = Array.from({ length: 20 }, (_, k) => ({
      at: new Date().toISOString(),
      by: "operator-bot",
      text: `${k}`.padEnd(9_000, "n"),
    }));
    const [alert] = await seedAlerts(ws.stub, [makeAlert({ notes })]);
    const res = await call(
      `${api(ws)}/alerts/${alert!.id}/acknowledge`,
      jsonInit("POST", { notes: "taking it" }, ws.operator),
    );
    expect(res.status).toBe(200);

    const page = await call(`${api(ws)}/audit?limit=5`, bearer(ws.admin));
    const { entries } = (await page.json()) as { entries: AuditEntry[] };
    const entry = entries.find((e) => e.action === "alert.acknowledge")!;
    expect(entry).toMatchObject({ actor: "operator-bot", target: alert!.id });
    expect(entry.before).toEqual({ truncated: true, bytes: expect.any(Number) });
    expect(entry.after).toEqual({ truncated: true, bytes: expect.any(Number) });
    expect(entry.before!.bytes as number).toBeGreaterThan(AUDIT_VALUE_BYTES);

    // A small change is still audited whole.
    expect(
      (await call(`${api(ws)}/settings`, jsonInit("PUT", { thresholds: { cpu: 70 } }, ws.admin)))
        .status,
    ).toBe(200);
    const again = (await (await call(`${api(ws)}/audit?limit=1`, bearer(ws.admin))).json()) as {
      entries: AuditEntry[];
    };
    expect(again.entries[0]!.after).toMatchObject({ thresholds: { cpu: 70 } });

    // A settings body beyond what settings hold is refused naming the field; nothing audited.
    const huge = await call(
      `${api(ws)}/settings`,
      jsonInit(
        "PUT",
        { integrations: { slack: { enabled: true, webhookUrl: "h".repeat(900_000) } } },
        ws.admin,
      ),
    );
    expect(huge.status).toBe(400);
    expect(JSON.stringify(await huge.json())).toContain("webhookUrl");
    const last = (await (await call(`${api(ws)}/audit?limit=1`, bearer(ws.admin))).json()) as {
      entries: AuditEntry[];
    };
    expect(last.entries[0]!.id).toBe(again.entries[0]!.id);
  });
});

describe("a GitHub run with many jobs of 1,000 steps each", () => {
  it("stores the run within its row budget, every stage kept, marked as cut", async () => {
    const ws = await githubWorkspace();
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);
    const fixture = example("workflow_job", 1);
    const job = fixture.payload.workflow_job as Record<string, unknown>;
    const steps = Array.from({ length: 1000 }, (_, n) => ({
      name: `step ${n} `.padEnd(300, "s"),
      status: "completed",
      conclusion: "success",
      number: n + 1,
      started_at: "2021-08-05T10:26:08.000Z",
      completed_at: "2021-08-05T10:26:11.000Z",
    }));
    const jobs = 12;
    for (let j = 0; j < jobs; j++) {
      const payload = {
        ...fixture.payload,
        workflow_job: { ...job, id: 900_000 + j, name: `job ${j}`, steps },
      };
      const res = await deliverFixture(ws, "workflow_job", { ...fixture, payload });
      expect(res.status).toBeLessThan(300);
    }
    const runId = String(job.run_id);
    const frame = await waitForFrame(
      sock,
      (f) => f.type === "pipeline" && (f.payload as Pipeline).stages.length === jobs,
    );
    const run = (frame as { payload: unknown }).payload as Pipeline;
    expect(run.id).toContain(runId);
    expect(JSON.stringify(run).length).toBeLessThanOrEqual(PIPELINE_ROW_BYTES);
    expect(run.truncated).toEqual([{ field: "stages.steps", bytes: expect.any(Number) }]);
    expect(run.stages.map((s) => s.name).sort()).toEqual(
      Array.from({ length: jobs }, (_, j) => `job ${j}`).sort(),
    );
    expect(await largestRecord(ws, "pipeline")).toBeLessThanOrEqual(PIPELINE_ROW_BYTES);
  });
});
