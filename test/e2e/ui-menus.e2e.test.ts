import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createWorkspace,
  expectClean,
  hasChromium,
  launchBrowser,
  menuItem,
  signIn,
  waitForConnection,
  type E2eWorkspace,
} from "./helpers/browser";
import { seedTypical } from "./helpers/ingest";

const baseUrl = inject("baseUrl");
const operatorToken = inject("operatorToken");

/** Clicks a download entry and returns the file's name and text. */
async function download(context: BrowserContext, page: Page, scope: string, label: string) {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    (await menuItem(page, scope, label)).click(),
  ]);
  const text = await (await context.request.get(file.url())).text();
  return { name: file.suggestedFilename(), text };
}

if (!hasChromium) console.warn("ui-menus e2e skipped: /usr/bin/chromium is missing");

/**
 * The menus the contract lists, entry by entry, against data that came in through the real
 * ingestion paths: each entry leads to something real (a dialog with content, a file, a
 * changed chart) or says plainly why it cannot.
 */
describe.skipIf(!hasChromium)("every menu entry does what it says (issue 5)", () => {
  let browser: Browser;
  let ws: E2eWorkspace;

  beforeAll(async () => {
    browser = await launchBrowser();
    ws = await createWorkspace(baseUrl, operatorToken, "e2e-menus");
    await seedTypical(baseUrl, ws);
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function session(
    token: string,
    run: (page: Page, context: BrowserContext) => Promise<void>,
    expected: RegExp[] = [],
  ) {
    const context = await browser.newContext({ acceptDownloads: true });
    try {
      const { page, problems } = await signIn(context, baseUrl, ws.id, token);
      await waitForConnection(page, "live");
      await run(page, context);
      expectClean(problems, expected);
    } finally {
      await context.close();
    }
  }

  it("chart menu: full screen, another range, SVG and CSV export, configure", async () => {
    await session(ws.operator, async (page, context) => {
      const figure = page.locator("#panel-charts figure[data-metric]").first();
      const metric = (await figure.getAttribute("data-metric"))!;
      const scope = `#chart-${metric.replaceAll(".", "\\.")} figcaption`;

      await (await menuItem(page, scope, "View Full Screen")).click();
      await page.waitForFunction((id) => document.fullscreenElement?.id === id, `chart-${metric}`);
      await page.evaluate(() => document.exitFullscreen());

      await page.click(`${scope} details.menu > summary`);
      await page.locator(`${scope} details.menu[open] .menu-list`).getByText("24h").click();
      await page.waitForFunction(
        (id) => document.getElementById(id)?.dataset.range === "24h",
        `chart-${metric}`,
      );
      await expect.poll(() => figure.locator(".range").textContent()).toBe("last 24 h");

      const svg = await download(context, page, scope, "Export SVG");
      expect(svg.name).toMatch(/\.svg$/);
      expect(svg.text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg.text).toContain("<path");
      const csv = await download(context, page, scope, "Export CSV");
      expect(csv.name).toBe(`${metric}-24h.csv`);
      const lines = csv.text.trim().split("\r\n");
      expect(lines[0]).toBe("timestamp,value");
      expect(lines.length).toBeGreaterThan(2);
      expect(Number(lines[1]!.split(",")[1])).not.toBeNaN();

      // Configure: chart only one metric; the overview follows.
      const before = await page.locator("#panel-charts figure[data-metric]").count();
      expect(before).toBeGreaterThan(1);
      await (await menuItem(page, scope, "Configure…")).click();
      await page.waitForSelector("#modal[open] form input[name=metric]");
      const boxes = page.locator("#modal form input[name=metric]");
      for (let i = 0; i < (await boxes.count()); i++) {
        const box = boxes.nth(i);
        if ((await box.getAttribute("value")) === metric) await box.check();
        else await box.uncheck();
      }
      await Promise.all([page.waitForURL(/\/w\//), page.click("#modal form button[type=submit]")]);
      await waitForConnection(page, "live");
      await expect.poll(() => page.locator("#panel-charts figure[data-metric]").count()).toBe(1);
      expect(
        await page.locator("#panel-charts figure[data-metric]").first().getAttribute("data-metric"),
      ).toBe(metric);
    });
  });

  it("filter bar: one range for every chart and change; Refresh says what ran", async () => {
    await session(ws.operator, async (page) => {
      await page.click(".filters a[data-range='7d']");
      await page.waitForFunction(() =>
        [...document.querySelectorAll<HTMLElement>("#panel-charts figure[data-metric]")].every(
          (f) => f.dataset.range === "7d",
        ),
      );
      expect(await page.getAttribute(".filters a[data-range='7d']", "aria-current")).toBe("true");
      await page.click(".filters form.action button[type=submit]");
      await page.waitForSelector("#toasts .toast:text('Collectors ran.')");
    });
  });

  it("bell: unread alerts open their dialog; Mark all read empties the count", async () => {
    await session(ws.operator, async (page) => {
      const count = Number(await page.textContent("#bell .bell-count"));
      expect(count).toBeGreaterThan(0);
      await page.click("#bell details.menu > summary");
      const first = page.locator("#bell .menu-list a[data-modal]").first();
      const title = (await first.textContent())!.trim();
      await first.click();
      await page.waitForSelector("#modal[open] #detail-title");
      expect(await page.textContent("#modal #detail-title")).toContain(title.slice(0, 20));
      await page.keyboard.press("Escape");
      await page.click("#bell details.menu > summary");
      await page.click("#bell button[data-action=mark-read]");
      await expect.poll(async () => Number(await page.textContent("#bell .bell-count"))).toBe(0);
    });
  });

  it("metric View Details: the history chart and its statistics", async () => {
    await session(ws.viewer, async (page) => {
      const card = "#panel-metrics [data-id] .card-head";
      await (await menuItem(page, card, "View Details")).click();
      await page.waitForSelector("#modal[open] svg");
      const text = (await page.textContent("#modal-body")) ?? "";
      for (const stat of ["last", "average", "min", "max", "p95", "points"])
        expect(text).toContain(stat);
      expect(await page.locator("#modal .stats li").count()).toBe(6);
    });
  });

  it("AWS and deployments say plainly what is not configured, instead of inventing data", async () => {
    await session(
      ws.admin,
      async (page) => {
        await (await menuItem(page, "#panel-awsServices .panel-head", "View All Services")).click();
        await page.waitForSelector("#modal[open] #detail-title");
        expect(await page.textContent("#modal-body")).toMatch(/No AWS service has been reported/);
        expect(await page.getAttribute("#modal-body a:text('Set up AWS')", "href")).toMatch(
          /settings/,
        );
        await page.keyboard.press("Escape");
        const add = await menuItem(page, "#panel-awsServices .panel-head", "Add Service");
        expect(await add.getAttribute("href")).toMatch(/settings.*aws/);

        // Deployments here came by webhook only: logs need the GitHub token, and the detail
        // page's log section says so instead of showing nothing.
        const row = "#panel-deployments tr[data-id]";
        expect(await (await menuItem(page, row, "Set up GitHub…")).getAttribute("href")).toMatch(
          /settings#github$/,
        );
        await page.keyboard.press("Escape");
        await (await menuItem(page, row, "View Details")).click();
        await page.waitForSelector("#modal[open] #logs .logs .error");
        expect(await page.textContent("#modal #logs .logs")).toMatch(
          /Could not load the log: .*GitHub/,
        );
        await page.waitForSelector("#modal[open] #detail-title");
        expect(await page.textContent("#modal-body")).toMatch(/production|staging/);
      },
      [/status of 409/],
    );
  });
});
