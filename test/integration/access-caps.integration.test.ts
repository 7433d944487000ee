import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  RETENTION_BACKLOG_MS,
  RETENTION_EVERY_MS,
  RETENTION_TASK,
} from "../../durable-objects/capabilities/retention";
import { RETENTION_BATCH } from "../../durable-objects/store/retention";
import {
  ACTIVE_TOKENS_MAX,
  EMPTY_STATS,
  REVOKED_TOKEN_DAYS,
  WEBHOOK_INTEGRATIONS_MAX,
  type AuditEntry,
  type IssuedToken,
} from "../../schema";
import { amAlert, amGroup, makeIntegration, postJson } from "../helpers/alerting";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

beforeAll(async () => {
  await makeWorkspace("warm");
}, 30_000);

const DAY_MS = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

const count = (ws: TestWorkspace, sql: string) =>
  runInDurableObject(ws.stub, (_i, state) => state.storage.sql.exec<{ n: number }>(sql).one().n);

/** `n` tokens straight into storage (minting 500 through the API would hit its rate limit). */
const seedTokens = (ws: TestWorkspace, n: number, revokedAt: string | null, tag = "seeded") =>
  runInDurableObject(ws.stub, (_i, state) => {
    for (let i = 0; i < n; i++)
      state.storage.sql.exec(
        `INSERT INTO tokens (id, name, role, hash, created_at, created_by, revoked_at)
         VALUES (?, ?, 'viewer', ?, ?, 'test', ?)`,
        crypto.randomUUID(),
        `${tag}-${i}`,
        crypto.randomUUID(),
        daysAgo(200),
        revokedAt,
      );
  });

const mint = (ws: TestWorkspace, body: unknown, token = ws.admin) =>
  call(`/w/${ws.id}/api/tokens`, jsonInit("POST", body, token));

describe("token cap", () => {
  it("mints up to the cap of active tokens, then 409 limit_reached; revoking makes room", async () => {
    const ws = await makeWorkspace("cap-tokens");
    const active = await count(ws, "SELECT COUNT(*) AS n FROM tokens WHERE revoked_at IS NULL");
    await seedTokens(ws, ACTIVE_TOKENS_MAX - active - 1, null);
    // Revoked tokens do not count.
    await seedTokens(ws, 20, daysAgo(1), "revoked");
    const last = await mint(ws, { name: "last", role: "viewer" });
    expect(last.status).toBe(201);
    const { token } = (await last.json()) as { token: IssuedToken };

    const refused = await expectProblem(
      await mint(ws, { name: "one-too-many", role: "viewer" }),
      409,
      "limit_reached",
    );
    expect(refused.detail).toContain(`${ACTIVE_TOKENS_MAX}`);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM tokens WHERE revoked_at IS NULL")).toBe(
      ACTIVE_TOKENS_MAX,
    );
    // Every existing token keeps working, the newest included.
    for (const t of [ws.viewer, ws.operator, token.token])
      expect((await call(`/w/${ws.id}/api/alerts`, bearer(t))).status).toBe(200);

    const revoke = await call(
      `/w/${ws.id}/api/tokens/${token.id}`,
      bearer(ws.admin, { method: "DELETE" }),
    );
    expect(revoke.status).toBe(200);
    expect((await mint(ws, { name: "after-revoke", role: "operator" })).status).toBe(201);
  });

  it("is admin only, and bad input is a 400 naming the field", async () => {
    const ws = await makeWorkspace("cap-tokens-roles");
    await expectProblem(await mint(ws, { name: "x", role: "viewer" }, ws.viewer), 403, "forbidden");
    await expectProblem(
      await mint(ws, { name: "x", role: "viewer" }, ws.operator),
      403,
      "forbidden",
    );
    const bad = await expectProblem(
      await mint(ws, { name: "x", role: "owner" }),
      400,
      "validation_failed",
    );
    expect(bad.detail).toContain("json.role");
  });
});

/** `n` integrations straight into storage, as the API would store an Alertmanager one. */
const seedIntegrations = (ws: TestWorkspace, n: number) =>
  runInDurableObject(ws.stub, (_i, state) => {
    for (let i = 0; i < n; i++)
      state.storage.sql.exec(
        `INSERT INTO webhook_integrations (id, kind, name, secret_hash, created_at, created_by, stats)
         VALUES (?, 'alertmanager', ?, ?, ?, 'test', ?)`,
        crypto.randomUUID(),
        `seeded-${i}`,
        crypto.randomUUID(),
        new Date().toISOString(),
        JSON.stringify(EMPTY_STATS),
      );
  });

const createIntegration = (ws: TestWorkspace, body: unknown, token = ws.admin) =>
  call(`/w/${ws.id}/api/integrations/webhooks`, jsonInit("POST", body, token));

