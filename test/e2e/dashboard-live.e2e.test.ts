import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SourceId } from "../../schema/sources";
import type { Browser, Page } from "playwright-core";
import {
  artifactPath,
  createWorkspace,
  expectClean,
  hasChromium,
  launchBrowser,
  pushSamples,
  signIn,
  waitForConnection,
  type E2eWorkspace,
} from "./helpers/browser";

const baseUrl = inject("baseUrl");
const operatorToken = inject("operatorToken");
const PANELS = [
  "sources",
  "metrics",
  "alerts",
  "anomalies",
  "incidents",
  "deployments",
  "pipelines",
  "awsServices",
  "web3Networks",
  "security",
  "activity",
];
/** Issue 2: a change through the API shows on an open page within about two seconds. */
const LIVE_WITHIN_MS = 2_000;

const cpu = (value: number) => ({ metric: "cpu", label: "CPU", unit: "%", value });

function metricValue(page: Page, id: string) {
  return page.locator(`#panel-metrics [data-id="${id}"] .value`);
}

/** Resolves with the milliseconds until the page shows `text` for the metric. */
async function timeUntilShown(page: Page, id: string, text: string, since: number) {
  await page.waitForFunction(
    ([selector, expected]) => document.querySelector(selector!)?.textContent === expected,
    [`#panel-metrics [data-id="${id}"] .value`, text] as const,
    { timeout: LIVE_WITHIN_MS + 3_000, polling: 20 },
  );
  return Date.now() - since;
}

if (!hasChromium) {
  console.warn(
    "dashboard-live e2e skipped: /usr/bin/chromium is missing (apt-get install chromium)",
  );
}

