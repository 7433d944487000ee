import { runInDurableObject } from "cloudflare:test";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { MAX_ALERT_RULES, type AlertRule, type Metric, type SourceStatus } from "../../schema";
import { listAlerts } from "../helpers/alerting";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import { closeAllSockets, openSocket, waitForFrame, type ChangeFrame } from "../helpers/ws";

const rulesPath = (ws: TestWorkspace, rest = "") => `/w/${ws.id}/api/alert-rules${rest}`;

async function createRule(ws: TestWorkspace, body: object, token = ws.operator) {
  const res = await call(rulesPath(ws), jsonInit("POST", body, token));
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { success: true; rule: AlertRule }).rule;
}

async function listRules(ws: TestWorkspace, query = "") {
  const res = await call(rulesPath(ws, query), bearer(ws.viewer));
  expect(res.status).toBe(200);
  return ((await res.json()) as { rules: AlertRule[] }).rules;
}

async function push(ws: TestWorkspace, metric: string, value: number, unit = "ms") {
  const body = { samples: [{ metric, label: `Label ${metric}`, unit, value }] };
  const res = await call(`/w/${ws.id}/api/metrics/samples`, jsonInit("POST", body, ws.operator));
  expect(res.status).toBe(202);
}

const ruleAlerts = async (ws: TestWorkspace, ruleId: string) =>
  (await listAlerts(ws)).filter((a) => a.labels.rule === ruleId);

async function card(ws: TestWorkspace, id: string): Promise<Metric | undefined> {
  const res = await call(`/w/${ws.id}/api/metrics`, bearer(ws.viewer));
  return ((await res.json()) as { metrics: Metric[] }).metrics.find((m) => m.id === id);
}

const p99 = { metric: "latency.p99", comparator: "gt", value: 250, severity: "critical" };

afterEach(() => closeAllSockets());

describe("alert rules: CRUD", () => {
  it("creates with defaults, lists (also by metric), edits, deletes, and audits each change", async () => {
    const ws = await makeWorkspace("rul");
    const rule = await createRule(ws, { metric: "queue.depth", comparator: "gte", value: 100 });
    expect(rule).toMatchObject({
      metric: "queue.depth",
      comparator: "gte",
      value: 100,
      severity: "warning",
      createdBy: "operator-bot",
    });
    expect(rule.name).toBeUndefined();
    const named = await createRule(ws, { ...p99, name: "Slow checkout" });
    expect((await listRules(ws)).map((r) => r.id)).toEqual([rule.id, named.id]);
    expect((await listRules(ws, "?metric=latency.p99")).map((r) => r.id)).toEqual([named.id]);

    const patched = await call(
      rulesPath(ws, `/${rule.id}`),
      jsonInit("PATCH", { value: 50, name: "Backlog" }, ws.operator),
    );
    expect(patched.status).toBe(200);
    const { rule: after } = (await patched.json()) as { rule: AlertRule };
    expect(after).toMatchObject({ id: rule.id, value: 50, name: "Backlog", comparator: "gte" });
    const unnamed = await call(
      rulesPath(ws, `/${rule.id}`),
      jsonInit("PATCH", { name: null }, ws.operator),
    );
    expect(((await unnamed.json()) as { rule: AlertRule }).rule.name).toBeUndefined();

    const deleted = await call(
      rulesPath(ws, `/${rule.id}`),
      bearer(ws.operator, { method: "DELETE" }),
    );
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ success: true });
    expect((await listRules(ws)).map((r) => r.id)).toEqual([named.id]);

    const audit = await call(`/w/${ws.id}/api/audit`, bearer(ws.admin));
    const { entries } = (await audit.json()) as {
      entries: {
        action: string;
        target: string;
        before: Record<string, unknown> | null;
        after: Record<string, unknown> | null;
      }[];
    };
    const mine = entries.filter((r) => r.target === rule.id).map((r) => r.action);
    expect(mine).toEqual([
      "alert-rule.delete",
      "alert-rule.update",
      "alert-rule.update",
      "alert-rule.create",
    ]);
    const update = entries.find((r) => r.target === rule.id && r.action === "alert-rule.update")!;
    expect(update.before).toMatchObject({ value: 50, name: "Backlog" });
    expect(update.after!.name).toBeUndefined();
    const removal = entries.find((r) => r.action === "alert-rule.delete")!;
    expect(removal.before).toMatchObject({ id: rule.id, metric: "queue.depth" });
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/w/{workspace}/api/alert-rules"]!)).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/w/{workspace}/api/alert-rules/{id}"]!)).toEqual([
      "patch",
      "delete",
    ]);
  });

  it("replays a POST with the same Idempotency-Key: one rule", async () => {
    const ws = await makeWorkspace("rul");
    const init = () => {
      const i = jsonInit("POST", p99, ws.operator);
      (i.headers as Headers).set("Idempotency-Key", "rule-once");
      return i;
    };
    const first = await call(rulesPath(ws), init());
    const second = await call(rulesPath(ws), init());
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual(await first.json());
    expect(await listRules(ws)).toHaveLength(1);
  });
});

