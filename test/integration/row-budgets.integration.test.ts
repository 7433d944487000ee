import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ANNOTATION_SET_BUDGET,
  FRAME_BUDGET_BYTES,
  LABEL_SET_BUDGET,
  LIST_FRAME_BYTES,
  NOTES_BUDGET_BYTES,
  ROW_BUDGET_BYTES,
  TRUNCATION_MARK,
  type Alert,
  type AlertBatchResult,
  type AlertDetail,
} from "../../schema";
import { broadcast } from "../../durable-objects/connections";
import { BudgetExceededError, guardedSql } from "../../durable-objects/store/budget-guard";
import { amAlert, amGroup, integration, makeIntegration, postJson } from "../helpers/alerting";
import { takeBudgetViolations } from "../helpers/budget-guard";
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

/** The largest stored value per table, in bytes: what production's 2 MB row limit applies to. */
async function largestRows(ws: TestWorkspace): Promise<Record<string, number>> {
  return runInDurableObject(ws.stub, (_instance, state) => {
    const q = (sql: string) => state.storage.sql.exec<{ n: number | null }>(sql).one().n ?? 0;
    return {
      records: q("SELECT MAX(length(CAST(data AS BLOB))) AS n FROM records"),
      events: q("SELECT MAX(length(CAST(payload AS BLOB))) AS n FROM events"),
      audit: q(
        "SELECT MAX(length(CAST(before AS BLOB)) + length(CAST(after AS BLOB))) AS n FROM audit",
      ),
      meta: q("SELECT MAX(length(CAST(value AS BLOB))) AS n FROM meta"),
    };
  });
}

function expectRowsWithinBudget(rows: Record<string, number>) {
  for (const [table, bytes] of Object.entries(rows))
    expect(bytes, `largest ${table} row`).toBeLessThanOrEqual(ROW_BUDGET_BYTES);
}

const ack = (ws: TestWorkspace, id: string, body: unknown = {}, token = ws.operator) =>
  call(
    `/w/${ws.id}/api/alerts/${encodeURIComponent(id)}/acknowledge`,
    jsonInit("POST", body, token),
  );
const dismiss = (ws: TestWorkspace, id: string) =>
  call(
    `/w/${ws.id}/api/alerts/${encodeURIComponent(id)}`,
    bearer(ws.operator, { method: "DELETE" }),
  );
const getAlert = async (ws: TestWorkspace, id: string) =>
  (
    (await (
      await call(`/w/${ws.id}/api/alerts/${encodeURIComponent(id)}`, bearer(ws.viewer))
    ).json()) as AlertDetail
  ).alert;

describe("the test guard fails writes and frames over budget", () => {
  it("throws on a statement binding more than the row budget, and records it", async () => {
    const ws = await makeWorkspace("guard");
    const outcome = await runInDurableObject(ws.stub, (_instance, state) => {
      const sql = guardedSql(state.storage.sql);
      sql.exec("INSERT INTO meta (key, value) VALUES (?, ?)", "small", "x".repeat(1000));
      try {
        sql.exec("INSERT INTO meta (key, value) VALUES (?, ?)", "big", "é".repeat(600_000));
        return "written";
      } catch (error) {
        return error instanceof BudgetExceededError ? error.message : String(error);
      }
    });
    expect(outcome).toMatch(/^Row budget exceeded: a statement bound \d+ bytes/);
    expect(takeBudgetViolations()).toHaveLength(1);
    // The refused write left nothing behind; the small one is there.
    const keys = await runInDurableObject(ws.stub, (_i, state) =>
      state.storage.sql
        .exec<{ key: string }>("SELECT key FROM meta WHERE key IN ('small', 'big')")
        .toArray(),
    );
    expect(keys).toEqual([{ key: "small" }]);
  });

  it("throws on a socket frame over the frame budget", async () => {
    const ws = await makeWorkspace("guard");
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);
    const outcome = await runInDurableObject(ws.stub, (_instance, state) => {
      const huge = makeAlert({ message: "m".repeat(10_000) });
      const payload = Array.from(
        { length: Math.ceil(FRAME_BUDGET_BYTES / 10_000) + 10 },
        () => huge,
      );
      try {
        broadcast(state, { type: "alerts", payload, seq: 1, ts: new Date().toISOString() });
        return "sent";
      } catch (error) {
        return error instanceof BudgetExceededError ? error.message : String(error);
      }
    });
    expect(outcome).toMatch(/^Frame budget exceeded/);
    expect(takeBudgetViolations()).toHaveLength(1);
  });
});

