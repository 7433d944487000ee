import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusResponse, type SourceStatus } from "../../schema";
import { startAnvil, type Anvil } from "../peers/anvil";
import {
  createWorkspace,
  expectClean,
  hasChromium,
  launchBrowser,
  signIn,
  waitForConnection,
  type E2eWorkspace,
} from "./helpers/browser";
import { startLoopbackServer, type LoopbackServer } from "./helpers/loopback-server";

const OPERATOR = "e2e-web3-source-operator";
const STRIP = '#panel-sources li[data-id="web3"]';

if (!hasChromium) console.warn("ui-web3-source e2e skipped: /usr/bin/chromium is missing");

/**
 * The Web3 source on the dashboard's first paint, against a real anvil: `live` while the node
 * answers, and once it is stopped and the collector runs again, `stale` (the collector keeps
 * the last success and says why; `error` is only for a source that never succeeded, see
 * durable-objects/collection/runner.ts). The first paint is read with JavaScript off, so what is
 * checked is the server's HTML and not the live client's redraw; a page with JavaScript then
 * shows the same after its socket's snapshot.
 */
describe.skipIf(!hasChromium)("Web3 source state on first paint, on a real anvil", () => {
  let browser: Browser;
  let server: LoopbackServer;
  let anvil: Anvil;
  let anvilRunning = false;
  let ws: E2eWorkspace;
  let liveSince: string | undefined;

  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${server.url}/w/${ws.id}/api/${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    });

  async function web3Source(): Promise<SourceStatus> {
    const res = await api("status", ws.viewer);
    if (!res.ok) throw new Error(`api/status: ${res.status}`);
    const found = StatusResponse.parse(await res.json()).sources.find((s) => s.id === "web3");
    if (!found) throw new Error("api/status lists no web3 source");
    return found;
  }

  /** Runs the collectors (the Refresh action) until the web3 source leaves `from`. */
  async function refreshUntilNot(from: SourceStatus["status"]): Promise<SourceStatus> {
    for (let i = 0; i < 60; i++) {
      const res = await api("refresh", ws.operator, { method: "POST" });
      if (!res.ok) throw new Error(`refresh: ${res.status} ${await res.text()}`);
      const source = await web3Source();
      if (source.status !== from) return source;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the web3 source stayed ${from}`);
  }

  /** A fresh server render, as a browser without JavaScript gets it. */
  async function firstPaint(context: BrowserContext): Promise<Page> {
    const { page, problems } = await signIn(context, server.url, ws.id, ws.viewer);
    // No script ran: the page is the server's snapshot as of load, never a client redraw.
    expect(await page.getAttribute("#connection .connection", "data-state")).toBe("static");
    expectClean(problems);
    return page;
  }

  beforeAll(async () => {
    anvil = await startAnvil({ blockTime: 1 });
    anvilRunning = true;
    // A server of its own: a loopback RPC URL must be allowed (ALLOW_LOOPBACK_URLS).
    server = await startLoopbackServer("web3-source", OPERATOR);
    browser = await launchBrowser();
    ws = await createWorkspace(server.url, OPERATOR, "e2e-w3src");
    const added = await api("integrations/networks", ws.admin, {
      method: "POST",
      body: JSON.stringify({
        id: "local",
        name: "Local anvil",
        chainId: anvil.chainId,
        rpcUrl: anvil.url,
      }),
    });
    if (added.status !== 201) throw new Error(`add network: ${added.status} ${await added.text()}`);
    // Adding a network starts a collection at once; Refresh only hurries a slow one along.
    const source = await refreshUntilNot("pending");
    expect(source.status).toBe("live");
    liveSince = source.lastSuccessAt;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (anvilRunning) await anvil.stop();
  });

  it("a fresh workspace with a network on a running anvil paints Web3 as live", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await firstPaint(context);
      expect(await page.getAttribute(STRIP, "data-state")).toBe("live");
      expect(await page.textContent(STRIP)).toMatch(/Web3 RPC\s+live · reported/);
      expect(await page.textContent(STRIP)).not.toContain("not configured");
    } finally {
      await context.close();
    }
  });

  it("after anvil stops and the collector runs again, a fresh first paint shows stale", async () => {
    await anvil.stop();
    anvilRunning = false;
    const failing = await refreshUntilNot("live");
    // A failure after a success keeps the last success: stale with the reason, not error.
    expect(failing).toMatchObject({ status: "stale", lastSuccessAt: liveSince });
    expect(failing.lastError).toBeTruthy();

    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await firstPaint(context);
      expect(await page.getAttribute(STRIP, "data-state")).toBe("stale");
      const words = (await page.textContent(STRIP)) ?? "";
      expect(words).toMatch(/Web3 RPC\s+stale · last success/);
      // The reason is on screen too.
      expect(words).toContain(failing.lastError!.slice(0, 40));
      expect(words).not.toMatch(/live ·|not configured/);
    } finally {
      await context.close();
    }

    // With JavaScript, the client redraws from its socket's snapshot: still stale.
    const live = await browser.newContext();
    try {
      const { page, problems } = await signIn(live, server.url, ws.id, ws.viewer);
      await waitForConnection(page, "live");
      expect(await page.getAttribute(STRIP, "data-state")).toBe("stale");
      expect(await page.textContent(STRIP)).toMatch(/stale · last success/);
      expectClean(problems);
    } finally {
      await live.close();
    }
  });
});