describe("alert rules judge pushed samples", () => {
  it("raises one alert on a crossing, none on repeats, resolves back on the good side", async () => {
    const ws = await makeWorkspace("rul");
    const rule = await createRule(ws, p99);
    await push(ws, "latency.p99", 100);
    expect(await ruleAlerts(ws, rule.id)).toEqual([]);
    expect((await card(ws, "latency.p99"))?.status).toBe("healthy");

    await push(ws, "latency.p99", 300);
    await push(ws, "latency.p99", 400);
    const firing = await ruleAlerts(ws, rule.id);
    expect(firing).toHaveLength(1);
    expect(firing[0]).toMatchObject({
      status: "firing",
      severity: "critical",
      source: "threshold",
      title: "latency.p99 > 250 ms",
      fingerprint: `rule:${rule.id}`,
      count: 1,
      labels: {
        alertname: "latency.p99 > 250 ms",
        metric: "latency.p99",
        rule: rule.id,
        severity: "critical",
      },
    });
    expect((await card(ws, "latency.p99"))?.status).toBe("critical");

    await push(ws, "latency.p99", 250);
    const resolved = await ruleAlerts(ws, rule.id);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ id: firing[0]!.id, status: "resolved" });
    expect((await card(ws, "latency.p99"))?.status).toBe("healthy");

    await push(ws, "latency.p99", 900);
    const again = await ruleAlerts(ws, rule.id);
    expect(again.filter((a) => a.status === "firing")).toHaveLength(1);
    expect(again.find((a) => a.status === "firing")!.id).not.toBe(firing[0]!.id);
  });

  it("judges a batch by its newest sample and each rule on its own metric", async () => {
    const ws = await makeWorkspace("rul");
    const low = await createRule(ws, {
      metric: "queue.depth",
      comparator: "lt",
      value: 1,
      severity: "error",
      name: "Queue drained <b>",
    });
    const other = await createRule(ws, p99);
    const now = Date.now();
    const body = {
      samples: [
        { metric: "queue.depth", value: 0, timestamp: new Date(now - 60_000).toISOString() },
        { metric: "queue.depth", value: 5, timestamp: new Date(now - 30_000).toISOString() },
        { metric: "latency.p99", value: 10 },
      ],
    };
    await call(`/w/${ws.id}/api/metrics/samples`, jsonInit("POST", body, ws.operator));
    expect(await ruleAlerts(ws, low.id)).toEqual([]);
    expect(await ruleAlerts(ws, other.id)).toEqual([]);
    await push(ws, "queue.depth", 0, "jobs");
    const [alert] = await ruleAlerts(ws, low.id);
    expect(alert).toMatchObject({ title: "Queue drained <b>", severity: "error" });
    expect(alert!.message).toContain("queue.depth < 1 jobs");
    expect((await card(ws, "queue.depth"))?.status).toBe("critical");
  });

  it("respects silences: a matching crossing is stored suppressed", async () => {
    const ws = await makeWorkspace("rul");
    const rule = await createRule(ws, p99);
    const silence = await call(
      `/w/${ws.id}/api/silences`,
      jsonInit(
        "POST",
        {
          matchers: [{ name: "rule", op: "=", value: rule.id }],
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          comment: "load test",
        },
        ws.operator,
      ),
    );
    expect(silence.status).toBe(201);
    await push(ws, "latency.p99", 500);
    const [alert] = await ruleAlerts(ws, rule.id);
    expect(alert?.status).toBe("suppressed");
  });

  it("shows the worse of the threshold and the rule status on a card, live in the metrics frame", async () => {
    const ws = await makeWorkspace("rul");
    await push(ws, "cpu.web", 20, "%");
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await createRule(ws, { metric: "cpu.web", comparator: "gte", value: 10, severity: "warning" });
    const frame = await waitForFrame(sock, (f): f is ChangeFrame => f.type === "metrics");
    expect(frame.type === "metrics" && frame.payload.find((m) => m.id === "cpu.web")?.status).toBe(
      "warning",
    );
    // Over the cpu threshold (80 %): critical wins over the warning rule.
    await push(ws, "cpu.web", 95, "%");
    expect((await card(ws, "cpu.web"))?.status).toBe("critical");
    const alerts = await listAlerts(ws);
    expect(alerts.map((a) => a.fingerprint).sort()).toEqual(
      expect.arrayContaining(["threshold:cpu.web"]),
    );
    expect(alerts.filter((a) => a.status === "firing")).toHaveLength(2);
    // The snapshot (what a new page draws) agrees.
    const snapshot = await ws.stub.snapshot();
    expect(snapshot.metrics.find((m) => m.id === "cpu.web")?.status).toBe("critical");
  });
});