describe.skipIf(!hasChromium)("live dashboard in a real browser", () => {
  let browser: Browser;
  let ws: E2eWorkspace;

  beforeAll(async () => {
    browser = await launchBrowser();
    ws = await createWorkspace(baseUrl, operatorToken, "e2e-live");
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows every panel, then changes live in two browsers when metrics arrive", async () => {
    const first = await browser.newContext();
    const second = await browser.newContext();
    try {
      const a = await signIn(first, baseUrl, ws.id, ws.viewer);
      const b = await signIn(second, baseUrl, ws.id, ws.admin);
      for (const panel of PANELS)
        await expect(a.page.isVisible(`#panel-${panel}`)).resolves.toBe(true);
      expect(await a.page.textContent("#panel-metrics .empty")).toContain(
        "No source has produced metrics yet",
      );
      // One entry per source the strip knows (schema/sources.ts), configured or not.
      expect(await a.page.locator("#panel-sources li").count()).toBe(SourceId.options.length);
      expect(await a.page.textContent("header.topbar")).toContain("viewer-e2e (viewer)");
      await waitForConnection(a.page, "live");
      await waitForConnection(b.page, "live");

      // Any DOM change outside the metrics panel during a metrics update would be a redraw
      // of a panel that did not change.
      await a.page.evaluate(() => {
        const counter = { mutations: 0 };
        Reflect.set(window, "__otherPanelMutations", counter);
        const observer = new MutationObserver((records) => (counter.mutations += records.length));
        for (const section of document.querySelectorAll("section.panel:not(#panel-metrics)"))
          observer.observe(section, {
            subtree: true,
            childList: true,
            characterData: true,
            attributes: true,
          });
      });

      const sent = Date.now();
      await pushSamples(baseUrl, ws, [cpu(42)]);
      const [latencyA, latencyB] = await Promise.all([
        timeUntilShown(a.page, "cpu", "42%", sent),
        timeUntilShown(b.page, "cpu", "42%", sent),
      ]);
      console.log(`live update: page A ${latencyA} ms, page B ${latencyB} ms after the POST`);
      expect(latencyA).toBeLessThan(LIVE_WITHIN_MS);
      expect(latencyB).toBeLessThan(LIVE_WITHIN_MS);
      expect(await a.page.textContent('#panel-metrics [data-id="cpu"] .meta')).toMatch(
        /api · updated (just now|\d+ s ago)/,
      );

      const again = Date.now();
      await pushSamples(baseUrl, ws, [cpu(57)]);
      expect(await timeUntilShown(a.page, "cpu", "57%", again)).toBeLessThan(LIVE_WITHIN_MS);
      expect(await timeUntilShown(b.page, "cpu", "57%", again)).toBeLessThan(LIVE_WITHIN_MS);
      expect(await a.page.textContent('#panel-metrics [data-id="cpu"] .change')).toContain(
        "+35.71%",
      );
      expect(await a.page.textContent("#panel-metrics .count")).toBe("1");
      expect(
        await a.page.evaluate(() => Reflect.get(window, "__otherPanelMutations").mutations),
      ).toBe(0);

      await a.page.screenshot({ path: artifactPath("dashboard-live.png"), fullPage: true });
      expectClean(a.problems);
      expectClean(b.problems);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("reconnects after the socket drops and resumes from its last seq", async () => {
    const context = await browser.newContext();
    try {
      const socketUrls: string[] = [];
      let blockTickets = false;
      let dropSocket: (() => Promise<void>) | undefined;
      await context.routeWebSocket(/\/ws\?/, (route) => {
        socketUrls.push(route.url());
        route.connectToServer();
        dropSocket = () => route.close({ code: 1012, reason: "service restart" });
      });
      await context.route("**/api/ws-ticket", (route) =>
        blockTickets ? route.abort() : route.fallback(),
      );
      const { page } = await signIn(context, baseUrl, ws.id, ws.viewer);
      await waitForConnection(page, "live");
      await pushSamples(baseUrl, ws, [cpu(61)]);
      await expect(timeUntilShown(page, "cpu", "61%", Date.now())).resolves.toBeLessThan(
        LIVE_WITHIN_MS,
      );
      const seqBeforeDrop = await page.evaluate(
        () =>
          (JSON.parse(document.getElementById("snapshot")!.textContent!) as { seq: number }).seq,
      );

      blockTickets = true;
      await dropSocket!();
      await waitForConnection(page, "reconnecting", 5_000);
      await pushSamples(baseUrl, ws, [cpu(64)]);
      expect(await metricValue(page, "cpu").textContent()).toBe("61%");

      blockTickets = false;
      await page.evaluate(() => dispatchEvent(new Event("online")));
      await waitForConnection(page, "live", 35_000);
      await expect(timeUntilShown(page, "cpu", "64%", Date.now())).resolves.toBeLessThan(
        LIVE_WITHIN_MS,
      );
      const resumedFrom = Number(new URL(socketUrls.at(-1)!).searchParams.get("lastSeq"));
      expect(resumedFrom).toBeGreaterThan(seqBeforeDrop);
      expect(socketUrls.length).toBeGreaterThanOrEqual(2);
    } finally {
      await context.close();
    }
  });

  it("polls the read API while the socket cannot connect, marks that, then goes live again", async () => {
    const context = await browser.newContext();
    try {
      let blockTickets = true;
      const socketUrls: string[] = [];
      await context.route("**/api/ws-ticket", (route) =>
        blockTickets ? route.abort() : route.fallback(),
      );
      const { page } = await signIn(context, baseUrl, ws.id, ws.viewer);
      page.on("websocket", (socket) => socketUrls.push(socket.url()));
      await pushSamples(baseUrl, ws, [
        cpu(33),
        { metric: "mem", label: "Memory", unit: "%", value: 50 },
      ]);
      await waitForConnection(page, "offline", 20_000);
      await page.waitForSelector('#panel-metrics [data-id="mem"]', { timeout: 10_000 });
      expect(await metricValue(page, "cpu").textContent()).toBe("33%");
      expect(await page.textContent("#panel-metrics .polled")).toMatch(/polled/);
      expect(await page.textContent("#connection")).toMatch(
        /offline · showing data polled every 15 s/,
      );

      blockTickets = false;
      await page.evaluate(() => dispatchEvent(new Event("online")));
      await waitForConnection(page, "live", 35_000);
      // Back on the socket from a fresh snapshot: no panel is marked polled any more.
      await page.waitForSelector(".polled", { state: "detached", timeout: 5_000 });
      expect(new URL(socketUrls.at(-1)!).searchParams.has("lastSeq")).toBe(false);
    } finally {
      await context.close();
    }
  });

  it("shows hostile labels as text, live and server-rendered: no dialog, no injected element", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await signIn(context, baseUrl, ws.id, ws.viewer);
      const dialogs: string[] = [];
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await waitForConnection(page, "live");
      const hostile = ['<script>alert("XSS")</script>', '"><img src=x onerror=alert(1)>'];
      await pushSamples(baseUrl, ws, [
        { metric: "xss_script", label: hostile[0], value: 1 },
        { metric: "xss_attr", label: hostile[1], unit: '"><b>u', value: 2 },
      ]);
      const labels = page.locator('#panel-metrics [data-id^="xss_"] .label');
      await expect
        .poll(() => labels.allTextContents(), { timeout: 5_000 })
        .toEqual([...hostile].sort((x, y) => x.localeCompare(y)));
      await page.reload();
      expect((await labels.allTextContents()).sort()).toEqual([...hostile].sort());
      expect(
        await page.locator("#panel-metrics img, #panel-metrics b, #panel-metrics script").count(),
      ).toBe(0);
      const served = await (await context.request.get(`${baseUrl}/w/${ws.id}`)).text();
      expect(served).not.toContain("<script>alert");
      expect(served).not.toContain("<img src=x");
      expect(dialogs).toEqual([]);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("reads without JavaScript: the server-rendered page shows the panels", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const { page } = await signIn(context, baseUrl, ws.id, ws.viewer);
      for (const panel of PANELS)
        await expect(page.isVisible(`#panel-${panel}`)).resolves.toBe(true);
      expect(await page.getAttribute("#connection .connection", "data-state")).toBe("static");
      expect(await metricValue(page, "cpu").textContent()).toMatch(/^\d+%$/);
    } finally {
      await context.close();
    }
  });

  it("signs out: the session ends and the page asks for a token again", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await signIn(context, baseUrl, ws.id, ws.viewer);
      await waitForConnection(page, "live");
      await page.click("details.user > summary");
      await Promise.all([
        page.waitForURL(`${baseUrl}/w/${ws.id}/login`),
        page.click("form.logout button"),
      ]);
      await page.goto(`${baseUrl}/w/${ws.id}`);
      expect(page.url()).toBe(`${baseUrl}/w/${ws.id}/login`);
      const api = await context.request.get(`${baseUrl}/w/${ws.id}/api/alerts`);
      expect(api.status()).toBe(401);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });
});
