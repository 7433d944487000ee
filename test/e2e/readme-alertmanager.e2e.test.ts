// The README's Alertmanager guide, run as written: its `curl` creates the integration, its
// alertmanager.yml (placeholders filled in) is checked by amtool and run by a real Alertmanager
// (Debian prometheus-alertmanager), and what the guide says the user sees is what Opsdeck shows,
// when it works and after a rotation leaves Alertmanager with a token that no longer works.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type {
  ActivityItem,
  Alert,
  IssuedWebhookIntegration,
  SourceStatus,
  WebhookIntegration,
} from "../../schema";
import { fill, snippet } from "../helpers/readme-snippets";
import { ALERTMANAGER_BIN, startAlertmanager, type AlertmanagerPeer } from "../peers/alertmanager";
import { eventually } from "./helpers/eventually";
import { createWorkspace, type E2eWorkspace } from "./helpers/browser";
import { printedJson, runShellSnippet } from "./helpers/snippet-shell";

const BIN = ALERTMANAGER_BIN;
const AMTOOL = ["/usr/bin/amtool"].find((p) => existsSync(p));
if (!BIN)
  console.warn(
    "readme-alertmanager.e2e: skipped, prometheus-alertmanager is not installed (apt-get install -y prometheus-alertmanager)",
  );

const baseUrl = inject("baseUrl");
const operatorToken = inject("operatorToken");

describe.skipIf(!BIN)("README: Prometheus Alertmanager, with a real Alertmanager", () => {
  let ws: E2eWorkspace;
  let issued: IssuedWebhookIntegration;
  const dir = mkdtempSync(path.join(tmpdir(), "opsdeck-readme-am-"));
  const config = path.join(dir, "alertmanager.yml");
  let am: AlertmanagerPeer | undefined;
  let amApi = "";

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
    am = await startAlertmanager(config, dir);
    amApi = am.api;
  });

  afterAll(async () => {
    await am?.stop();
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
      /Notify for alerts failed.*401/.test(am!.log()) ? true : undefined,
    );
  }, 90_000);
});
