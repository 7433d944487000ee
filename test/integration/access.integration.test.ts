import { describe, expect, it } from "vitest";
import {
  BASE,
  OPERATOR,
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
} from "../helpers/workspace";

describe("workspace creation", () => {
  it("creates a workspace and returns its first admin token once", async () => {
    const ws = await makeWorkspace();
    const res = await call(`/w/${ws.id}/api/tokens`, bearer(ws.admin));
    expect(res.status).toBe(200);
    const { tokens } = (await res.json()) as { tokens: Array<Record<string, unknown>> };
    expect(tokens.map((t) => t.role).sort()).toEqual(["admin", "operator", "viewer"]);
    for (const token of tokens) expect(token).not.toHaveProperty("token");
  });

  it("refuses without the operator credential", async () => {
    await expectProblem(
      await call("/api/workspaces", jsonInit("POST", { id: "nope-1", name: "x" })),
      401,
      "unauthenticated",
    );
    await expectProblem(
      await call("/api/workspaces", jsonInit("POST", { id: "nope-1", name: "x" }, "wrong")),
      401,
      "unauthenticated",
    );
  });

  it("rejects a bad slug with the failing field, and a duplicate with 409", async () => {
    const bad = await expectProblem(
      await call("/api/workspaces", jsonInit("POST", { id: "Bad Slug", name: "x" }, OPERATOR)),
      400,
      "validation_failed",
    );
    expect(JSON.stringify(bad)).toContain("json.id");
    const ws = await makeWorkspace();
    await expectProblem(
      await call("/api/workspaces", jsonInit("POST", { id: ws.id, name: "again" }, OPERATOR)),
      409,
      "workspace_exists",
    );
  });

  it("answers non-JSON, wrong media type and arrays with clear 4xx", async () => {
    const init = (body: string, type: string): RequestInit => ({
      method: "POST",
      headers: { "Content-Type": type, Authorization: `Bearer ${OPERATOR}` },
      body,
    });
    await expectProblem(
      await call("/api/workspaces", init("{nope", "application/json")),
      400,
      "invalid_json",
    );
    await expectProblem(
      await call("/api/workspaces", init("[1,2]", "application/json")),
      400,
      "invalid_json",
    );
    await expectProblem(
      await call("/api/workspaces", init("id=x", "text/plain")),
      415,
      "unsupported_media_type",
    );
  });
});

describe("roles and isolation", () => {
  it("lets viewers read but not mutate (403)", async () => {
    const ws = await makeWorkspace();
    expect((await call(`/w/${ws.id}/api/alerts`, bearer(ws.viewer))).status).toBe(200);
    await expectProblem(
      await call(
        `/w/${ws.id}/api/settings`,
        jsonInit("PUT", { thresholds: { cpu: 70 } }, ws.viewer),
      ),
      403,
      "forbidden",
    );
    await expectProblem(
      await call(
        `/w/${ws.id}/api/metrics/samples`,
        jsonInit("POST", { samples: [{ metric: "cpu", value: 1 }] }, ws.viewer),
      ),
      403,
      "forbidden",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/tokens`, bearer(ws.operator)),
      403,
      "forbidden",
    );
  });

  it("never lets a token of one workspace read or change another (404, object untouched)", async () => {
    const a = await makeWorkspace("a");
    const b = await makeWorkspace("b");
    await expectProblem(await call(`/w/${b.id}/api/alerts`, bearer(a.admin)), 404, "not_found");
    await expectProblem(
      await call(`/w/${b.id}/api/settings`, jsonInit("PUT", { thresholds: { cpu: 1 } }, a.admin)),
      404,
      "not_found",
    );
    const settings = (await (await call(`/w/${b.id}/api/settings`, bearer(b.admin))).json()) as {
      settings: { thresholds: { cpu: number } };
    };
    expect(settings.settings.thresholds.cpu).toBe(80);
  });

  it("401s without a credential, with garbage, and with a revoked token", async () => {
    const ws = await makeWorkspace();
    await expectProblem(await call(`/w/${ws.id}/api/alerts`), 401, "unauthenticated");
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts`, bearer(`odk.${ws.id}.forged`)),
      401,
      "unauthenticated",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts`, { headers: { Authorization: "Basic abc" } }),
      401,
      "unauthenticated",
    );
    const list = (await (await call(`/w/${ws.id}/api/tokens`, bearer(ws.admin))).json()) as {
      tokens: Array<{ id: string; role: string }>;
    };
    const viewerId = list.tokens.find((t) => t.role === "viewer")!.id;
    expect(
      (await call(`/w/${ws.id}/api/tokens/${viewerId}`, bearer(ws.admin, { method: "DELETE" })))
        .status,
    ).toBe(200);
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts`, bearer(ws.viewer)),
      401,
      "unauthenticated",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/tokens/nope`, bearer(ws.admin, { method: "DELETE" })),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/tokens/..%2F..`, bearer(ws.admin, { method: "DELETE" })),
      400,
      "validation_failed",
    );
  });

  it("validates token creation input", async () => {
    const ws = await makeWorkspace();
    await expectProblem(
      await call(`/w/${ws.id}/api/tokens`, jsonInit("POST", { name: "x", role: "root" }, ws.admin)),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(
        `/w/${ws.id}/api/tokens`,
        jsonInit("POST", { name: "<script>", role: "viewer" }, ws.admin),
      ),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(
        `/w/${ws.id}/api/tokens`,
        jsonInit("POST", { name: "ok", role: "viewer", extra: 1 }, ws.admin),
      ),
      400,
      "validation_failed",
    );
  });
});

