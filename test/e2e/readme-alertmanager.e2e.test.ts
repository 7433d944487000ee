// The README's Alertmanager guide, run as written: its `curl` creates the integration, its
// alertmanager.yml (placeholders filled in) is checked by amtool and run by a real Alertmanager
// (Debian prometheus-alertmanager), and what the guide says the user sees is what Opsdeck shows,
// when it works and after a rotation leaves Alertmanager with a token that no longer works.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
// @ts-expect-error -- plain ESM helper shared with npm start and the benchmarks; typed by its JSDoc.
import { freePort } from "../../scripts/lib/dev-server.mjs";
import type {
  ActivityItem,
  Alert,
  IssuedWebhookIntegration,
  SourceStatus,
  WebhookIntegration,
} from "../../schema";
import { fill, snippet } from "../helpers/readme-snippets";
import { createWorkspace, type E2eWorkspace } from "./helpers/browser";
import { printedJson, runShellSnippet } from "./helpers/snippet-shell";

const BIN = ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager"].find((p) =>
  existsSync(p),
);
const AMTOOL = ["/usr/bin/amtool"].find((p) => existsSync(p));
if (!BIN)
  console.warn(
    "readme-alertmanager.e2e: skipped, prometheus-alertmanager is not installed (apt-get install -y prometheus-alertmanager)",
  );

const baseUrl = inject("baseUrl");
const operatorToken = inject("operatorToken");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 45_000) {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(500);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

describe.skipIf(!BIN)("README: Prometheus Alertmanager, with a real Alertmanager", () => {
  let ws: E2eWorkspace;
  let issued: IssuedWebhookIntegration;
  const dir = mkdtempSync(path.join(tmpdir(), "opsdeck-readme-am-"));
  const config = path.join(dir, "alertmanager.yml");
  let am: ChildProcess | undefined;
  let amApi = "";
  let amLog = "";

  const read = async <T>(what: string): Promise<T> => {
    const res = await fetch(`${baseUrl}/w/${ws.id}/api/${what}`, {
      headers: { Authorization: `Bearer ${ws.admin}` },
    });
    if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const integration = async () =>
    (await read<{ integrations: WebhookIntegration[] }>("integrations/webhooks")).integrations.find(
      (i) => i.id === issued.integration.id,
    )!;
  const fire = async (alertname: string) => {
    const res = await fetch(`${amApi}/api/v2/alerts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([
        {
          labels: { alertname, severity: "critical", instance: "api-1" },
          annotations: { summary: `${alertname} on api-1` },
          startsAt: new Date(Date.now() - 60_000).toISOString(),
        },
      ]),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    ws = await createWorkspace(baseUrl, operatorToken, "readme-am");
    const created = await runShellSnippet(snippet("alertmanager-create", "sh"), {
      OPSDECK_URL: baseUrl,
      WORKSPACE: ws.id,
      ADMIN_TOKEN: ws.admin,
    });
    issued = printedJson<IssuedWebhookIntegration>(created);
    writeFileSync(
      config,
      fill(snippet("alertmanager-config", "yaml"), {
        OPSDECK_URL: baseUrl,
        WORKSPACE: ws.id,
        AMK_TOKEN: issued.credential,
      }),
    );
    const port = (await freePort()) as number;
    amApi = `http://127.0.0.1:${port}`;
    am = spawn(
      BIN!,
      [
        `--config.file=${config}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
        "--log.level=debug",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const collect = (chunk: Buffer) => {
      amLog = (amLog + chunk.toString()).slice(-20_000);
    };
    am.stdout?.on("data", collect);
    am.stderr?.on("data", collect);
    await eventually("Alertmanager to answer", async () =>
      (await fetch(`${amApi}/-/ready`).catch(() => undefined))?.ok ? true : undefined,
    );
  });

  afterAll(async () => {
    if (am && am.exitCode === null) {
      const exited = new Promise((r) => am!.once("exit", r));
      am.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (am.exitCode === null) am.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("the create call answers with the bearer token and the receiver's path", () => {
    expect(issued.integration).toMatchObject({
      kind: "alertmanager",
      endpoint: `/w/${ws.id}/hooks/alertmanager`,
    });
    expect(issued.credential).toMatch(new RegExp(`^amk\\.${ws.id}\\.`));
  });

  it.skipIf(!AMTOOL)("amtool check-config accepts the README's file", async () => {
    const output = await new Promise<string>((resolve, reject) =>
      execFile(AMTOOL!, ["check-config", config], (error, stdout, stderr) =>
        error ? reject(new Error(`${stdout}${stderr}`)) : resolve(stdout),
      ),
    );
    expect(output).toContain("SUCCESS");
  });

  it("an alert fired in Alertmanager arrives as the guide says", async () => {
    await fire("ReadmeDiskFull");
    const alert = await eventually("the alert in Opsdeck", async () =>
      (await read<{ alerts: Alert[] }>("alerts")).alerts.find(
        (a) => a.labels.alertname === "ReadmeDiskFull",
      ),
    );
    expect(alert).toMatchObject({
      source: "alertmanager",
      status: "firing",
      severity: "critical",
      title: "ReadmeDiskFull on api-1",
    });
    const activity = (await read<{ activities: ActivityItem[] }>("activity")).activities;
    expect(activity.map((a) => a.description)).toContain("critical alert firing (alertmanager)");
    const sources = (await read<{ sources: SourceStatus[] }>("status")).sources;
    expect(sources.find((s) => s.id === "alertmanager")).toMatchObject({ status: "live" });
    expect((await integration()).stats).toMatchObject({ accepted: 1, rejected: 0 });
  }, 90_000);

  it("after a rotation without overlap, the old token is refused and counted with the reason", async () => {
    const res = await fetch(
      `${baseUrl}/w/${ws.id}/api/integrations/webhooks/${issued.integration.id}/rotate`,
      {
        method: "POST",
        headers: { Authorization: `Bearer ${ws.admin}`, "Content-Type": "application/json" },
        body: JSON.stringify({ overlapSeconds: 0 }),
      },
    );
    expect(res.status).toBe(200);
    await fire("ReadmeAfterRotation");
    const refused = await eventually("the refusal to be counted", async () => {
      const current = await integration();
      return current.stats.rejected > 0 ? current : undefined;
    });
    expect(refused.stats.lastError).toBe(
      "A delivery was refused: its bearer token is unknown or rotated out.",
    );
    const alerts = (await read<{ alerts: Alert[] }>("alerts")).alerts;
    expect(alerts.some((a) => a.labels.alertname === "ReadmeAfterRotation")).toBe(false);
    // Alertmanager's own log says so, with Opsdeck's status, as the guide tells the user.
    await eventually("Alertmanager to log the failure", async () =>
      /Notify for alerts failed.*401/.test(amLog) ? true : undefined,
    );
  }, 90_000);
});
