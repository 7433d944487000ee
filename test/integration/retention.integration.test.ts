import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  RETENTION_BACKLOG_MS,
  RETENTION_EVERY_MS,
  RETENTION_TASK,
} from "../../durable-objects/capabilities/retention";
import { MAX_SESSIONS_PER_TOKEN, MAX_TICKETS_PER_TOKEN } from "../../durable-objects/store/access";
import { RETENTION_BATCH } from "../../durable-objects/store/retention";
import type { AuditEntry, Settings } from "../../schema";
import { listAlerts, makeIntegration, postJson } from "../helpers/alerting";
import { makeAlert, makeDeployment } from "../helpers/seed";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

const DAY_MS = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

/** Makes the retention task due now and fires the object's alarm, as the runtime would. */
async function runRetention(ws: TestWorkspace): Promise<number | undefined> {
  await runInDurableObject(ws.stub, async (_i, state) => {
    state.storage.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      `alarm:${RETENTION_TASK}`,
      String(Date.now() - 1),
    );
    await state.storage.setAlarm(Date.now());
  });
  expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
  return runInDurableObject(ws.stub, (_i, state) => {
    const row = state.storage.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", `alarm:${RETENTION_TASK}`)
      .toArray()[0];
    return row ? Number(row.value) - Date.now() : undefined;
  });
}

const count = (ws: TestWorkspace, sql: string) =>
  runInDurableObject(ws.stub, (_i, state) => state.storage.sql.exec<{ n: number }>(sql).one().n);

/** `n` audit rows written `days` ago (seeded: a real month of history would take a month). */
const seedAudit = (ws: TestWorkspace, n: number, days: number) =>
  runInDurableObject(ws.stub, (_i, state) => {
    for (let i = 0; i < n; i++)
      state.storage.sql.exec(
        "INSERT INTO audit (ts, actor, action, target, before, after) VALUES (?, 'old', 'old.action', ?, NULL, ?)",
        daysAgo(days),
        `t${i}`,
        JSON.stringify({ i }),
      );
  });

async function auditActions(ws: TestWorkspace): Promise<string[]> {
  const res = await call(`/w/${ws.id}/api/audit?limit=500`, bearer(ws.admin));
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: AuditEntry[] }).entries.map((e) => e.action);
}

