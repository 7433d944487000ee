import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SecretBox } from "../../durable-objects/store/secret-box";
import { SsoFlowStore, pruneSsoFlows } from "../../durable-objects/store/sso-flows";
import { MAX_PENDING_SSO_FLOWS, SSO_FLOW_TTL_MS, type SsoFlowState } from "../../schema/sso";
import { call, expectProblem, makeWorkspace, type TestWorkspace } from "../helpers/workspace";

const token = (c: string) => c.repeat(43);
const flow = (state: string, createdAt: number): SsoFlowState => ({
  state,
  nonce: token("n"),
  codeVerifier: token("v"),
  createdAt,
});

/** Fills the flow table with `n` live flows directly (one statement per row, in the object). */
function fill(ws: TestWorkspace, n: number, createdAt: number) {
  return runInDurableObject(ws.stub, (_i, state) => {
    for (let i = 0; i < n; i++)
      state.storage.sql.exec(
        "INSERT INTO sso_flows (state, browser, data, created_at) VALUES (?, 'b', '{}', ?)",
        `s${i}`,
        createdAt,
      );
  });
}

describe("SSO flow store", () => {
  it("takes a flow once, only with the browser that started it", async () => {
    const ws = await makeWorkspace("sso-flows");
    await runInDurableObject(ws.stub, (_i, state) => {
      const store = new SsoFlowStore(state.storage.sql);
      const now = Date.now();
      expect(store.put(flow(token("a"), now), "mine", now)).toBe(true);
      expect(store.take(token("a"), "theirs")).toBe("mismatch");
      expect(store.take(token("a"), "mine")).toMatchObject({ state: token("a") });
      expect(store.take(token("a"), "mine")).toBeUndefined();
    });
  });

  it(`refuses a new flow past ${MAX_PENDING_SSO_FLOWS} pending, and retention prunes lapsed ones`, async () => {
    const ws = await makeWorkspace("sso-cap");
    const now = Date.now();
    await fill(ws, MAX_PENDING_SSO_FLOWS, now);
    await runInDurableObject(ws.stub, (_i, state) => {
      const store = new SsoFlowStore(state.storage.sql);
      expect(store.put(flow(token("x"), now), "b", now)).toBe(false);
      // Once they lapse they no longer count, and retention removes them.
      const later = now + SSO_FLOW_TTL_MS + 1;
      expect(store.pending(later)).toBe(0);
      expect(pruneSsoFlows(state.storage.sql, later, 10_000)).toBe(MAX_PENDING_SSO_FLOWS);
    });
  });
});

/** SSO enabled by writing the stored settings directly (no provider is reachable here). */
async function enableSso(ws: TestWorkspace) {
  const box = (await SecretBox.fromSetting(env.SECRETS_KEY))!;
  const stored = {
    enabled: true,
    // Nothing listens here: reaching it would be a 400/502, not the 503 the cap answers.
    issuer: "http://127.0.0.1:9/",
    clientId: "opsdeck",
    clientSecretSealed: await box.seal("opsdeck-test-secret-1"),
    allowedEmailDomains: ["example.com"],
    requireVerifiedEmail: true,
    autoProvision: false,
    defaultRole: "viewer",
  };
  await runInDurableObject(ws.stub, (_i, state) => {
    state.storage.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES ('sso', ?)",
      JSON.stringify(stored),
    );
  });
}

describe("SSO routes without a provider", () => {
  it("answers a start with 503 sso_flows_full when the store is full, before any outbound call", async () => {
    const ws = await makeWorkspace("sso-full");
    await enableSso(ws);
    await fill(ws, MAX_PENDING_SSO_FLOWS, Date.now());
    const res = await call(`/w/${ws.id}/auth/oidc/start`, { redirect: "manual" });
    await expectProblem(res, 503, "sso_flows_full");
    expect(res.headers.get("Retry-After")).toBe("60");
    const page = await call(`/w/${ws.id}/login`);
    expect(await page.text()).toContain("Sign in with SSO");
  });

  it("says SSO is not enabled for a workspace without it (400), and 404 for no workspace", async () => {
    const ws = await makeWorkspace("sso-off");
    await expectProblem(await call(`/w/${ws.id}/auth/oidc/start`), 400, "sso_disabled");
    await expectProblem(
      await call(`/w/nope-${crypto.randomUUID().slice(0, 6)}/auth/oidc/start`),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/w/${ws.id}/auth/oidc/callback?state=x&code=y`),
      400,
      "sso_disabled",
    );
    expect(await runDurableObjectAlarm(ws.stub)).toBeTypeOf("boolean");
  });

  it("applies the sign-in limits to the callback: unknown states are counted, then 429", async () => {
    const ws = await makeWorkspace("sso-limit");
    await enableSso(ws);
    const headers = { "CF-Connecting-IP": "198.51.100.77" };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await call(`/w/${ws.id}/auth/oidc/callback?state=${"s".repeat(43)}&code=c${i}`, {
        headers,
      });
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses.slice(0, 10).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});
