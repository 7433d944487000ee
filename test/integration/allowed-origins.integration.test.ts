import { describe, expect, it } from "vitest";
import type { AllowedOrigins, AuditEntry } from "../../schema";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

type Problem = { issues?: Array<{ path: string; message: string }>; detail: string };

const path = (ws: TestWorkspace) => `/w/${ws.id}/api/allowed-origins`;
const put = (ws: TestWorkspace, body: unknown, token = ws.admin) =>
  call(path(ws), jsonInit("PUT", body, token));
const list = async (ws: TestWorkspace, token = ws.viewer) => {
  const res = await call(path(ws), bearer(token));
  expect(res.status).toBe(200);
  return ((await res.json()) as AllowedOrigins).origins;
};

describe("api/allowed-origins: roles", () => {
  it("starts empty; every role reads it, only an admin replaces it", async () => {
    const ws = await makeWorkspace();
    for (const token of [ws.viewer, ws.operator, ws.admin])
      expect(await list(ws, token)).toEqual([]);
    const body = { origins: ["https://app.example.com"] };
    for (const token of [ws.viewer, ws.operator])
      await expectProblem(await put(ws, body, token), 403, "forbidden");
    expect(await list(ws)).toEqual([]);
    const res = await put(ws, body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ origins: ["https://app.example.com"] });
    expect(await list(ws)).toEqual(["https://app.example.com"]);
  });

  it("401s without a credential and 404s another workspace's admin", async () => {
    const ws = await makeWorkspace();
    const other = await makeWorkspace("other");
    await expectProblem(await call(path(ws)), 401, "unauthenticated");
    const anonymous = await call(path(ws), {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ origins: [] }),
    });
    await expectProblem(anonymous, 401, "unauthenticated");
    await expectProblem(await put(ws, { origins: [] }, other.admin), 404, "not_found");
  });
});

describe("api/allowed-origins: what is stored", () => {
  it("normalises each origin as a browser sends it, and [] allows none again", async () => {
    const ws = await makeWorkspace();
    const res = await put(ws, {
      origins: [
        "HTTPS://App.Example.COM:443",
        "https://ops.example.org:8443",
        "https://bücher.example",
        "http://LOCALHOST:5173",
      ],
    });
    expect(res.status).toBe(200);
    expect(await list(ws)).toEqual([
      "https://app.example.com",
      "https://ops.example.org:8443",
      "https://xn--bcher-kva.example",
      // The test runtime sets ALLOW_LOOPBACK_URLS=true, as `npm start` does.
      "http://localhost:5173",
    ]);
    expect((await put(ws, { origins: [] })).status).toBe(200);
    expect(await list(ws)).toEqual([]);
  });

  it("audits every change with the list before and after", async () => {
    const ws = await makeWorkspace();
    await put(ws, { origins: ["https://a.example.com"] });
    await put(ws, { origins: ["https://b.example.com", "https://a.example.com"] });
    const res = await call(`/w/${ws.id}/api/audit?limit=50`, bearer(ws.admin));
    const { entries } = (await res.json()) as { entries: AuditEntry[] };
    const changes = entries.filter((e) => e.action === "allowed-origins.update");
    expect(changes).toHaveLength(2);
    expect(changes[0]).toMatchObject({
      actor: "admin",
      target: "allowed-origins",
      before: { origins: ["https://a.example.com"] },
      after: { origins: ["https://b.example.com", "https://a.example.com"] },
    });
    expect(changes[1]).toMatchObject({
      before: { origins: [] },
      after: { origins: ["https://a.example.com"] },
    });
  });
});

