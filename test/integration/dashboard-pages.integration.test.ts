import { describe, expect, it } from "vitest";
import {
  BASE,
  bearer,
  call,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import {
  makeAlert,
  makeDeployment,
  makePipeline,
  seedAlerts,
  seedDeployments,
  seedPipelines,
} from "../helpers/seed";

const XSS = '<script>alert("XSS")</script>';
const ATTR = '"><img src=x onerror=alert(1)>';

async function withData(): Promise<TestWorkspace> {
  const ws = await makeWorkspace("pages");
  const samples = [
    { metric: "cpu", label: "CPU", unit: "%", value: 40 },
    { metric: "evil", label: XSS, value: 1 },
  ];
  const pushed = await call(
    `/w/${ws.id}/api/metrics/samples`,
    jsonInit("POST", { samples }, ws.operator),
  );
  expect(pushed.status).toBe(202);
  await seedAlerts(ws.stub, [
    makeAlert({
      id: "a-1",
      title: `${XSS} disk`,
      message: ATTR,
      labels: { host: ATTR },
      links: [{ href: "javascript:alert(1)", text: "bad link" }],
      runbook: "javascript:alert(2)",
    }),
  ]);
  await seedDeployments(ws.stub, [makeDeployment({ id: "d-1", name: XSS })]);
  await seedPipelines(ws.stub, [makePipeline({ id: "p-1" })]);
  return ws;
}

const page = (ws: TestWorkspace, path: string, token: string, init: RequestInit = {}) =>
  call(`/w/${ws.id}${path}`, bearer(token, { redirect: "manual", ...init }));

describe("detail pages (dialog content and plain pages)", () => {
  it("render each record escaped, with the actions of the caller's role only", async () => {
    const ws = await withData();
    for (const path of [
      "/alerts/a-1",
      "/deployments/d-1",
      "/pipelines/p-1",
      "/metrics/cpu?range=24h",
      "/metrics/evil",
    ]) {
      const viewer = await page(ws, path, ws.viewer);
      expect(viewer.status, path).toBe(200);
      expect(viewer.headers.get("Cache-Control")).toBe("no-store");
      expect(viewer.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
      const html = await viewer.text();
      expect(html).not.toContain("<script>alert");
      expect(html).not.toContain("<img src=x");
      expect(html).not.toContain('href="javascript:');
      expect(html, `${path}: no action for a viewer`).not.toContain("data-api=");
    }
    const operator = await (await page(ws, "/alerts/a-1", ws.operator)).text();
    expect(operator).toContain(`data-api="/w/${ws.id}/api/alerts/a-1/acknowledge"`);
    expect(operator).toContain(`data-api="/w/${ws.id}/api/incidents"`);
    expect(operator).toContain('id="create-incident"');
    const deployment = await (await page(ws, "/deployments/d-1", ws.operator)).text();
    expect(deployment).toContain(`data-api="/w/${ws.id}/api/deployments/d-1/rollback"`);
    expect(deployment).toContain(`data-logs="/w/${ws.id}/api/deployments/d-1/logs"`);
  });

  it("answers the dialog with the content only, and a whole page otherwise", async () => {
    const ws = await withData();
    const fragment = await page(ws, "/alerts/a-1", ws.viewer, {
      headers: { "X-Opsdeck-Fragment": "1" },
    });
    const body = await fragment.text();
    expect(body.startsWith("<article")).toBe(true);
    expect(fragment.headers.get("Vary")).toContain("X-Opsdeck-Fragment");
    const full = await (await page(ws, "/alerts/a-1", ws.viewer)).text();
    expect(full.startsWith("<!doctype html>")).toBe(true);
    expect(full).toContain('<script type="module" src="/assets/live.js"></script>');
  });

  it("says plainly when a record does not exist, and sends browsers without a session to sign in", async () => {
    const ws = await withData();
    for (const path of [
      "/alerts/nope",
      "/deployments/nope",
      "/pipelines/nope",
      "/metrics/nope",
      "/networks/nope",
      "/aws/nope",
      "/alerts/..%2F..%2Fsettings",
    ]) {
      const res = await page(ws, path, ws.viewer);
      expect(res.status, path).toBe(404);
      expect(await res.text()).toContain("Not found");
    }
    const anonymous = await call(`/w/${ws.id}/alerts/a-1`, { redirect: "manual" });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("Location")).toBe(`/w/${ws.id}/login`);
    const other = await makeWorkspace("pages");
    expect((await page(ws, "/alerts/a-1", other.viewer)).status).toBe(404);
  });

  it("exports a series as CSV and as a standalone SVG", async () => {
    const ws = await withData();
    const csv = await page(ws, "/metrics/cpu/export.csv?range=1h", ws.viewer);
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    expect(csv.headers.get("Content-Disposition")).toBe('attachment; filename="cpu-1h.csv"');
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("timestamp,value");
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z,40$/);
    const svg = await page(ws, "/metrics/evil/chart.svg?range=7d", ws.viewer);
    expect(svg.headers.get("Content-Type")).toContain("image/svg+xml");
    const text = await svg.text();
    expect(text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(text).not.toContain("<script>");
    expect(text).toContain("&lt;script>");
  });
});

describe("preferences and the no-script fallbacks", () => {
  it("keeps the theme in a cookie, so the next page is painted in it from the first byte", async () => {
    const ws = await withData();
    const res = await call("/theme", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: BASE },
      body: new URLSearchParams({ theme: "dark", back: `/w/${ws.id}?range=24h` }).toString(),
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/w/${ws.id}?range=24h`);
    expect(res.headers.get("Set-Cookie")).toContain("opsdeck_theme=dark; Path=/");
    const dark = await page(ws, "", ws.viewer, { headers: { Cookie: "opsdeck_theme=dark" } });
    expect(await dark.text()).toMatch(/^<!doctype html><html lang="en" data-theme="dark">/);
    const offsite = await call("/theme", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: BASE },
      body: new URLSearchParams({ theme: "light", back: "https://evil.example/" }).toString(),
      redirect: "manual",
    });
    expect(offsite.headers.get("Location")).toBe("/");
    const foreign = await call("/theme", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: "https://evil.example",
      },
      body: "theme=dark",
      redirect: "manual",
    });
    expect(foreign.status).toBe(403);
  });

  it("charts the metrics picked in Configure, and draws the range asked for", async () => {
    const ws = await withData();
    const saved = await call(
      `/w/${ws.id}/charts/configure`,
      bearer(ws.viewer, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: BASE },
        body: "metric=evil&metric=..%2Fbad",
        redirect: "manual",
      }),
    );
    expect(saved.status).toBe(303);
    const cookie = (saved.headers.get("Set-Cookie") ?? "").split(";")[0]!;
    expect(cookie).toBe("opsdeck_charts=evil");
    const html = await (
      await page(ws, "?range=7d", ws.viewer, { headers: { Cookie: cookie } })
    ).text();
    expect(html).toContain('id="chart-evil"');
    expect(html).not.toContain('id="chart-cpu"');
    expect(html).toContain('data-range="7d"');
    expect(html).toContain('aria-current="true">7d</a>');
  });

  it("runs Refresh without script for an operator, and refuses it to a viewer", async () => {
    const ws = await withData();
    const operator = await page(ws, "/refresh", ws.operator, { method: "POST" });
    expect(operator.status).toBe(303);
    const viewer = await page(ws, "/refresh", ws.viewer, { method: "POST" });
    expect(viewer.status).toBe(403);
  });
});

describe("settings page", () => {
  it("shows secrets only as set, gives admins the forms and everyone else the values", async () => {
    const ws = await withData();
    const secret = "xoxb-very-secret-github-token-123";
    const put = await call(
      `/w/${ws.id}/api/settings`,
      jsonInit("PUT", { integrations: { github: { enabled: true, token: secret } } }, ws.admin),
    );
    expect(put.status).toBe(200);
    const admin = await (await page(ws, "/settings", ws.admin)).text();
    expect(admin).not.toContain(secret);
    expect(admin).toContain("•••••••• (set)");
    expect(admin).toContain(`data-api="/w/${ws.id}/api/settings"`);
    expect(admin).toContain(`data-api="/w/${ws.id}/api/integrations/github"`);
    expect(admin).toContain(`data-api="/w/${ws.id}/api/integrations/aws"`);
    expect(admin).toContain('data-clears="token"');
    const viewer = await (await page(ws, "/settings", ws.viewer)).text();
    expect(viewer).not.toContain(secret);
    expect(viewer).not.toContain("data-api=");
    expect(viewer).toContain("Only an admin can see webhook integrations.");
  });
});