describe("retention: the alarm prunes old history in bounded batches", () => {
  it("removes audit entries past 90 days, one batch per turn, and keeps recent ones", async () => {
    const ws = await makeWorkspace("ret-audit");
    const old = RETENTION_BATCH * 2 + 100;
    await seedAudit(ws, old, 120);
    await seedAudit(ws, 3, 80);
    const recent = await count(ws, "SELECT COUNT(*) AS n FROM audit WHERE actor != 'old'");
    expect(recent).toBeGreaterThan(0);

    // First turn: exactly one batch goes, and the next turn is armed within seconds.
    let next = await runRetention(ws);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM audit WHERE actor = 'old'")).toBe(
      old + 3 - RETENTION_BATCH,
    );
    expect(next).toBeLessThanOrEqual(RETENTION_BACKLOG_MS);
    // Other callers are served between turns.
    expect((await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).status).toBe(200);
    next = await runRetention(ws);
    expect(next).toBeLessThanOrEqual(RETENTION_BACKLOG_MS);
    next = await runRetention(ws);
    // Backlog gone: back to the hourly turn.
    expect(next).toBeGreaterThan(RETENTION_EVERY_MS - 60_000);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM audit WHERE actor = 'old'")).toBe(3);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM audit WHERE actor != 'old'")).toBe(recent);
    expect(await auditActions(ws)).toContain("workspace.create");
    // Idempotent: another turn removes nothing more.
    await runRetention(ws);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM audit WHERE actor = 'old'")).toBe(3);
  });

  it("follows the workspace's own audit retention (admin-only setting)", async () => {
    const ws = await makeWorkspace("ret-audit-set");
    await seedAudit(ws, 5, 120);
    await seedAudit(ws, 5, 400);
    const put = await call(
      `/w/${ws.id}/api/settings`,
      jsonInit("PUT", { retention: { auditDays: 365 } }, ws.admin),
    );
    expect(put.status).toBe(200);
    const { settings } = (await put.json()) as { settings: Settings };
    expect(settings.retention).toEqual({ auditDays: 365 });
    await runRetention(ws);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM audit WHERE actor = 'old'")).toBe(5);
    expect(await auditActions(ws)).toContain("settings.update");
  });

  it("refuses a bad audit retention with the field named, and anyone but an admin", async () => {
    const ws = await makeWorkspace("ret-audit-bad");
    const path = `/w/${ws.id}/api/settings`;
    for (const auditDays of [7, 29, 3651, 90.5, "90", null, -1]) {
      const problem = (await expectProblem(
        await call(path, jsonInit("PUT", { retention: { auditDays } }, ws.admin)),
        400,
        "validation_failed",
      )) as { issues?: Array<{ path: string }> };
      expect(problem.issues?.[0]?.path).toBe("json.retention.auditDays");
    }
    await expectProblem(
      await call(path, jsonInit("PUT", { retention: { auditDays: 90, forever: true } }, ws.admin)),
      400,
      "validation_failed",
    );
    for (const token of [ws.viewer, ws.operator])
      await expectProblem(
        await call(path, jsonInit("PUT", { retention: { auditDays: 30 } }, token)),
        403,
        "forbidden",
      );
    const view = await call(path, bearer(ws.viewer));
    expect(((await view.json()) as { settings: Settings }).settings.retention).toEqual({
      auditDays: 90,
    });
  });

  it("bounds sessions per token against a sign-in loop, and prunes expired ones", async () => {
    const ws = await makeWorkspace("ret-sessions");
    const logins = MAX_SESSIONS_PER_TOKEN + 5;
    let cookie = "";
    for (let i = 0; i < logins; i++) {
      const res = await call(`/w/${ws.id}/api/session`, jsonInit("POST", { token: ws.viewer }));
      expect(res.status).toBe(200);
      cookie = res.headers.get("Set-Cookie")!.split(";")[0]!;
    }
    expect(await count(ws, "SELECT COUNT(*) AS n FROM sessions")).toBe(MAX_SESSIONS_PER_TOKEN);
    // The newest session works; the operator's own sign-in is unaffected by the viewer's loop.
    const me = await call(`/w/${ws.id}/api/status`, { headers: { Cookie: cookie } });
    expect(me.status).toBe(200);
    const op = await call(`/w/${ws.id}/api/session`, jsonInit("POST", { token: ws.operator }));
    expect(op.status).toBe(200);

    await runInDurableObject(ws.stub, (_i, state) => {
      for (let i = 0; i < RETENTION_BATCH + 50; i++) {
        state.storage.sql.exec(
          "INSERT INTO sessions (hash, token_id, expires_at) VALUES (?, 'gone', ?)",
          `s${i}`,
          Date.now() - 1000,
        );
        state.storage.sql.exec(
          "INSERT INTO tickets (hash, token_id, expires_at) VALUES (?, 'gone', ?)",
          `t${i}`,
          Date.now() - 1000,
        );
      }
    });
    await runRetention(ws);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM sessions WHERE token_id = 'gone'")).toBe(50);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM tickets WHERE token_id = 'gone'")).toBe(50);
    await runRetention(ws);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM sessions WHERE token_id = 'gone'")).toBe(0);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM tickets WHERE token_id = 'gone'")).toBe(0);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM sessions")).toBe(MAX_SESSIONS_PER_TOKEN + 1);
    expect((await call(`/w/${ws.id}/api/status`, { headers: { Cookie: cookie } })).status).toBe(
      200,
    );
  });

  it("bounds unused socket tickets per token", async () => {
    const ws = await makeWorkspace("ret-tickets");
    for (let i = 0; i < MAX_TICKETS_PER_TOKEN + 10; i++) {
      const res = await call(`/w/${ws.id}/api/ws-ticket`, bearer(ws.viewer, { method: "POST" }));
      expect(res.status).toBe(200);
    }
    expect(await count(ws, "SELECT COUNT(*) AS n FROM tickets")).toBe(MAX_TICKETS_PER_TOKEN);
  });

  it("removes expired idempotency keys in batches; live keys still replay", async () => {
    const ws = await makeWorkspace("ret-idem");
    await runInDurableObject(ws.stub, (_i, state) => {
      for (let i = 0; i < RETENTION_BATCH + 30; i++)
        state.storage.sql.exec(
          `INSERT INTO idempotency (token_id, key, fingerprint, claim_id, state, status, expires_at)
           VALUES ('old', ?, 'fp', 'c', 'done', 201, ?)`,
          `k${i}`,
          Date.now() - 1000,
        );
    });
    const key = crypto.randomUUID();
    const keyed = () => {
      const init = jsonInit("POST", { name: "ci", role: "viewer" }, ws.admin);
      const headers = new Headers(init.headers);
      headers.set("Idempotency-Key", key);
      return call(`/w/${ws.id}/api/tokens`, { ...init, headers });
    };
    const first = await keyed();
    expect(first.status).toBe(201);
    const n = "SELECT COUNT(*) AS n FROM idempotency WHERE token_id = 'old'";
    const afterClaim = await count(ws, n);
    // A claim removes only a few expired rows: it never pays for the whole backlog.
    expect(afterClaim).toBeGreaterThan(RETENTION_BATCH);
    await runRetention(ws);
    expect(await count(ws, n)).toBe(afterClaim - RETENTION_BATCH);
    await runRetention(ws);
    expect(await count(ws, n)).toBe(0);
    const again = await keyed();
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
  });
});