describe("alert rules are judged at once", () => {
  it("a new rule already broken alerts now; an edit updates the open alert; delete resolves it", async () => {
    const ws = await makeWorkspace("rul");
    await push(ws, "latency.p99", 300);
    const rule = await createRule(ws, { ...p99, severity: "warning" });
    const [raised] = await ruleAlerts(ws, rule.id);
    expect(raised).toMatchObject({ status: "firing", severity: "warning" });
    expect((await card(ws, "latency.p99"))?.status).toBe("warning");

    const edit = await call(
      rulesPath(ws, `/${rule.id}`),
      jsonInit("PATCH", { severity: "critical", name: "p99 too slow" }, ws.operator),
    );
    expect(edit.status).toBe(200);
    const [edited, ...rest] = await ruleAlerts(ws, rule.id);
    expect(rest).toEqual([]);
    expect(edited).toMatchObject({
      id: raised!.id,
      status: "firing",
      severity: "critical",
      title: "p99 too slow",
    });
    expect((await card(ws, "latency.p99"))?.status).toBe("critical");

    const del = await call(rulesPath(ws, `/${rule.id}`), bearer(ws.operator, { method: "DELETE" }));
    expect(del.status).toBe(200);
    const [closed] = await ruleAlerts(ws, rule.id);
    expect(closed).toMatchObject({ id: raised!.id, status: "resolved" });
    expect(closed!.message).toContain("was deleted");
    expect((await card(ws, "latency.p99"))?.status).toBe("healthy");
  });

  it("an edit that puts the value on the good side resolves; a rule on a metric without data waits", async () => {
    const ws = await makeWorkspace("rul");
    await push(ws, "latency.p99", 300);
    const rule = await createRule(ws, p99);
    expect(await ruleAlerts(ws, rule.id)).toHaveLength(1);
    await call(rulesPath(ws, `/${rule.id}`), jsonInit("PATCH", { value: 500 }, ws.operator));
    expect((await ruleAlerts(ws, rule.id))[0]?.status).toBe("resolved");
    const waiting = await createRule(ws, { ...p99, metric: "not.yet" });
    expect(await ruleAlerts(ws, waiting.id)).toEqual([]);
  });
});

