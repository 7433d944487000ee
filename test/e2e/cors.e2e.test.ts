import { createServer, type Server } from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM helper shared with npm start and the benchmarks; typed by its JSDoc.
import { freePort } from "../../scripts/lib/dev-server.mjs";
import { createWorkspace, hasChromium, launchBrowser, type E2eWorkspace } from "./helpers/browser";
import { startLoopbackServer, type LoopbackServer } from "./helpers/loopback-server";

const OPERATOR = "e2e-cors-operator";

/** What the client page found: each step's outcome, as plain JSON. */
type ClientResult = {
  alerts: { status: number; alerts: number } | { failed: string };
  credentialed: { status: number } | { failed: string };
  ticket: { status: number } | { failed: string } | { given: true };
  socket: { snapshotOf: string } | { failed: string };
};

/**
 * The third-party client: a page whose own script calls the Opsdeck API with a bearer token,
 * then gets a ticket and opens the live socket, as the README's "Cross-origin clients" shows.
 * Config comes in the fragment (never sent to any server): api, ws, token, and optionally a
 * ticket to use instead of asking for one.
 */
const CLIENT_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>cross-origin client</title></head><body>
<script>
const params = new URLSearchParams(location.hash.slice(1));
const api = params.get("api"), ws = params.get("ws"), token = params.get("token");
const auth = { Authorization: "Bearer " + token };
const failed = (error) => ({ failed: String(error && error.message || error) });
async function run() {
  const result = {};
  try {
    const res = await fetch(api + "/w/" + ws + "/api/alerts", { headers: auth });
    result.alerts = { status: res.status, alerts: (await res.json()).alerts.length };
  } catch (error) { result.alerts = failed(error); }
  try {
    // A cookie-carrying request is never allowed cross-origin (no Allow-Credentials).
    const res = await fetch(api + "/w/" + ws + "/api/alerts", { headers: auth, credentials: "include" });
    result.credentialed = { status: res.status };
  } catch (error) { result.credentialed = failed(error); }
  let ticket = params.get("ticket");
  if (ticket) result.ticket = { given: true };
  else {
    try {
      const res = await fetch(api + "/w/" + ws + "/api/ws-ticket", { method: "POST", headers: auth });
      result.ticket = { status: res.status };
      ticket = (await res.json()).ticket;
    } catch (error) { result.ticket = failed(error); }
  }
  result.socket = await new Promise((resolve) => {
    if (!ticket) return resolve({ failed: "no ticket" });
    const socket = new WebSocket(api.replace(/^http/, "ws") + "/w/" + ws + "/ws?ticket=" + encodeURIComponent(ticket));
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type !== "snapshot") return;
      resolve({ snapshotOf: frame.payload.workspace.id });
      socket.close(1000, "done");
    };
    socket.onerror = () => resolve({ failed: "socket error" });
    socket.onclose = (event) => resolve({ failed: "closed " + event.code });
  });
  window.__result = result;
}
run();
</script></body></html>`;

function serveClientPage(port: number): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(CLIENT_PAGE);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

if (!hasChromium) console.warn("cors e2e skipped: /usr/bin/chromium is missing");

/**
 * A real browser on a second local origin (another loopback port) uses the API and the socket
 * of a workspace that lists it; a page on a third origin that is not listed gets neither. A
 * server of its own: loopback http origins may only be listed where ALLOW_LOOPBACK_URLS=true.
 */
describe.skipIf(!hasChromium)("cross-origin clients in a real browser", () => {
  let browser: Browser;
  let server: LoopbackServer;
  let ws: E2eWorkspace;
  const pages: Server[] = [];
  let allowedOrigin: string;
  let otherOrigin: string;

  beforeAll(async () => {
    server = await startLoopbackServer("cors", OPERATOR);
    for (const port of [(await freePort()) as number, (await freePort()) as number])
      pages.push(await serveClientPage(port));
    const portOf = (s: Server) => (s.address() as { port: number }).port;
    allowedOrigin = `http://127.0.0.1:${portOf(pages[0]!)}`;
    otherOrigin = `http://127.0.0.1:${portOf(pages[1]!)}`;
    browser = await launchBrowser();
    ws = await createWorkspace(server.url, OPERATOR, "e2e-cors");
    const res = await fetch(`${server.url}/w/${ws.id}/api/allowed-origins`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${ws.admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ origins: [allowedOrigin] }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    for (const page of pages) await new Promise((resolve) => page.close(resolve));
    await server?.stop();
  });

  async function runClient(origin: string, extra: Record<string, string> = {}) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const hash = new URLSearchParams({ api: server.url, ws: ws.id, token: ws.viewer, ...extra });
      await page.goto(`${origin}/client.html#${hash}`);
      await page.waitForFunction(() => Reflect.get(window, "__result") !== undefined, undefined, {
        timeout: 20_000,
      });
      return (await page.evaluate(() => Reflect.get(window, "__result"))) as ClientResult;
    } finally {
      await context.close();
    }
  }

  it("a listed origin reads the API with a bearer token and opens the socket with a ticket", async () => {
    const result = await runClient(allowedOrigin);
    expect(result.alerts).toEqual({ status: 200, alerts: 0 });
    expect(result.ticket).toEqual({ status: 200 });
    expect(result.socket).toEqual({ snapshotOf: ws.id });
    // With credentials: "include" the browser itself refuses: Allow-Credentials is never sent.
    expect(result.credentialed).toMatchObject({ failed: expect.any(String) });
  });

  it("an origin that is not listed gets neither the API nor the socket, even with a ticket", async () => {
    const issued = await fetch(`${server.url}/w/${ws.id}/api/ws-ticket`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ws.viewer}` },
    });
    const { ticket } = (await issued.json()) as { ticket: string };
    const result = await runClient(otherOrigin, { ticket });
    expect(result.alerts).toMatchObject({ failed: expect.any(String) });
    expect(result.credentialed).toMatchObject({ failed: expect.any(String) });
    expect(result.socket).toMatchObject({ failed: expect.any(String) });
    // The preflight it got was a refusal without CORS headers.
    const preflight = await fetch(`${server.url}/w/${ws.id}/api/alerts`, {
      method: "OPTIONS",
      headers: { Origin: otherOrigin, "Access-Control-Request-Method": "GET" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});
