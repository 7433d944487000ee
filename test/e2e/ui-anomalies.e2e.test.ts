// The anomaly side of the dashboard in Chromium: a spike pushed through the API shows in the
// Anomalies panel live (sparkline, band, marked points); an operator acknowledges and judges
// it from the panel while a viewer gets no action; an admin saves a series' detection
// settings (a viewer has no form); and the Prometheus settings form saves against a real
// Prometheus and shows Prometheus's own error on the card whose PromQL is bad.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Anomaly, PrometheusIntegration, SeriesDetection } from "../../schema";
import { PROMETHEUS_BIN, startPrometheus, type PrometheusPeer } from "../peers/prometheus-server";
import {
  createWorkspace,
  expectClean,
  hasChromium,
  launchBrowser,
  pushSamples,
  signIn,
  waitForConnection,
  type E2eWorkspace,
} from "./helpers/browser";
import { eventually } from "./helpers/eventually";
import { seriousViolations } from "./helpers/page-checks";
import { startLoopbackServer, type LoopbackServer } from "./helpers/loopback-server";

const baseUrl = inject("baseUrl");
const operatorToken = inject("operatorToken");

/** One point a minute ending 10 minutes ago: a saw the detector learns, then a clear spike. */
const BASE_MS = Date.now() - 310 * 60_000;
const saw = (i: number) => 50 + (i % 10);
const points = (from: number, to: number, value: (i: number) => number = saw) =>
  Array.from({ length: to - from }, (_, k) => ({
    metric: "queue.depth",
    label: "Queue depth",
    value: value(from + k),
    timestamp: new Date(BASE_MS + (from + k) * 60_000).toISOString(),
  }));