describe("alert rules judge AWS-collected samples", () => {
  /** The AWS stand-in (test/peers/aws-standin.ts) with a key of this test's own. */
  async function connectAws(ws: TestWorkspace) {
    const endpoint = inject("awsEndpoint");
    const id = crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase();
    const key = { accessKeyId: `AKIA${id}`, secretAccessKey: crypto.randomUUID().repeat(2) };
    await fetch(`${endpoint}/__keys`, { method: "POST", body: JSON.stringify(key) });
    const res = await call(
      `/w/${ws.id}/api/integrations/aws`,
      jsonInit(
        "PUT",
        {
          enabled: true,
          accessKey: key.accessKeyId,
          secretKey: key.secretAccessKey,
          regions: ["eu-west-1"],
          endpoints: Object.fromEntries(
            ["ec2", "rds", "cloudwatch", "s3", "lambda"].map((s) => [s, endpoint]),
          ),
        },
        ws.admin,
      ),
    );
    expect(res.status).toBe(200);
    await runDurableObjectAlarm(ws.stub);
    await vi.waitFor(
      async () => {
        const status = await call(`/w/${ws.id}/api/status`, bearer(ws.viewer));
        const { sources } = (await status.json()) as { sources: SourceStatus[] };
        expect(sources.find((s) => s.id === "aws")?.status).toBe("live");
      },
      { timeout: 10_000, interval: 50 },
    );
  }

  it("a rule on a CloudWatch series fires on a collector run, once however many runs", async () => {
    const ws = await makeWorkspace("rul");
    // The stand-in's EC2 network-in sums to 4 MB per period.
    const metric = "network_in.ec2.eu-west-1";
    const rule = await createRule(ws, {
      metric,
      comparator: "gt",
      value: 3_000_000,
      severity: "error",
    });
    await connectAws(ws);
    const [alert, ...rest] = await ruleAlerts(ws, rule.id);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      status: "firing",
      severity: "error",
      title: `${metric} > 3000000 bytes`,
      integrationId: "aws",
    });
    expect((await card(ws, metric))?.status).toBe("critical");
    await call(`/w/${ws.id}/api/refresh`, bearer(ws.operator, { method: "POST" }));
    const again = await ruleAlerts(ws, rule.id);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: alert!.id, count: 1 });
  });
});

