import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM helper shared with npm start and the benchmarks; typed by its JSDoc.
import { freePort, startDevServer } from "../../scripts/lib/dev-server.mjs";
import { E2E_SECRETS_KEY } from "./global-setup";
import {
  artifactPath,
  createWorkspace,
  hasChromium,
  launchBrowser,
  signIn,
  waitForConnection,
} from "./helpers/browser";
import { pushMetrics } from "./helpers/ingest";

type DevServer = { url: string; stop: () => Promise<void> };

const OPERATOR = "e2e-restart-operator";
const cpu = (value: number) => ({ metric: "cpu", label: "CPU", unit: "%", value });

if (!hasChromium) console.warn("ui-restart e2e skipped: /usr/bin/chromium is missing");

/**
 * The local server stops and starts again on the same port and state (a deploy, a crash):
 * the open page notices, reconnects with backoff, resumes from its last seq and catches up on
 * what happened while it was away.
 */
describe.skipIf(!hasChromium)("a dashboard survives a restart of the server", () => {
  let browser: Browser;
  let persistTo: string;
  let port: number;
  let server: DevServer | undefined;
  const start = async (): Promise<DevServer> =>
    (server = (await startDevServer({
      port,
      persistTo,
      vars: { OPERATOR_TOKEN: OPERATOR, SECRETS_KEY: E2E_SECRETS_KEY, ENVIRONMENT: "development" },
    })) as DevServer);

  beforeAll(async () => {
    persistTo = mkdtempSync(path.join(tmpdir(), "opsdeck-restart-"));
    port = (await freePort()) as number;
    browser = await launchBrowser();
    await start();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  });

  it(
    "reconnects after the restart and catches up from its last seq",
    { timeout: 240_000 },
    async () => {
      const baseUrl = server!.url;
      const ws = await createWorkspace(baseUrl, OPERATOR, "e2e-restart");
      await pushMetrics(baseUrl, ws, [cpu(21)]);
      const context = await browser.newContext();
      try {
        const { page, problems } = await signIn(context, baseUrl, ws.id, ws.viewer);
        const sockets: string[] = [];
        page.on("websocket", (socket) => sockets.push(socket.url()));
        await waitForConnection(page, "live");
        const seqBefore = await page.evaluate(
          () =>
            (JSON.parse(document.getElementById("snapshot")!.textContent!) as { seq: number }).seq,
        );

        await server!.stop();
        await waitForConnection(page, "reconnecting", 15_000);
        // Not live: the numbers are dimmed, never shown as fresh.
        expect(await page.getAttribute("body", "data-connection")).toBe("reconnecting");
        await page.screenshot({ path: artifactPath("ui-restart-reconnecting.png") });

        // Hold the page off until the server has news it has not seen.
        let holdTickets = true;
        // Tickets and the polling reads alike: the page must learn it from the socket's resume.
        await context.route("**/api/**", (route) =>
          holdTickets ? route.abort() : route.fallback(),
        );
        await start();
        await pushMetrics(baseUrl, ws, [cpu(77)]);
        holdTickets = false;
        await page.evaluate(() => dispatchEvent(new Event("online")));

        await waitForConnection(page, "live", 60_000);
        await page.waitForFunction(
          () =>
            document.querySelector('#panel-metrics [data-id="cpu"] .value')?.textContent === "77%",
          undefined,
          { timeout: 10_000 },
        );
        const resumed = new URL(sockets.at(-1)!);
        expect(Number(resumed.searchParams.get("lastSeq"))).toBeGreaterThanOrEqual(seqBefore);
        expect(problems.errors).toEqual([]);
        expect(problems.csp).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );
});