async function api<T>(base: string, ws: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${base}/w/${ws}/api/${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const card = (page: Page) => page.locator("#panel-anomalies li.anomaly-card").first();

if (!hasChromium) console.warn("ui-anomalies e2e skipped: /usr/bin/chromium is missing");

describe.skipIf(!hasChromium)("anomalies on the dashboard, in a real browser", () => {
  let browser: Browser;
  let ws: E2eWorkspace;

  beforeAll(async () => {
    browser = await launchBrowser();
    ws = await createWorkspace(baseUrl, operatorToken, "e2e-anom");
    for (let from = 0; from < 300; from += 100)
      await pushSamples(baseUrl, ws, points(from, from + 100));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows a spike live with its band; an operator acknowledges and judges it, a viewer cannot", async () => {
    // Light for the operator, dark for the viewer: the panel is checked in both.
    const ops = await browser.newContext({ colorScheme: "light" });
    const view = await browser.newContext({ colorScheme: "dark" });
    try {
      const o = await signIn(ops, baseUrl, ws.id, ws.operator);
      const v = await signIn(view, baseUrl, ws.id, ws.viewer);
      await waitForConnection(o.page, "live");
      await waitForConnection(v.page, "live");
      expect(await o.page.textContent("#panel-anomalies .empty")).toContain("No open anomaly");

      await pushSamples(
        baseUrl,
        ws,
        points(300, 303, () => 500),
      );
      // Live: no reload, the frame draws the card with its sparkline, band and marked spike.
      for (const page of [o.page, v.page]) {
        await card(page).waitFor({ state: "visible", timeout: 10_000 });
        expect(await card(page).locator("svg.sparkline rect.chart-band").count()).toBe(1);
        expect(await card(page).locator("svg.sparkline circle.chart-mark").count()).toBeGreaterThan(
          0,
        );
        expect(await card(page).locator("svg.sparkline path.chart-line").count()).toBe(1);
        expect(await card(page).textContent()).toMatch(/score \d\.\d\d · api · opened/);
      }
      expect(await o.page.textContent("#panel-anomalies .count")).toBe("1");
      expect(await seriousViolations(o.page, "#panel-anomalies")).toEqual([]);
      expect(await seriousViolations(v.page, "#panel-anomalies")).toEqual([]);
      // A viewer is offered no action and no feedback form.
      expect(await card(v.page).locator("button").count()).toBe(0);
      expect(await card(v.page).locator(".feedback").count()).toBe(0);

      await card(o.page).getByRole("button", { name: "Acknowledge" }).click();
      await card(o.page).locator('.state:text("acknowledged")').waitFor({ timeout: 10_000 });
      await card(v.page).locator('.state:text("acknowledged")').waitFor({ timeout: 10_000 });

      await card(o.page).locator(".feedback summary").click();
      await card(o.page).getByLabel("No, a false positive", { exact: false }).check();
      await card(o.page).getByLabel("Note (optional)").fill("the nightly batch");
      await card(o.page).getByRole("button", { name: "Save feedback" }).click();
      await card(v.page)
        .locator('.meta:text("judged false positive by operator-e2e")')
        .waitFor({ timeout: 10_000 });
      const [stored] = (await api<{ anomalies: Anomaly[] }>(baseUrl, ws.id, ws.viewer, "anomaly"))
        .anomalies;
      expect(stored?.feedback).toMatchObject({
        verdict: "false_positive",
        note: "the nightly batch",
      });
      expectClean(o.problems);
      expectClean(v.problems);
    } finally {
      await ops.close();
      await view.close();
    }
  });

  it("saves a series' detection settings with an expected window; a viewer sees no form", async () => {
    const admin = await browser.newContext();
    const view = await browser.newContext();
    try {
      const a = await signIn(admin, baseUrl, ws.id, ws.admin);
      const metric = `${baseUrl}/w/${ws.id}/metrics/queue.depth`;
      await a.page.goto(metric);
      await a.page.fill("#det-sensitivity", "0.7");
      await a.page.click('#detection-form [data-action="row-add"]');
      const row = a.page.locator("#detection-form [data-row]").last();
      await row.getByLabel("Start", { exact: false }).fill("2026-12-24T00:00:00Z");
      await row.getByLabel("End").fill("2026-12-24T06:00:00Z");
      await row.getByLabel("Reason", { exact: false }).fill("load test");
      expect(await seriousViolations(a.page, "#anomalies")).toEqual([]);
      await Promise.all([
        a.page.waitForEvent("load"),
        a.page.click('#detection-form button[type="submit"]'),
      ]);
      const saved = await api<{ detection: SeriesDetection }>(
        baseUrl,
        ws.id,
        ws.viewer,
        "metrics/queue.depth/detection",
      );
      expect(saved.detection).toMatchObject({
        enabled: true,
        sensitivity: 0.7,
        expectedWindows: [{ start: "2026-12-24T00:00:00Z", reason: "load test" }],
      });
      // The series' precision from feedback (one false positive judged above) is shown.
      expect(await a.page.textContent("#anomalies")).toContain(
        "precision from feedback: 0% of 1 judged",
      );
      // Removing the window saves an empty list.
      await a.page.click('#detection-form [data-action="row-remove"]');
      await Promise.all([
        a.page.waitForEvent("load"),
        a.page.click('#detection-form button[type="submit"]'),
      ]);
      await eventually("the window to be removed", async () => {
        const d = await api<{ detection: SeriesDetection }>(
          baseUrl,
          ws.id,
          ws.viewer,
          "metrics/queue.depth/detection",
        );
        return d.detection.expectedWindows.length === 0 ? true : undefined;
      });
      expectClean(a.problems);

      const v = await signIn(view, baseUrl, ws.id, ws.viewer);
      await v.page.goto(metric);
      await v.page.locator("#anomalies").waitFor();
      expect(await v.page.locator("#detection-form").count()).toBe(0);
    } finally {
      await admin.close();
      await view.close();
    }
  });
});

const OPERATOR = "ui-anomalies-prometheus-operator";

describe.skipIf(!hasChromium || !PROMETHEUS_BIN)(
  "the Prometheus settings form, against a real Prometheus",
  () => {
    let browser: Browser;
    let server: LoopbackServer;
    let prom: PrometheusPeer;
    let ws: E2eWorkspace;

    beforeAll(async () => {
      server = await startLoopbackServer("ui-prometheus", OPERATOR);
      prom = await startPrometheus();
      browser = await launchBrowser();
      ws = await createWorkspace(server.url, OPERATOR, "e2e-promform");
      await eventually("Prometheus to scrape itself", async () => {
        const res = await fetch(`${prom.url}/api/v1/query?query=up`);
        const body = (await res.json()) as { data: { result: unknown[] } };
        return body.data.result.length > 0 ? true : undefined;
      });
    });
    afterAll(async () => {
      await browser?.close();
      await prom?.stop();
      await server?.stop();
    });

    it("saves endpoint and cards, and puts Prometheus's error text on the bad card's PromQL", async () => {
      const context = await browser.newContext();
      try {
        const { page, problems } = await signIn(context, server.url, ws.id, ws.admin);
        await page.goto(`${server.url}/w/${ws.id}/settings#prometheus`);
        const form = page.locator("#prometheus-form");
        await form.getByLabel("Base URL", { exact: false }).fill(prom.url);
        await form.locator('[data-action="row-add"]').click();
        const row = form.locator("[data-row]").last();
        await row.getByLabel("Id", { exact: false }).fill("up");
        await row.getByLabel("Label").fill("Targets up");
        await row.getByLabel("PromQL").fill("up");
        await row.getByLabel("Critical").fill("0.5");
        await row.getByLabel("Thresholds apply").selectOption("below");
        expect(await seriousViolations(page, "#prometheus")).toEqual([]);
        await Promise.all([
          page.waitForEvent("load"),
          form.locator('button[type="submit"]').click(),
        ]);
        const { integration: saved } = await api<{ integration: PrometheusIntegration }>(
          server.url,
          ws.id,
          ws.admin,
          "integrations/prometheus",
        );
        expect(saved).toMatchObject({
          enabled: true,
          baseUrl: prom.url,
          credentialSet: false,
          cards: [
            {
              id: "up",
              label: "Targets up",
              query: "up",
              thresholds: { direction: "below", critical: 0.5 },
            },
          ],
        });
        // The saved card comes back in the form; a second one with bad PromQL is refused.
        await expect(page.locator("#prometheus-form [data-row]").count()).resolves.toBe(1);
        await page.locator('#prometheus-form [data-action="row-add"]').click();
        const bad = page.locator("#prometheus-form [data-row]").last();
        await bad.getByLabel("Id", { exact: false }).fill("broken");
        await bad.getByLabel("Label").fill("Broken");
        await bad.getByLabel("PromQL").fill("rate(up[");
        await bad.getByLabel("Warning").fill("1");
        await page.locator('#prometheus-form button[type="submit"]').click();
        const error = bad.locator(".field-error");
        await error.waitFor({ timeout: 10_000 });
        expect(await error.textContent()).toContain("Prometheus says:");
        expect(await error.textContent()).toContain("parse error");
        expect(await bad.getByLabel("PromQL").getAttribute("aria-invalid")).toBe("true");
        const { integration: after } = await api<{ integration: PrometheusIntegration }>(
          server.url,
          ws.id,
          ws.admin,
          "integrations/prometheus",
        );
        expect(after.cards.map((c) => c.id)).toEqual(["up"]);
        expectClean(problems, [/status of 400/]);
      } finally {
        await context.close();
      }
    });
  },
);