describe("retention: PagerDuty triggers without a dedup_key", () => {
  async function setup() {
    const ws = await makeWorkspace("ret-pd");
    const pd = await makeIntegration(ws, "pagerduty");
    const trigger = (summary: string, dedup?: string) =>
      postJson("/v2/enqueue", {
        routing_key: pd.credential,
        event_action: "trigger",
        ...(dedup ? { dedup_key: dedup } : {}),
        payload: { summary, source: "flood", severity: "warning" },
      });
    return { ws, pd, trigger };
  }

  const unkeyed = (ws: TestWorkspace) =>
    count(
      ws,
      "SELECT COUNT(*) AS n FROM records WHERE kind = 'pagerduty-open' AND json_extract(data, '$.generated') = 1",
    );

  it("marks them, and removes those not seen for 7 days; keyed alerts stay", async () => {
    const { ws, trigger } = await setup();
    for (let i = 0; i < 5; i++) expect((await trigger(`flood ${i}`)).status).toBe(202);
    expect((await trigger("keyed", "db-down")).status).toBe(202);
    expect(await unkeyed(ws)).toBe(5);
    expect(await listAlerts(ws)).toHaveLength(6);
    // Age three of the unkeyed alerts and the keyed one past the limit.
    await runInDurableObject(ws.stub, (_i, state) => {
      const old = daysAgo(8);
      state.storage.sql.exec(
        `UPDATE records SET sort_key = ?, data = json_set(data, '$.lastSeen', ?)
         WHERE kind = 'alert' AND (json_extract(data, '$.title') IN ('flood 0', 'flood 1', 'flood 2', 'keyed'))`,
        old,
        old,
      );
    });
    await runRetention(ws);
    expect(await unkeyed(ws)).toBe(2);
    const titles = (await listAlerts(ws)).map((a) => a.title).sort();
    expect(titles).toEqual(["flood 3", "flood 4", "keyed"]);
    // The keyed alert's own dedup still works after the prune.
    expect((await trigger("keyed", "db-down")).status).toBe(202);
    const keyed = (await listAlerts(ws)).find((a) => a.title === "keyed");
    expect(keyed?.count).toBe(2);
  });

  it("keeps at most 1,000 of them, newest first, a batch per turn", async () => {
    const { ws, pd, trigger } = await setup();
    expect((await trigger("newest")).status).toBe(202);
    const seeded = 1000 + RETENTION_BATCH + 20;
    await runInDurableObject(ws.stub, (_i, state) => {
      for (let i = 0; i < seeded; i++) {
        const seen = new Date(Date.now() - (seeded - i) * 1000).toISOString();
        const alertId = `pd.seed${i}`;
        state.storage.sql.exec(
          "INSERT INTO records (kind, id, data, sort_key) VALUES ('pagerduty-open', ?, ?, ?)",
          `${pd.integration.id}.seed${i}`,
          JSON.stringify({
            id: `${pd.integration.id}.seed${i}`,
            dedupKey: `g${i}`,
            alertId,
            generated: true,
          }),
          `${pd.integration.id}.seed${i}`,
        );
        state.storage.sql.exec(
          "INSERT INTO records (kind, id, data, sort_key) VALUES ('alert', ?, ?, ?)",
          alertId,
          JSON.stringify(makeAlert({ id: alertId, title: `seed ${i}`, lastSeen: seen })),
          seen,
        );
      }
    });
    expect(await unkeyed(ws)).toBe(seeded + 1);
    let next = await runRetention(ws);
    expect(await unkeyed(ws)).toBe(seeded + 1 - RETENTION_BATCH);
    expect(next).toBeLessThanOrEqual(RETENTION_BACKLOG_MS);
    next = await runRetention(ws);
    expect(await unkeyed(ws)).toBe(1000);
    expect(next).toBeGreaterThan(RETENTION_EVERY_MS - 60_000);
    // The newest (the real trigger) survived; its alert too, and no orphan alert is left.
    expect((await listAlerts(ws)).some((a) => a.title === "newest")).toBe(true);
    expect(
      await count(
        ws,
        "SELECT COUNT(*) AS n FROM records WHERE kind = 'alert' AND id LIKE 'pd.seed%'",
      ),
    ).toBe(999);
  });
});

