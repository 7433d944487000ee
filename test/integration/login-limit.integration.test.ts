import { env } from "cloudflare:workers";
import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  LOGIN_PER_CLIENT,
  LOGIN_PER_WORKSPACE,
} from "../../durable-objects/capabilities/login-guard";
import type { Workspace } from "../../durable-objects/workspace";
import { LOGIN_PER_CLIENT_EDGE } from "../../worker/lib/login-limit";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

/**
 * Sign-in is reachable without a credential: a flood from one address is refused with 429 and
 * Retry-After once the allowance is used, before any token is judged; other addresses and
 * bearer callers of the same workspace are unaffected; a failure writes no row of its own
 * (aggregated counters only); the counts show in /metrics.
 */

function login(ws: string, token: string, ip: string): Promise<Response> {
  const init = jsonInit("POST", { token });
  return call(`/w/${ws}/api/session`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), "CF-Connecting-IP": ip },
  });
}

type Rows = { audit: number; sessions: number; counters: number };

/** Row counts of the tables a sign-in could write, read from the object's own storage. */
function rows(ws: TestWorkspace): Promise<Rows> {
  return runInDurableObject<Workspace, Rows>(ws.stub, (_instance, state) => {
    const count = (table: string) =>
      state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
    return { audit: count("audit"), sessions: count("sessions"), counters: count("counters") };
  });
}

async function metrics(ws: TestWorkspace): Promise<string> {
  const res = await call(`/w/${ws.id}/metrics`, bearer(ws.viewer));
  expect(res.status).toBe(200);
  return res.text();
}

