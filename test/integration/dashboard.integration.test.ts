import { describe, expect, it } from "vitest";
import { BASE, bearer, call, expectProblem, makeWorkspace } from "../helpers/workspace";

/** Signs in through the login form and returns the session cookie pair (`name=value`). */
async function signIn(workspace: string, token: string): Promise<string> {
  const res = await call(`/w/${workspace}/login`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: BASE },
    body: new URLSearchParams({ token }).toString(),
    redirect: "manual",
  });
  expect(res.status).toBe(303);
  expect(res.headers.get("Location")).toBe(`/w/${workspace}`);
  const cookie = res.headers.get("Set-Cookie") ?? "";
  expect(cookie).toContain("HttpOnly");
  return cookie.split(";")[0]!;
}

const page = (workspace: string, init: RequestInit = {}) =>
  call(`/w/${workspace}`, { redirect: "manual", ...init });

describe("dashboard page", () => {
  it("sends a browser without a session to the sign-in page", async () => {
    const ws = await makeWorkspace("dash");
    const res = await page(ws.id);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/w/${ws.id}/login`);
  });

  it("treats an expired or forged session like no session, and clears the cookie", async () => {
    const ws = await makeWorkspace("dash");
    const res = await page(ws.id, {
      headers: { Cookie: `opsdeck_session=ods.${ws.id}.forged` },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/w/${ws.id}/login`);
    expect(res.headers.get("Set-Cookie")).toMatch(/opsdeck_session=;.*Max-Age=0/);
  });

  it("renders the snapshot with a strict CSP, no caching and the JSON island", async () => {
    const ws = await makeWorkspace("dash");
    const cookie = await signIn(ws.id, ws.viewer);
    const res = await page(ws.id, { headers: { Cookie: cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/html");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
    const body = await res.text();
    expect(body).toContain(`<script id="snapshot" type="application/json">`);
    expect(body).toContain(`"id":"${ws.id}"`);
    expect(body).toContain('id="panel-metrics"');
    expect(body).toContain('<meta name="referrer" content="same-origin"/>');
  });

  it("also serves the page to a bearer token (scripts, screenshots)", async () => {
    const ws = await makeWorkspace("dash");
    const res = await page(ws.id, bearer(ws.viewer));
    expect(res.status).toBe(200);
  });

  it("refuses a cross-site sign-out and ends the session on a same-origin one", async () => {
    const ws = await makeWorkspace("dash");
    const cookie = await signIn(ws.id, ws.viewer);
    const logout = (origin: string) =>
      call(`/w/${ws.id}/logout`, {
        method: "POST",
        headers: { Cookie: cookie, Origin: origin },
        redirect: "manual",
      });
    await expectProblem(await logout("https://evil.example"), 403, "csrf_rejected");
    expect((await page(ws.id, { headers: { Cookie: cookie } })).status).toBe(200);

    const res = await logout(BASE);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/w/${ws.id}/login`);
    expect(res.headers.get("Set-Cookie")).toMatch(/opsdeck_session=;/);
    expect((await page(ws.id, { headers: { Cookie: cookie } })).status).toBe(303);
    await expectProblem(
      await call(`/w/${ws.id}/api/alerts`, { headers: { Cookie: cookie } }),
      401,
      "unauthenticated",
    );
  });

  it("refuses a cross-site sign-in form", async () => {
    const ws = await makeWorkspace("dash");
    const res = await call(`/w/${ws.id}/login`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: "https://evil.example",
      },
      body: new URLSearchParams({ token: ws.viewer }).toString(),
    });
    await expectProblem(res, 403, "csrf_rejected");
  });
});
