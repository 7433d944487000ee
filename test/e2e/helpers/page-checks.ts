import type { AxeResults } from "axe-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { BrowserContext, Page } from "playwright-core";

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

export type AxeFinding = { id: string; impact: string; help: string; targets: string[] };

/**
 * axe-core in the page, evaluated through the driver (the page's CSP forbids inline script,
 * and it should not be loosened for a test). Returns the serious and critical violations.
 */
export async function seriousViolations(page: Page, include?: string): Promise<AxeFinding[]> {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async (selector) => {
    const axe = Reflect.get(window, "axe") as {
      run: (c: unknown, o: unknown) => Promise<AxeResults>;
    };
    const context = selector ? { include: [selector] } : document;
    return axe.run(context, { resultTypes: ["violations"] });
  }, include);
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id,
      impact: v.impact ?? "",
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    }));
}

/**
 * Records layout shifts from the first paint on (Chrome's `layout-shift` entries). Input-caused
 * shifts (a click opening a dialog) are not counted, as the Cumulative Layout Shift metric does.
 */
export async function watchLayoutShifts(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const shifts: Array<{ at: number; value: number; nodes: string[] }> = [];
    Reflect.set(window, "__shifts", shifts);
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const shift = entry as PerformanceEntry & {
          value: number;
          hadRecentInput: boolean;
          sources?: Array<{ node?: Node }>;
        };
        if (shift.hadRecentInput) continue;
        const nodes = (shift.sources ?? []).map((s) =>
          s.node instanceof Element ? `${s.node.tagName}#${s.node.id}.${s.node.className}` : "?",
        );
        shifts.push({ at: entry.startTime, value: shift.value, nodes });
      }
    }).observe({ type: "layout-shift", buffered: true });
  });
}

/** Layout shift recorded after `since` (a `performance.now()` of the page). */
export async function layoutShiftSince(page: Page, since: number) {
  return page.evaluate((from) => {
    const shifts = Reflect.get(window, "__shifts") as Array<{
      at: number;
      value: number;
      nodes: string[];
    }>;
    const later = shifts.filter((s) => s.at >= from);
    return { total: later.reduce((sum, s) => sum + s.value, 0), shifts: later };
  }, since);
}