describe("sign-in rate limit", () => {
  it("refuses a flood from one address with 429 after the limit; others are unaffected", async () => {
    const ws = await makeWorkspace("login");
    const attacker = "198.51.100.7";
    const before = await rows(ws);

    for (let i = 0; i < LOGIN_PER_CLIENT.burst; i++) {
      const res = await login(ws.id, `odk.${ws.id}.guess${i}`, attacker);
      await expectProblem(res, 401, "invalid_token");
    }
    const limited = await login(ws.id, `odk.${ws.id}.guess-more`, attacker);
    expect(limited.headers.get("Retry-After")).toMatch(/^[1-9]\d*$/);
    await expectProblem(limited, 429, "rate_limited");
    // The limit comes before the credential: even the right token waits now.
    await expectProblem(await login(ws.id, ws.viewer, attacker), 429, "rate_limited");

    // Another address signs in; a bearer caller of the same workspace reads and writes.
    const other = await login(ws.id, ws.viewer, "198.51.100.8");
    expect(other.status).toBe(200);
    expect(other.headers.get("Set-Cookie")).toContain("opsdeck_session=");
    expect((await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).status).toBe(200);
    const push = await call(
      `/w/${ws.id}/api/metrics/samples`,
      jsonInit("POST", { samples: [{ metric: "queue-depth", value: 3 }] }, ws.operator),
    );
    expect(push.status).toBe(202);

    // Nothing per failed attempt: one session and its audit row for the one success, and the
    // two aggregated counter rows (all-time and this minute; a third if a minute turned over).
    const after = await rows(ws);
    expect(after.sessions - before.sessions).toBe(1);
    expect(after.audit - before.audit).toBe(1);
    expect(after.counters - before.counters).toBeGreaterThanOrEqual(2);
    expect(after.counters - before.counters).toBeLessThanOrEqual(3);

    const text = await metrics(ws);
    expect(text).toContain(`opsdeck_login_failures_total ${LOGIN_PER_CLIENT.burst}`);
    expect(text).toContain(`opsdeck_login_failures_last_hour ${LOGIN_PER_CLIENT.burst}`);
    expect(text).toContain('opsdeck_login_rate_limited_total{scope="client"} 2');
    expect(text).toContain('opsdeck_login_rate_limited_total{scope="workspace"} 0');
  });

  it("does not count successful sign-ins against the allowance", async () => {
    const ws = await makeWorkspace("login");
    for (let i = 0; i < LOGIN_PER_CLIENT.burst + 5; i++)
      expect((await login(ws.id, ws.viewer, "198.51.100.20")).status).toBe(200);
  });

  it("bounds a flood spread over many addresses per workspace", async () => {
    const ws = await makeWorkspace("login");
    const statuses: number[] = [];
    const addresses = Math.ceil(LOGIN_PER_WORKSPACE.burst / LOGIN_PER_CLIENT.burst) + 1;
    const started = Date.now();
    for (let a = 0; a < addresses; a++)
      for (let i = 0; i < LOGIN_PER_CLIENT.burst; i++)
        statuses.push((await login(ws.id, `odk.${ws.id}.g${a}x${i}`, `192.0.2.${a + 1}`)).status);
    // The burst, plus what the allowance refilled meanwhile (each 401 waits out the refusal
    // floor, worker/middleware/refusal-floor.ts, so the loop takes a second or two).
    // Two more for the clocks: the object's and this test's advance only on I/O, so under load
    // the object can see a little more time pass than the loop measured (63 of 60 + 1 seen).
    const refilled = Math.ceil(((Date.now() - started) / 1000) * LOGIN_PER_WORKSPACE.perSecond) + 2;
    const failures = statuses.filter((s) => s === 401).length;
    expect(failures).toBeGreaterThanOrEqual(LOGIN_PER_WORKSPACE.burst);
    expect(failures).toBeLessThanOrEqual(LOGIN_PER_WORKSPACE.burst + refilled);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    // Bearer callers never go through sign-in, so the workspace keeps working for them.
    expect((await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).status).toBe(200);
    expect(await metrics(ws)).toMatch(
      /opsdeck_login_rate_limited_total\{scope="workspace"\} [1-9]/,
    );
  });

  it("stops one address at the edge before any object, across workspaces", async () => {
    const ids = async () => (await listDurableObjectIds(env.WORKSPACE)).length;
    const before = await ids();
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_PER_CLIENT_EDGE.burst + 3; i++) {
      const slug = `spray-${i % 3}-nowhere`;
      statuses.push((await login(slug, `odk.${slug}.x${i}`, "203.0.113.50")).status);
    }
    expect(statuses.slice(0, LOGIN_PER_CLIENT_EDGE.burst).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(LOGIN_PER_CLIENT_EDGE.burst)).toEqual([429, 429, 429]);
    expect(await ids()).toBe(before);
  });

  it("limits the sign-in form the same way, and refuses an oversized form unread", async () => {
    const ws = await makeWorkspace("login");
    const form = (token: string, ip: string) =>
      call(`/w/${ws.id}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "CF-Connecting-IP": ip },
        body: new URLSearchParams({ token }),
      });
    for (let i = 0; i < LOGIN_PER_CLIENT.burst; i++)
      expect((await form(`odk.${ws.id}.nope${i}`, "198.51.100.30")).status).toBe(401);
    const limited = await form(ws.viewer, "198.51.100.30");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await limited.text()).toContain("Too many sign-in attempts");
    expect((await form(ws.viewer, "198.51.100.31")).status).toBe(303);

    const huge = await call(`/w/${ws.id}/login`, {
      method: "POST",
      headers: { "CF-Connecting-IP": "198.51.100.32" },
      body: new URLSearchParams({ token: "x".repeat(64 * 1024) }),
    });
    await expectProblem(huge, 413, "payload_too_large");
  });

  it("answers bad sign-in bodies with 400 and no failure counted", async () => {
    const ws = await makeWorkspace("login");
    const init = jsonInit("POST", { token: "" });
    await expectProblem(await call(`/w/${ws.id}/api/session`, init), 400, "validation_failed");
    const extra = jsonInit("POST", { token: ws.viewer, admin: true });
    await expectProblem(await call(`/w/${ws.id}/api/session`, extra), 400, "validation_failed");
    expect((await rows(ws)).counters).toBe(0);
  });

  it("keeps the counters out of reach of callers without a credential", async () => {
    const ws = await makeWorkspace("login");
    await expectProblem(await call(`/w/${ws.id}/metrics`), 401, "unauthenticated");
  });
});