describe("an Alertmanager delivery with oversized labels and annotations", () => {
  it("stores the alert cut to its budget with marks, counts it, and ack/dismiss still work", async () => {
    const ws = await makeWorkspace("budget");
    const am = await makeIntegration(ws, "alertmanager");
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);

    const labels: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) labels[`label_${i}`] = `value-${i}`;
    labels.alertname = "DiskFull";
    labels.severity = "critical";
    const huge = amAlert("huge", {
      labels,
      annotations: { summary: "Disk full", description: "d".repeat(1024 * 1024) },
    });
    const normal = amAlert("normal");
    const res = await postJson(`/w/${ws.id}/hooks/alertmanager`, amGroup([huge, normal]), {
      Authorization: `Bearer ${am.credential}`,
    });
    expect(res.status).toBe(200);
    expect((await res.json()) as AlertBatchResult).toMatchObject({ created: 2, truncated: 1 });
    expect((await integration(ws, am.integration.id)).stats).toMatchObject({ truncated: 1 });

    const frame = await waitForFrame(sock, (f) => f.type === "alerts");
    const alerts = frame.payload as Alert[];
    expect(alerts).toHaveLength(2);
    const stored = alerts.find((a) => a.fingerprint === "huge")!;
    // The alert keeps its name, severity and summary; the rest is cut and says so.
    expect(Object.keys(stored.labels)).toHaveLength(LABEL_SET_BUDGET.keys);
    expect(stored.labels).toMatchObject({ alertname: "DiskFull", severity: "critical" });
    expect(stored.severity).toBe("critical");
    expect(stored.annotations.summary).toBe("Disk full");
    expect(stored.annotations.description).toContain(`${TRUNCATION_MARK}${1024 * 1024} bytes]`);
    expect(new TextEncoder().encode(stored.annotations.description).byteLength).toBeLessThanOrEqual(
      ANNOTATION_SET_BUDGET.valueBytes,
    );
    expect(stored.truncated).toEqual([
      { field: "labels", bytes: expect.any(Number), droppedKeys: 10_002 - LABEL_SET_BUDGET.keys },
      { field: "annotations.description", bytes: 1024 * 1024 },
    ]);
    // The other alert of the delivery is untouched.
    const other = alerts.find((a) => a.fingerprint === "normal")!;
    expect(other.labels).toEqual(normal.labels);
    expect(other.truncated).toBeUndefined();
    expectRowsWithinBudget(await largestRows(ws));
    // The detail page says what was cut.
    const page = await call(
      `/w/${ws.id}/alerts/${encodeURIComponent(stored.id)}`,
      bearer(ws.viewer),
    );
    expect(await page.text()).toContain("annotations.description (1048576 bytes)");

    expect((await ack(ws, stored.id, { notes: "on it" })).status).toBe(200);
    await waitForFrame(sock, (f) => f.type === "alerts");
    expect((await dismiss(ws, stored.id)).status).toBe(200);
    const after = await waitForFrame(sock, (f) => f.type === "alerts");
    expect((after.payload as Alert[]).map((a) => a.fingerprint)).toEqual(["normal"]);
    expect(await getAlert(ws, stored.id)).toMatchObject({
      acknowledged: true,
      notes: [{ text: "on it" }],
    });
    expectRowsWithinBudget(await largestRows(ws));
  });
});

