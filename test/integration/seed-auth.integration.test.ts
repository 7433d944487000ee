import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { JWT_TTL_SECONDS, type AuthRegistered, type AuthVerified, type Jwks } from "../../schema";
import type { Workspace } from "../../durable-objects/workspace";
import { invite, joinAs, sessionCookie, countRows } from "../helpers/members";
import { authLogin, capabilities, jwtFor, kidOf } from "../helpers/jwt";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";

/**
 * The seed products' auth endpoints: credentials a client holds exchanged for a short-lived
 * ES256 JWT, which /auth/verify and the workspace API accept while its subject still holds.
 */

const verify = (jwt: string) => call("/auth/verify", bearer(jwt));

function register(body: Record<string, unknown>, ip = "192.0.2.20"): Promise<Response> {
  const init = jsonInit("POST", body);
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", ip);
  return call("/auth/register", { ...init, headers });
}

describe("seed auth: login, verify, API", () => {
  it("an API token becomes a JWT that verifies and calls the API as that token", async () => {
    const ws = await makeWorkspace("jwt");
    const res = await authLogin({ workspace: ws.id, token: ws.operator });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const issued = (await res.json()) as Record<string, unknown>;
    expect(issued).toMatchObject({
      tokenType: "Bearer",
      expiresIn: JWT_TTL_SECONDS,
      role: "operator",
      token: { name: "operator-bot" },
    });
    const jwt = issued["accessToken"] as string;
    expect(kidOf(jwt)).toBeTypeOf("string");

    const v = await verify(jwt);
    expect(v.status).toBe(200);
    const who = (await v.json()) as AuthVerified;
    expect(who).toMatchObject({
      workspace: ws.id,
      role: "operator",
      token: { name: "operator-bot" },
    });
    expect(Date.parse(who.expiresAt!)).toBeGreaterThan(Date.now());

    const me = await call(`/w/${ws.id}/api/me`, bearer(jwt));
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: "operator" });
    // The role is the token's: an admin route stays closed to an operator's JWT.
    await expectProblem(await call(`/w/${ws.id}/api/tokens`, bearer(jwt)), 403, "forbidden");
  });

  it("refreshes through the member session cookie; signing out stops the JWT", async () => {
    const ws = await makeWorkspace("jwt");
    const { member, cookie } = await joinAs(ws, "viewer", "Vera Viewer");
    const res = await authLogin({ workspace: ws.id }, "192.0.2.11", cookie);
    expect(res.status, await res.clone().text()).toBe(200);
    const issued = (await res.json()) as { accessToken: string; member: { id: string } };
    expect(issued.member.id).toBe(member.id);
    const v = (await (await verify(issued.accessToken)).json()) as AuthVerified;
    expect(v).toMatchObject({ role: "viewer", member: { id: member.id, name: "Vera Viewer" } });
    const ok = await call(`/w/${ws.id}/api/alerts`, bearer(issued.accessToken));
    expect(ok.status).toBe(200);
    // Another origin cannot turn the cookie into a bearer it could read.
    const cross = await call("/auth/login", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Cookie: cookie,
        Origin: "https://evil.example",
      },
      body: JSON.stringify({ workspace: ws.id }),
    });
    await expectProblem(cross, 403, "csrf_rejected");
    // Concurrent first uses of a fresh workspace share one key.
    const fresh = await makeWorkspace("jwt");
    const many = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        authLogin({ workspace: fresh.id, token: fresh.viewer }, `192.0.2.${40 + i}`),
      ),
    );
    const kids = await Promise.all(
      many.map(async (r) => kidOf(((await r.json()) as { accessToken: string }).accessToken)),
    );
    expect(new Set(kids).size).toBe(1);
    // The cookie itself verifies too.
    const byCookie = await call("/auth/verify", { headers: { Cookie: cookie } });
    expect(await byCookie.json()).toMatchObject({ member: { id: member.id }, workspace: ws.id });

    // The session the JWT came from ends: the JWT stops at once, well before its exp.
    const out = await call(`/w/${ws.id}/api/session`, {
      method: "DELETE",
      headers: { Cookie: cookie, Origin: "http://opsdeck.test" },
    });
    expect(out.status).toBe(200);
    await expectProblem(await verify(issued.accessToken), 401, "unauthenticated");
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts`, bearer(issued.accessToken)),
      401,
      "unauthenticated",
    );
  });

  it("a disabled member's JWT stops working; a revoked token's too", async () => {
    const ws = await makeWorkspace("jwt");
    const { member, cookie } = await joinAs(ws, "operator");
    const res = await authLogin({ workspace: ws.id }, "192.0.2.12", cookie);
    const { accessToken } = (await res.json()) as { accessToken: string };
    expect((await verify(accessToken)).status).toBe(200);
    const patch = await call(
      `/w/${ws.id}/api/members/${member.id}`,
      jsonInit("PATCH", { disabled: true }, ws.admin),
    );
    expect(patch.status).toBe(200);
    await expectProblem(await verify(accessToken), 401, "unauthenticated");

    const tokenJwt = await jwtFor(ws, ws.viewer);
    const tokens = (await (await call(`/w/${ws.id}/api/tokens`, bearer(ws.admin))).json()) as {
      tokens: { id: string; name: string }[];
    };
    const viewerId = tokens.tokens.find((t) => t.name === "viewer-bot")!.id;
    const del = await call(
      `/w/${ws.id}/api/tokens/${viewerId}`,
      bearer(ws.admin, { method: "DELETE" }),
    );
    expect(del.status).toBe(200);
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts`, bearer(tokenJwt.accessToken)),
      401,
      "unauthenticated",
    );
  });

  it("register: only with an invitation, once; answers a cookie and a JWT", async () => {
    const ws = await makeWorkspace("jwt");
    const invitation = await invite(ws, "operator");
    const before = await countRows(ws, "members");
    const res = await register({ workspace: ws.id, invitation: invitation.token, name: "Otto Op" });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(sessionCookie(res)).toMatch(/^opsdeck_session=ods\./);
    const body = (await res.json()) as AuthRegistered;
    expect(body).toMatchObject({
      tokenType: "Bearer",
      role: "operator",
      member: { name: "Otto Op" },
    });
    expect(await countRows(ws, "members")).toBe(before + 1);
    const me = await call(`/w/${ws.id}/api/me`, bearer(body.accessToken));
    expect(await me.json()).toMatchObject({ member: { name: "Otto Op" } });

    // Reused: the same 410 as invitations/accept, nothing stored.
    const again = await register({ workspace: ws.id, invitation: invitation.token, name: "Eve" });
    await expectProblem(again, 410, "invitation_invalid");
    // Without one: 400 naming the field.
    const none = await register({ workspace: ws.id, name: "Eve" });
    const problem = (await expectProblem(none, 400, "validation_failed")) as unknown as {
      issues?: { path: string }[];
    };
    expect(JSON.stringify(problem)).toContain("invitation");
    // Another workspace's invitation.
    const other = await makeWorkspace("jwt");
    const foreign = await invite(other, "viewer");
    const cross = await register({ workspace: ws.id, invitation: foreign.token, name: "Eve" });
    await expectProblem(cross, 410, "invitation_invalid");
    expect(await countRows(ws, "members")).toBe(before + 1);
  });

  it("publishes the public keys; rotation keeps the old key until its tokens expire", async () => {
    const ws = await makeWorkspace("jwt");
    const old = await jwtFor(ws, ws.admin);
    const jwks = (await (await call(`/w/${ws.id}/.well-known/jwks.json`)).json()) as Jwks;
    expect(jwks.keys.map((k) => k.kid)).toEqual([kidOf(old.accessToken)]);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    // The daily rotation is an alarm task, scheduled.
    const alarm = await runInDurableObject<Workspace, number | null>(ws.stub, (_i, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).not.toBeNull();

    await runInDurableObject<Workspace, void>(ws.stub, async (instance) => {
      await capabilities(instance).jwtKeys.rotateNow();
    });
    const fresh = await jwtFor(ws, ws.admin);
    expect(kidOf(fresh.accessToken)).not.toBe(kidOf(old.accessToken));
    expect((await verify(old.accessToken)).status).toBe(200);
    expect((await verify(fresh.accessToken)).status).toBe(200);
    const both = (await (await call(`/w/${ws.id}/.well-known/jwks.json`)).json()) as Jwks;
    expect(both.keys).toHaveLength(2);

    // Once every token of the old key has expired, the alarm deletes it.
    await runInDurableObject<Workspace, void>(ws.stub, async (instance) => {
      await capabilities(instance).jwtKeys.rotate(Date.now() + (JWT_TTL_SECONDS + 120) * 1000);
    });
    const after = (await (await call(`/w/${ws.id}/.well-known/jwks.json`)).json()) as Jwks;
    expect(after.keys.map((k) => k.kid)).toEqual([kidOf(fresh.accessToken)]);
    await expectProblem(await verify(old.accessToken), 401, "unauthenticated");
    expect((await verify(fresh.accessToken)).status).toBe(200);
    const unknown = await call(`/w/ghost-${crypto.randomUUID().slice(0, 8)}/.well-known/jwks.json`);
    expect(await unknown.json()).toEqual({ keys: [] });
  });

  it("bad bodies are 400 problem+json naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ token: "odk.x.y" }, "workspace"],
      [{ workspace: "Not A Slug!", token: "odk.x.y" }, "workspace"],
      [{ workspace: "abc", token: "" }, "token"],
      [{ workspace: "abc", token: "x".repeat(201) }, "token"],
      [{ workspace: "abc", extra: 1 }, "extra"],
    ];
    for (const [body, field] of cases) {
      const res = await call("/auth/login", {
        ...jsonInit("POST", body),
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": "192.0.2.30" },
      });
      const problem = await expectProblem(res, 400, "validation_failed");
      expect(JSON.stringify(problem), JSON.stringify(body)).toContain(field);
    }
    const text = await call("/auth/login", {
      method: "POST",
      body: "x",
      headers: { "Content-Type": "text/plain" },
    });
    expect(text.status).toBe(415);
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await (await call("/openapi.json")).json()) as { paths: Record<string, unknown> };
    for (const path of [
      "/auth/login",
      "/auth/register",
      "/auth/verify",
      "/w/{workspace}/.well-known/jwks.json",
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });
});
