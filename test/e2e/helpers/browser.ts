import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";
import type { IssuedToken, MetricSample, Role } from "../../../schema";

/** Debian's package (`apt-get install chromium`); never a downloaded browser. */
export const CHROMIUM_PATH = process.env.OPSDECK_CHROMIUM ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM_PATH);

export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, "../../../test-results");

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}

/** Everything a page complained about: console errors, uncaught errors, CSP violations. */
export type PageProblems = { console: string[]; errors: string[]; csp: string[] };

/**
 * Records a page's problems from the moment it opens. CSP violations are caught in the page
 * by an init script (injected by the driver, so the page's own CSP does not apply to it).
 */
export async function watchPage(page: Page): Promise<PageProblems> {
  const problems: PageProblems = { console: [], errors: [], csp: [] };
  page.on("console", (message) => {
    if (message.type() === "error") problems.console.push(message.text());
  });
  page.on("pageerror", (error) => problems.errors.push(error.message));
  await page.exposeBinding("__opsdeckCsp", (_source, text: string) => problems.csp.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = Reflect.get(window, "__opsdeckCsp");
      if (typeof report === "function")
        report(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
    });
  });
  return problems;
}

async function expectOk(res: Response, what: string): Promise<unknown> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res.json();
}

export type E2eWorkspace = { id: string; admin: string; operator: string; viewer: string };

/** A fresh workspace through the public API, with one token per role. */
export async function createWorkspace(
  baseUrl: string,
  operatorToken: string,
  prefix = "e2e",
): Promise<E2eWorkspace> {
  const id = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  const created = (await expectOk(
    await fetch(`${baseUrl}/api/workspaces`, {
      method: "POST",
      headers: { Authorization: `Bearer ${operatorToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ id, name: `E2E ${id}` }),
    }),
    "create workspace",
  )) as { adminToken: IssuedToken };
  const admin = created.adminToken.token;
  const mint = async (role: Role) => {
    const body = (await expectOk(
      await fetch(`${baseUrl}/w/${id}/api/tokens`, {
        method: "POST",
        headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
        body: JSON.stringify({ name: `${role}-e2e`, role }),
      }),
      `mint ${role} token`,
    )) as { token: IssuedToken };
    return body.token.token;
  };
  return { id, admin, operator: await mint("operator"), viewer: await mint("viewer") };
}

export async function pushSamples(
  baseUrl: string,
  ws: E2eWorkspace,
  samples: MetricSample[],
): Promise<void> {
  await expectOk(
    await fetch(`${baseUrl}/w/${ws.id}/api/metrics/samples`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ws.operator}`, "Content-Type": "application/json" },
      body: JSON.stringify({ samples }),
    }),
    "push metric samples",
  );
}

/** Signs in the way a person does: the login form, then the redirect to the dashboard. */
export async function signIn(
  context: BrowserContext,
  baseUrl: string,
  workspace: string,
  token: string,
): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems = await watchPage(page);
  await page.goto(`${baseUrl}/w/${workspace}`);
  await page.waitForURL(`${baseUrl}/w/${workspace}/login`);
  await page.fill("#token", token);
  await Promise.all([
    page.waitForURL(`${baseUrl}/w/${workspace}`),
    page.click("button[type=submit]"),
  ]);
  return { page, problems };
}

/** Waits until the page's live client reports the given connection state. */
export async function waitForConnection(page: Page, state: string, timeout = 15_000) {
  await page.waitForSelector(`#connection .connection[data-state="${state}"]`, { timeout });
}

/**
 * A page that did nothing wrong: no uncaught error, no CSP violation, no console error except
 * the `expected` lines a test provokes on purpose (the browser logs every 4xx fetch).
 */
export function expectClean(problems: PageProblems, expected: RegExp[] = []) {
  expect(problems.errors, "uncaught page errors").toEqual([]);
  expect(problems.csp, "CSP violations").toEqual([]);
  const unexpected = problems.console.filter((line) => !expected.some((e) => e.test(line)));
  expect(unexpected, "console errors").toEqual([]);
}

/** Opens the `details.menu` inside `scope` (unless open) and returns its entry `label`. */
export async function menuItem(page: Page, scope: string, label: string) {
  if ((await page.locator(`${scope} details.menu[open]`).count()) === 0)
    await page.click(`${scope} details.menu > summary`);
  const item = page.locator(`${scope} details.menu[open] .menu-list`).getByText(label, {
    exact: true,
  });
  await item.waitFor({ state: "visible", timeout: 5_000 });
  return item;
}