describe("browser sessions", () => {
  async function login(id: string, token: string) {
    const res = await call(`/w/${id}/api/session`, jsonInit("POST", { token }));
    const cookie = res.headers.get("Set-Cookie") ?? "";
    return { res, cookie: cookie.split(";")[0]! };
  }

  it("exchanges a token for an HttpOnly cookie scoped to the workspace; logout ends it server-side", async () => {
    const ws = await makeWorkspace();
    const { res, cookie } = await login(ws.id, ws.operator);
    expect(res.status).toBe(200);
    expect(res.headers.get("Set-Cookie")).toMatch(/HttpOnly/);
    expect(res.headers.get("Set-Cookie")).toMatch(new RegExp(`Path=/w/${ws.id}`));
    expect(res.headers.get("Set-Cookie")).toMatch(/SameSite=Lax/);
    expect((await call(`/w/${ws.id}/api/alerts`, { headers: { Cookie: cookie } })).status).toBe(
      200,
    );
    const out = await call(`/w/${ws.id}/api/session`, {
      method: "DELETE",
      headers: { Cookie: cookie, Origin: BASE },
    });
    expect(out.status).toBe(200);
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts`, { headers: { Cookie: cookie } }),
      401,
      "unauthenticated",
    );
  });

  it("refuses a wrong token at login", async () => {
    const ws = await makeWorkspace();
    await expectProblem((await login(ws.id, `odk.${ws.id}.nope`)).res, 401, "invalid_token");
    const other = await makeWorkspace();
    await expectProblem((await login(ws.id, other.admin)).res, 401, "invalid_token");
    await expectProblem(
      await call(`/w/${ws.id}/api/session`, jsonInit("POST", {})),
      400,
      "validation_failed",
    );
  });

  it("guards cookie-authenticated writes against cross-site requests", async () => {
    const ws = await makeWorkspace();
    const { cookie } = await login(ws.id, ws.admin);
    const put = (headers: Record<string, string>) =>
      call(`/w/${ws.id}/api/settings`, {
        method: "PUT",
        headers: { Cookie: cookie, "Content-Type": "application/json", ...headers },
        body: JSON.stringify({ thresholds: { cpu: 50 } }),
      });
    await expectProblem(await put({ Origin: "https://evil.example" }), 403, "csrf_rejected");
    await expectProblem(await put({}), 403, "csrf_rejected");
    expect((await put({ Origin: BASE })).status).toBe(200);
    expect((await put({ "Sec-Fetch-Site": "same-origin" })).status).toBe(200);
  });
});