describe("retention: hard caps on what senders and collectors add", () => {
  it("keeps the newest 5,000 deployments, a batch per turn; the board is unaffected", async () => {
    const ws = await makeWorkspace("ret-deploys");
    const seeded = 5000 + RETENTION_BATCH + 20;
    await runInDurableObject(ws.stub, (_i, state) => {
      for (let i = 0; i < seeded; i++) {
        const at = new Date(Date.now() - (seeded - i) * 60_000).toISOString();
        const d = makeDeployment({ id: `dep-${i}`, timestamp: at });
        state.storage.sql.exec(
          "INSERT INTO records (kind, id, data, sort_key) VALUES ('deployment', ?, ?, ?)",
          d.id,
          JSON.stringify(d),
          at,
        );
      }
    });
    const n = "SELECT COUNT(*) AS n FROM records WHERE kind = 'deployment'";
    await runRetention(ws);
    expect(await count(ws, n)).toBe(seeded - RETENTION_BATCH);
    await runRetention(ws);
    expect(await count(ws, n)).toBe(5000);
    const oldest = await count(
      ws,
      "SELECT COUNT(*) AS n FROM records WHERE kind = 'deployment' AND id IN ('dep-0', 'dep-519')",
    );
    expect(oldest).toBe(0);
    const board = await call(`/w/${ws.id}/api/deployments`, bearer(ws.viewer));
    expect(board.status).toBe(200);
    const { deployments } = (await board.json()) as { deployments: Array<{ id: string }> };
    expect(deployments[0]?.id).toBe(`dep-${seeded - 1}`);
  });

  it("drops the PagerDuty index row of an alert resolved on the dashboard", async () => {
    const ws = await makeWorkspace("ret-pd-orphan");
    const pd = await makeIntegration(ws, "pagerduty");
    const trigger = () =>
      postJson("/v2/enqueue", {
        routing_key: pd.credential,
        event_action: "trigger",
        dedup_key: "disk-full",
        payload: { summary: "disk full", source: "db", severity: "error" },
      });
    expect((await trigger()).status).toBe(202);
    const [alert] = await listAlerts(ws);
    const resolved = await call(
      `/w/${ws.id}/api/alerts/${alert!.id}/resolve`,
      jsonInit("POST", {}, ws.operator),
    );
    expect(resolved.status).toBe(200);
    const index = "SELECT COUNT(*) AS n FROM records WHERE kind = 'pagerduty-open'";
    expect(await count(ws, index)).toBe(1);
    await runRetention(ws);
    expect(await count(ws, index)).toBe(0);
    // The same key then opens a new alert, as it did before.
    expect((await trigger()).status).toBe(202);
    const open = (await listAlerts(ws)).filter((a) => a.status === "firing");
    expect(open).toHaveLength(1);
    expect(open[0]!.id).not.toBe(alert!.id);
  });
});

describe("/metrics: rows and bytes per table", () => {
  it("reports each table's rows and bytes, and records per kind, to a viewer", async () => {
    const ws = await makeWorkspace("ret-metrics");
    await seedAudit(ws, 10, 1);
    const res = await call(`/w/${ws.id}/metrics`, bearer(ws.viewer));
    expect(res.status).toBe(200);
    const text = await res.text();
    const sample = (name: string, label: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${name}{${label}}`));
      return line === undefined ? undefined : Number(line.split(" ").pop());
    };
    const auditRows = await count(ws, "SELECT COUNT(*) AS n FROM audit");
    expect(sample("opsdeck_table_rows", 'table="audit"')).toBe(auditRows);
    expect(sample("opsdeck_table_bytes", 'table="audit"')).toBeGreaterThan(10 * 20);
    expect(sample("opsdeck_table_rows", 'table="tokens"')).toBe(3);
    for (const table of ["sessions", "tickets", "idempotency", "records", "events"])
      expect(sample("opsdeck_table_rows", `table="${table}"`)).toBeGreaterThanOrEqual(0);
    expect(text).toContain("# TYPE opsdeck_records_rows gauge");
    expect(text).not.toContain('table="sqlite_sequence"');
    expect(text).not.toContain('table="_cf_');
    await expectProblem(await call(`/w/${ws.id}/metrics`), 401, "unauthenticated");
  });
});