describe("webhook integration cap", () => {
  it("creates up to the cap, then 409 limit_reached; existing ones keep receiving; deleting makes room", async () => {
    const ws = await makeWorkspace("cap-hooks");
    const am = await makeIntegration(ws, "alertmanager");
    await seedIntegrations(ws, WEBHOOK_INTEGRATIONS_MAX - 1);
    const refused = await expectProblem(
      await createIntegration(ws, { kind: "pagerduty", name: "one-too-many" }),
      409,
      "limit_reached",
    );
    expect(refused.detail).toContain(`${WEBHOOK_INTEGRATIONS_MAX}`);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM webhook_integrations")).toBe(
      WEBHOOK_INTEGRATIONS_MAX,
    );
    const delivered = await postJson(`/w/${ws.id}/hooks/alertmanager`, amGroup([amAlert("k")]), {
      Authorization: `Bearer ${am.credential}`,
    });
    expect(delivered.status).toBe(200);

    const removed = await call(
      `/w/${ws.id}/api/integrations/webhooks/${am.integration.id}`,
      bearer(ws.admin, { method: "DELETE" }),
    );
    expect(removed.status).toBe(200);
    expect((await createIntegration(ws, { kind: "pagerduty", name: "room" })).status).toBe(201);
  });

  it("is admin only, and bad input is a 400", async () => {
    const ws = await makeWorkspace("cap-hooks-roles");
    const body = { kind: "pagerduty", name: "pd" };
    await expectProblem(await createIntegration(ws, body, ws.viewer), 403, "forbidden");
    await expectProblem(await createIntegration(ws, body, ws.operator), 403, "forbidden");
    await expectProblem(
      await createIntegration(ws, { kind: "smtp", name: "x" }),
      400,
      "validation_failed",
    );
  });
});

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

describe("revoked-token retention", () => {
  it("removes tokens revoked long ago in batches, keeps recent ones, and the audit still names them", async () => {
    const ws = await makeWorkspace("ret-tokens");
    // A real token, minted and revoked through the API, then aged past the window.
    const minted = await mint(ws, { name: "departed-bot", role: "operator" });
    const { token } = (await minted.json()) as { token: IssuedToken };
    const revoked = await call(
      `/w/${ws.id}/api/tokens/${token.id}`,
      bearer(ws.admin, { method: "DELETE" }),
    );
    expect(revoked.status).toBe(200);
    const old = REVOKED_TOKEN_DAYS + 10;
    await runInDurableObject(ws.stub, (_i, state) => {
      state.storage.sql.exec(
        "UPDATE tokens SET revoked_at = ? WHERE id = ?",
        daysAgo(old),
        token.id,
      );
    });
    const backlog = RETENTION_BATCH + 50;
    await seedTokens(ws, backlog - 1, daysAgo(old), "old");
    await seedTokens(ws, 5, daysAgo(REVOKED_TOKEN_DAYS - 10), "recent");
    const revokedRows = "SELECT COUNT(*) AS n FROM tokens WHERE revoked_at IS NOT NULL";
    const active = await count(ws, "SELECT COUNT(*) AS n FROM tokens WHERE revoked_at IS NULL");

    // One batch per turn; a full batch arms the next turn within seconds.
    expect(await runRetention(ws)).toBeLessThanOrEqual(RETENTION_BACKLOG_MS);
    expect(await count(ws, revokedRows)).toBe(backlog + 5 - RETENTION_BATCH);
    expect(await runRetention(ws)).toBeGreaterThan(RETENTION_BACKLOG_MS);
    expect(await count(ws, revokedRows)).toBe(5);
    // Idempotent: another turn finds nothing more, and the next one is an hour away.
    const next = await runRetention(ws);
    expect(next).toBeGreaterThan(RETENTION_EVERY_MS - 60_000);
    expect(await count(ws, revokedRows)).toBe(5);
    expect(await count(ws, "SELECT COUNT(*) AS n FROM tokens WHERE revoked_at IS NULL")).toBe(
      active,
    );

    // The pruned token is still refused; the live ones still work.
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts`, bearer(token.token)),
      401,
      "unauthenticated",
    );
    expect((await call(`/w/${ws.id}/api/alerts`, bearer(ws.viewer))).status).toBe(200);
    const audit = await call(`/w/${ws.id}/api/audit?limit=50`, bearer(ws.admin));
    const entries = ((await audit.json()) as { entries: AuditEntry[] }).entries;
    const created = entries.find((e) => e.action === "token.create" && e.target === token.id);
    expect(created?.after).toMatchObject({ name: "departed-bot", role: "operator" });
    expect(entries.some((e) => e.action === "token.revoke" && e.target === token.id)).toBe(true);
  });
});