describe("alert rules: bad input", () => {
  const stored = async (ws: TestWorkspace) =>
    runInDurableObject(ws.stub, (_i, state) =>
      state.storage.sql.exec("SELECT * FROM alert_rules ORDER BY id").toArray(),
    );

  it("refuses each bad body with a 400 naming the field, and changes nothing stored", async () => {
    const ws = await makeWorkspace("rul");
    const rule = await createRule(ws, p99);
    const before = await stored(ws);
    const post = (body: string) =>
      call(rulesPath(ws), {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${ws.operator}` },
        body,
      });
    const patch = (body: string) =>
      call(rulesPath(ws, `/${rule.id}`), {
        method: "PATCH",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${ws.operator}` },
        body,
      });
    const invalidJson = await post("{not json");
    expect(invalidJson.status).toBe(400);
    expect(((await invalidJson.json()) as { code: string }).code).toMatch(/invalid_json/);
    const cases: Array<[object, string]> = [
      [{ ...p99, extra: 1 }, "json.extra"],
      [{ ...p99, value: "300" }, "json.value"],
      [{ ...p99, value: "NaN" }, "json.value"],
      [{ ...p99, value: "Infinity" }, "json.value"],
      [{ ...p99, value: 1e16 }, "json.value"],
      [{ ...p99, value: null }, "json.value"],
      [{ ...p99, comparator: "above" }, "json.comparator"],
      [{ ...p99, comparator: ">" }, "json.comparator"],
      [{ ...p99, severity: "fatal" }, "json.severity"],
      [{ ...p99, metric: "" }, "json.metric"],
      [{ ...p99, metric: "x".repeat(201) }, "json.metric"],
      [{ ...p99, metric: "../etc" }, "json.metric"],
      [{ ...p99, name: "" }, "json.name"],
      [{ ...p99, name: "n".repeat(121) }, "json.name"],
      [{ ...p99, name: "a\u0000b" }, "json.name"],
      [{ comparator: "gt", value: 1 }, "json.metric"],
    ];
    for (const [body, field] of cases) {
      const res = await post(JSON.stringify(body));
      const problem = await expectProblem(res, 400, "validation_failed");
      expect(
        (problem as unknown as { issues: { path: string }[] }).issues.map((i) => i.path),
        JSON.stringify(body),
      ).toContain(field);
    }
    for (const [body, field] of [
      [{}, "json"],
      [{ value: "NaN" }, "json.value"],
      [{ comparator: "between" }, "json.comparator"],
      [{ id: "other" }, "json.id"],
      [{ createdBy: "me" }, "json.createdBy"],
    ] as Array<[object, string]>) {
      const problem = await expectProblem(
        await patch(JSON.stringify(body)),
        400,
        "validation_failed",
      );
      expect(
        (problem as unknown as { issues: { path: string }[] }).issues.map((i) => i.path),
      ).toContain(field);
    }
    expect((await patch("[1")).status).toBe(400);
    await expectProblem(await post(JSON.stringify([p99])), 400, "invalid_json");
    // JSON has no Infinity, but a number literal too large for a double parses as one.
    await expectProblem(
      await post('{"metric":"m","comparator":"gt","value":1e999}'),
      400,
      "validation_failed",
    );
    expect(await stored(ws)).toEqual(before);
  });

  it("answers 404 for unknown ids and 400 for ids that could not be one", async () => {
    const ws = await makeWorkspace("rul");
    await createRule(ws, p99);
    const before = await stored(ws);
    await expectProblem(
      await call(rulesPath(ws, "/nope"), jsonInit("PATCH", { value: 1 }, ws.operator)),
      404,
      "not_found",
    );
    await expectProblem(
      await call(rulesPath(ws, "/nope"), bearer(ws.operator, { method: "DELETE" })),
      404,
      "not_found",
    );
    const traversal = await call(
      rulesPath(ws, "/..%2Fsettings"),
      bearer(ws.operator, { method: "DELETE" }),
    );
    expect([400, 404]).toContain(traversal.status);
    expect(await stored(ws)).toEqual(before);
  });

  it("refuses a rule over the cap of 200 with a 422 that says how to fix it", async () => {
    const ws = await makeWorkspace("rul");
    const principal = { tokenId: "seed", name: "seed", role: "operator" as const };
    for (let i = 0; i < MAX_ALERT_RULES; i++) {
      const made = await ws.stub.createAlertRule(principal, {
        metric: `m.${i}`,
        comparator: "gt",
        value: i,
        severity: "warning",
      });
      expect(made.ok).toBe(true);
    }
    const before = await stored(ws);
    const problem = await expectProblem(
      await call(rulesPath(ws), jsonInit("POST", p99, ws.operator)),
      422,
      "rule_limit",
    );
    expect(problem.detail).toContain("at most 200");
    expect(await stored(ws)).toEqual(before);
  });
});

describe("alert rules: access", () => {
  it("needs a token; viewers read but may not change rules", async () => {
    const ws = await makeWorkspace("rul");
    const rule = await createRule(ws, p99);
    const before = await listRules(ws);
    await expectProblem(await call(rulesPath(ws)), 401, "unauthenticated");
    await expectProblem(await call(rulesPath(ws), jsonInit("POST", p99)), 401, "unauthenticated");
    await expectProblem(
      await call(rulesPath(ws, `/${rule.id}`), jsonInit("PATCH", { value: 1 })),
      401,
      "unauthenticated",
    );
    await expectProblem(
      await call(rulesPath(ws, `/${rule.id}`), { method: "DELETE" }),
      401,
      "unauthenticated",
    );
    await expectProblem(
      await call(rulesPath(ws), jsonInit("POST", p99, ws.viewer)),
      403,
      "forbidden",
    );
    await expectProblem(
      await call(rulesPath(ws, `/${rule.id}`), jsonInit("PATCH", { value: 1 }, ws.viewer)),
      403,
      "forbidden",
    );
    await expectProblem(
      await call(rulesPath(ws, `/${rule.id}`), bearer(ws.viewer, { method: "DELETE" })),
      403,
      "forbidden",
    );
    expect(await listRules(ws)).toEqual(before);
    const other = await makeWorkspace("rul");
    expect((await call(rulesPath(ws), bearer(other.viewer))).status).toBe(404);
  });
});