describe("api/allowed-origins: bad input (400, nothing stored)", () => {
  const KEPT = ["https://kept.example.com"];

  async function expectRefused(ws: TestWorkspace, body: unknown, code: string, issue?: string) {
    const problem = (await expectProblem(await put(ws, body), 400, code)) as Problem;
    if (issue) expect(problem.issues?.map((i) => i.path)).toContain(issue);
    expect(await list(ws)).toEqual(KEPT);
    return problem;
  }

  it("names the index of each origin that is not scheme://host[:port]", async () => {
    const ws = await makeWorkspace();
    expect((await put(ws, { origins: KEPT })).status).toBe(200);
    const bad = [
      "*",
      "https://*.example.com",
      "null",
      "app.example.com",
      "https:app.example.com",
      "ftp://app.example.com",
      "file:///etc/passwd",
      "chrome-extension://abcdef",
      "javascript://alert(1)",
      "http://app.example.com",
      "https://user@app.example.com",
      "https://user:pw@app.example.com",
      "https://app.example.com/",
      "https://app.example.com/path",
      "https://app.example.com?q=1",
      "https://app.example.com#top",
      "https://exa mple.com",
      "https://app.example.com:0",
      "https://app.example.com:65536",
      "https://app.example.com\u0000",
    ];
    for (const origin of bad) {
      const problem = await expectRefused(
        ws,
        { origins: ["https://fine.example.com", origin] },
        "origin_not_allowed",
        "json.origins.1",
      );
      expect(problem.issues, origin).toHaveLength(1);
      expect(problem.detail, origin).toMatch(/^json\.origins\.1: /);
    }
    // Every failing entry is reported at once.
    const all = await expectRefused(
      ws,
      { origins: ["*", "https://ok.example.com", "null"] },
      "origin_not_allowed",
    );
    expect(all.issues?.map((i) => i.path)).toEqual(["json.origins.0", "json.origins.2"]);
  });

  it("refuses a trailing slash with the origin to use instead", async () => {
    const ws = await makeWorkspace();
    await put(ws, { origins: KEPT });
    const problem = await expectRefused(
      ws,
      { origins: ["https://App.example.com/"] },
      "origin_not_allowed",
      "json.origins.0",
    );
    expect(problem.detail).toContain("use 'https://app.example.com'");
  });

  it("refuses an origin listed twice once normalised, naming both indexes", async () => {
    const ws = await makeWorkspace();
    await put(ws, { origins: KEPT });
    const problem = await expectRefused(
      ws,
      { origins: ["https://a.example.com", "HTTPS://A.example.com:443"] },
      "origin_not_allowed",
      "json.origins.1",
    );
    expect(problem.detail).toContain("already listed at index 0");
  });

  it("refuses more than 20, a body of the wrong shape, and unknown fields", async () => {
    const ws = await makeWorkspace();
    await put(ws, { origins: KEPT });
    const many = Array.from({ length: 21 }, (_, i) => `https://o${i}.example.com`);
    await expectRefused(ws, { origins: many }, "validation_failed", "json.origins");
    await expectRefused(
      ws,
      { origins: "https://a.example.com" },
      "validation_failed",
      "json.origins",
    );
    await expectRefused(ws, { origins: [42] }, "validation_failed", "json.origins.0");
    await expectRefused(ws, { origins: [""] }, "validation_failed", "json.origins.0");
    await expectRefused(ws, { origins: [`https://${"a".repeat(300)}.com`] }, "validation_failed");
    await expectRefused(ws, {}, "validation_failed", "json.origins");
    await expectRefused(ws, { origins: [], extra: true }, "validation_failed", "json.extra");
    const text = await call(path(ws), {
      method: "PUT",
      headers: { Authorization: `Bearer ${ws.admin}`, "Content-Type": "application/json" },
      body: "{not json",
    });
    await expectProblem(text, 400, "invalid_json");
    expect(await list(ws)).toEqual(KEPT);
  });
});

describe("api/allowed-origins: OpenAPI", () => {
  it("documents both operations and the cross-origin rules", async () => {
    const res = await call("/openapi.json");
    const doc = (await res.json()) as {
      info: { description: string };
      paths: Record<string, Record<string, { summary?: string; description?: string }>>;
    };
    const item = doc.paths["/w/{workspace}/api/allowed-origins"];
    expect(item?.get?.summary).toBeTruthy();
    expect(item?.put?.summary).toMatch(/admin/);
    expect(item?.put?.description).toMatch(/Bearer/);
    expect(item?.put?.description).toMatch(/ws-ticket/);
    expect(doc.info.description).toMatch(/allowed-origins/);
  });
});
