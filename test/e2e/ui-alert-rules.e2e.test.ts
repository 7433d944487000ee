import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AlertRule } from "../../schema";
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
const METRIC = "latency.p99";
const p99 = (value: number) => ({ metric: METRIC, label: "Checkout p99", unit: "ms", value });
const card = `#panel-metrics [data-id="${METRIC}"]`;

async function menuLabels(page: Page, scope: string): Promise<string[]> {
  await page.click(`${scope} details.menu > summary`);
  const labels = await page.locator(`${scope} details.menu[open] .menu-list li`).allTextContents();
  await page.keyboard.press("Escape");
  return labels.map((l) => l.trim());
}

if (!hasChromium) console.warn("ui-alert-rules e2e skipped: /usr/bin/chromium is missing");

describe.skipIf(!hasChromium)("Set Alert on any metric, in a real browser", () => {
  let browser: Browser;
  let ws: E2eWorkspace;

  beforeAll(async () => {
    browser = await launchBrowser();
    ws = await createWorkspace(baseUrl, operatorToken, "e2e-rules");
    await pushSamples(baseUrl, ws, [p99(120)]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("an operator sets a rule from the card menu; a crossing shows as an alert and on the card, live", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await signIn(context, baseUrl, ws.id, ws.operator);
      await waitForConnection(page, "live");
      expect(await page.getAttribute(card, "data-status")).toBe("healthy");

      await page.click(`${card} details.menu > summary`);
      await page
        .locator(`${card} details.menu[open] .menu-list`)
        .getByText("Set Alert", { exact: true })
        .click();
      await page.waitForSelector("#modal[open] #set-alert #alert-rule-form");
      expect(await page.textContent("#modal #set-alert")).toContain(
        "No alert rule watches this metric.",
      );
      await page.selectOption("#modal #rule-comparator", "gt");
      await page.fill("#modal #rule-value", "250");
      await page.selectOption("#modal #rule-severity", "critical");
      await page.fill("#modal #rule-name", "Checkout <b>slow</b>");
      await page.click("#modal #alert-rule-form button[type=submit]");
      await page.waitForSelector("#toasts .toast:text('Alert rule created.')");
      // The dialog redraws with the new rule listed, without a page reload.
      await page.waitForSelector("#modal[open] #set-alert table.alert-rules tbody tr");
      expect(await page.textContent("#modal #set-alert table.alert-rules")).toContain(
        "Checkout <b>slow</b>",
      );
      expect(await page.textContent("#modal #set-alert table.alert-rules")).toContain("> 250 ms");

      await page.screenshot({ path: artifactPath("ui-alert-rules-dialog.png") });
      const res = await fetch(`${baseUrl}/w/${ws.id}/api/alert-rules?metric=${METRIC}`, {
        headers: { Authorization: `Bearer ${ws.viewer}` },
      });
      const { rules } = (await res.json()) as { rules: AlertRule[] };
      expect(rules).toMatchObject([
        { metric: METRIC, comparator: "gt", value: 250, severity: "critical" },
      ]);
      await page.click("#modal [data-action=close-modal]");

      // A sample over the rule, through the real push path: the alert and card change live.
      await pushSamples(baseUrl, ws, [p99(480)]);
      await page.waitForSelector(`#panel-alerts .title:text("Checkout <b>slow</b>")`, {
        timeout: 5_000,
      });
      await page.waitForSelector(`${card}[data-status="critical"]`, { timeout: 5_000 });
      await page.screenshot({ path: artifactPath("ui-alert-rules.png"), fullPage: true });

      // Back on the good side: the card is healthy again.
      await pushSamples(baseUrl, ws, [p99(90)]);
      await page.waitForSelector(`${card}[data-status="healthy"]`, { timeout: 5_000 });
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("a viewer is not offered Set Alert, and sees the rules read-only in settings", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await signIn(context, baseUrl, ws.id, ws.viewer);
      await waitForConnection(page, "live");
      const labels = await menuLabels(page, card);
      expect(labels).toContain("View Details");
      expect(labels).not.toContain("Set Alert");
      await page.goto(`${baseUrl}/w/${ws.id}/settings`);
      expect(await page.textContent("#alert-rules")).toContain(METRIC);
      expect(await page.locator("#alert-rules form").count()).toBe(0);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });
});