/** An alert as large as the budgets let one get: full sets, long texts, a full notes budget. */
function maximalAlert(i: number): Alert {
  const set = (prefix: string) =>
    Object.fromEntries(Array.from({ length: 63 }, (_, k) => [`${prefix}_${k}`, "v".repeat(1000)]));
  const notes = Array.from({ length: 25 }, (_, k) => ({
    at: new Date().toISOString(),
    by: "operator-bot",
    text: `${k}`.padEnd(10_000, "n"),
  }));
  return makeAlert({
    id: `max-${i}`,
    title: "T".repeat(1024),
    message: "M".repeat(10_000),
    labels: { alertname: `Max${i}`, ...set("l") },
    annotations: { summary: `Maximal ${i}`, ...set("a") },
    notes,
  });
}

describe("200 maximal alerts", () => {
  it("go out in frames and a snapshot within budget; ack and dismiss still work", async () => {
    const ws = await makeWorkspace("budget");
    const alerts = await seedAlerts(
      ws.stub,
      Array.from({ length: 200 }, (_, i) => maximalAlert(i)),
    );
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    const snapshot = await waitForFrame(sock, isSnapshot);
    expect(snapshot.payload.alerts).toHaveLength(200);
    expect(snapshot.payload.alerts[0]!.truncated).toEqual([
      { field: "frame", bytes: expect.any(Number) },
    ]);

    const target = alerts[7]!;
    expect((await ack(ws, target.id)).status).toBe(200);
    const frame = await waitForFrame(sock, (f) => f.type === "alerts");
    const list = frame.payload as Alert[];
    expect(list).toHaveLength(200);
    expect(JSON.stringify(list).length).toBeLessThanOrEqual(LIST_FRAME_BYTES.alerts);
    expect(list.find((a) => a.id === target.id)).toMatchObject({ acknowledged: true });
    // The full record is one read away, nothing lost.
    const full = await getAlert(ws, target.id);
    expect(full.notes).toHaveLength(25);
    expect(full.truncated).toBeUndefined();

    expect((await dismiss(ws, target.id)).status).toBe(200);
    const next = await waitForFrame(sock, (f) => f.type === "alerts");
    expect((next.payload as Alert[]).some((a) => a.id === target.id)).toBe(false);
    expectRowsWithinBudget(await largestRows(ws));
  });
});

describe("notes", () => {
  it("refuses a 3 MB note (body cap), a note over its length, and notes past the alert's budget", async () => {
    const ws = await makeWorkspace("budget");
    const [alert] = await seedAlerts(ws.stub, [makeAlert()]);
    const id = alert!.id;

    await expectProblem(
      await ack(ws, id, { notes: "n".repeat(3 * 1024 * 1024) }),
      413,
      "payload_too_large",
    );
    const long = await ack(ws, id, { notes: "n".repeat(20_000) });
    expect(long.status).toBe(400);
    expect(JSON.stringify(await long.json())).toContain("notes");
    await expectProblem(await ack(ws, id, { notes: "hi" }, ws.viewer), 403, "forbidden");

    // Distinct notes of 9,000 characters each until the alert's notes budget is spent.
    let refused: Response | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await ack(ws, id, { notes: `${i} `.padEnd(9_000, "x") });
      if (res.status !== 200) refused = res;
    }
    expect(refused).toBeDefined();
    const problem = (await refused!.json()) as {
      status: number;
      code: string;
      issues: { path: string }[];
    };
    expect(problem).toMatchObject({ status: 422, code: "budget_exceeded" });
    expect(problem.issues.map((i) => i.path)).toContain("notes");

    const stored = await getAlert(ws, id);
    expect(JSON.stringify(stored.notes).length).toBeLessThanOrEqual(NOTES_BUDGET_BYTES);
    // Nothing stored was lost; acting without a note still works.
    expect(stored.notes.length).toBeGreaterThan(20);
    expect((await ack(ws, id)).status).toBe(200);
    expect((await dismiss(ws, id)).status).toBe(200);
    expectRowsWithinBudget(await largestRows(ws));
  });
});
