import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsMetricId, type AwsService, type Metric } from "../../schema";
import { startAwsStandin } from "../peers/aws-standin";
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

const OPERATOR = "e2e-aws-operator";
const REGION = "us-east-1";
const CARD = `#panel-awsServices li[data-id="ec2.${REGION}"]`;

async function json<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

if (!hasChromium) console.warn("ui-aws e2e skipped: /usr/bin/chromium is missing");

/**
 * The AWS service card's dialog end to end: the collector reads the AWS stand-in (EC2 and
 * CloudWatch answered from AWS's documented examples, SigV4 checked), and the dialog opened
 * from the dashboard charts the series the collector wrote for that card (`awsMetricId`), with
 * points. A server of its own, since the stand-in's loopback endpoints must be allowed.
 */
describe.skipIf(!hasChromium)("AWS service dialog in a real browser, on the AWS stand-in", () => {
  let browser: Browser;
  let server: LoopbackServer;
  let standin: { url: string; stop: () => Promise<void> };
  let ws: E2eWorkspace;
  const api = <T>(path: string, token: string, init: RequestInit = {}) =>
    fetch(`${server.url}/w/${ws.id}/api/${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    }).then((res) => json<T>(res, path));

  beforeAll(async () => {
    standin = await startAwsStandin();
    server = await startLoopbackServer("aws", OPERATOR);
    browser = await launchBrowser();
    ws = await createWorkspace(server.url, OPERATOR, "e2e-aws");
    const key = {
      accessKeyId: `AKIA${crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase()}`,
      secretAccessKey: `${crypto.randomUUID()}${crypto.randomUUID()}`.slice(0, 40),
    };
    await fetch(`${standin.url}/__keys`, { method: "POST", body: JSON.stringify(key) });
    const endpoints = Object.fromEntries(
      ["ec2", "rds", "cloudwatch", "s3", "lambda"].map((s) => [s, standin.url]),
    );
    await api("integrations/aws", ws.admin, {
      method: "PUT",
      body: JSON.stringify({
        enabled: true,
        accessKey: key.accessKeyId,
        secretKey: key.secretAccessKey,
        regions: [REGION],
        services: ["ec2", "cloudwatch"],
        endpoints,
      }),
    });
    const cpu = awsMetricId("cpu", "ec2", REGION);
    for (let i = 0; i < 60; i++) {
      await api("refresh", ws.operator, { method: "POST" });
      const { services } = await api<{ services: AwsService[] }>("aws-services", ws.viewer);
      const { metrics } = await api<{ metrics: Metric[] }>("metrics", ws.viewer);
      if (services.some((s) => s.id === `ec2.${REGION}`) && metrics.some((m) => m.id === cpu))
        return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error("the AWS collector never reported the EC2 card and its CPU series");
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await standin?.stop();
  });

  it("opens the EC2 card's details and sees its CPU chart with points", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await signIn(context, server.url, ws.id, ws.viewer);
      await waitForConnection(page, "live");
      await page.click(`${CARD} a.card-link`);
      const chart = page.locator('#modal article[data-service] figure.chart svg[role="img"]');
      await chart.waitFor({ timeout: 10_000 });
      expect(await page.locator("#modal #detail-title").textContent()).toBe("EC2");
      const title = (await chart.locator("title").textContent()) ?? "";
      expect(title).toContain("EC2 CPU");
      const summary = (await chart.locator("desc").textContent()) ?? "";
      const count = Number(/^(\d+) points/.exec(summary)?.[1] ?? 0);
      expect(count, summary).toBeGreaterThan(0);
      // The series is drawn: a line with at least one segment, and the statistics beside it.
      expect(await chart.locator("path").count()).toBeGreaterThan(0);
      expect(await page.locator("#modal").getByText("No metric series belongs").count()).toBe(0);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });
});
