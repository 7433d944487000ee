import { sign } from "@octokit/webhooks-methods";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { IssuedWebhookIntegration, MetricSample, WebhookKind } from "../../../schema";
import type { E2eWorkspace } from "./browser";

/**
 * Data for the browser tests, sent the way real senders send it: PagerDuty-style events to
 * `/v2/enqueue`, signed GitHub webhooks to `/hooks/github`, metric pushes to the API.
 */

type Json = Record<string, unknown>;

async function ok(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

export async function createSender(
  baseUrl: string,
  ws: E2eWorkspace,
  kind: WebhookKind,
  extra: Json = {},
): Promise<string> {
  const issued = (await ok(
    await fetch(`${baseUrl}/w/${ws.id}/api/integrations/webhooks`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ws.admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ kind, name: `${kind} e2e`, ...extra }),
    }),
    `create ${kind} integration`,
  )) as IssuedWebhookIntegration;
  return issued.credential;
}

export type PdEvent = {
  summary: string;
  severity: "critical" | "error" | "warning" | "info";
  source?: string;
  dedupKey?: string;
  links?: Array<{ href: string; text: string }>;
};

/** PagerDuty Events v2 triggers, as Alertmanager's pagerduty_config or Grafana would send. */
export async function triggerAlerts(
  baseUrl: string,
  routingKey: string,
  events: PdEvent[],
): Promise<void> {
  for (const e of events) {
    await ok(
      await fetch(`${baseUrl}/v2/enqueue`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          routing_key: routingKey,
          event_action: "trigger",
          dedup_key: e.dedupKey,
          payload: { summary: e.summary, source: e.source ?? "e2e", severity: e.severity },
          links: e.links,
        }),
      }),
      `trigger '${e.summary}'`,
    );
  }
}

export async function pushMetrics(
  baseUrl: string,
  ws: E2eWorkspace,
  samples: MetricSample[],
): Promise<void> {
  for (let i = 0; i < samples.length; i += 1000) {
    await ok(
      await fetch(`${baseUrl}/w/${ws.id}/api/metrics/samples`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ws.operator}`, "Content-Type": "application/json" },
        body: JSON.stringify({ samples: samples.slice(i, i + 1000) }),
      }),
      "push metric samples",
    );
  }
}

const METRICS: Array<[string, string, string, number, number]> = [
  ["cpu", "CPU", "%", 42, 18],
  ["memory", "Memory", "%", 61, 6],
  ["disk", "Disk", "%", 70, 2],
  ["latency_p95", "API latency p95", "ms", 180, 60],
  ["rps", "Requests", "req/s", 1200, 300],
  ["errors", "Error rate", "%", 0.4, 0.3],
  ["queue", "Queue depth", "", 12, 10],
  ["db_conn", "DB connections", "", 40, 10],
];

/** An hour of history (one point a minute) for eight typical series. */
export function typicalMetrics(now = Date.now()): MetricSample[] {
  return METRICS.flatMap(([metric, label, unit, mid, amp]) =>
    Array.from({ length: 60 }, (_, i) => ({
      metric,
      label,
      ...(unit ? { unit } : {}),
      value: Math.round((mid + amp * Math.sin(i / 6)) * 100) / 100,
      timestamp: new Date(now - (59 - i) * 60_000 - 5_000).toISOString(),
    })),
  );
}

function githubExample(event: string, index = 0): Json {
  const file = path.resolve(import.meta.dirname, `../../fixtures/github/${event}.json`);
  const doc = JSON.parse(readFileSync(file, "utf8")) as { examples: Array<{ payload: Json }> };
  const found = doc.examples[index];
  if (!found) throw new Error(`no fixture ${event}#${index}`);
  return structuredClone(found.payload);
}

export type GithubSend = (event: string, payload: Json) => Promise<void>;

/** A GitHub webhook integration and a function that delivers signed events to it. */
export async function githubSender(baseUrl: string, ws: E2eWorkspace): Promise<GithubSend> {
  const secret = `e2e-ui-secret-${crypto.randomUUID()}`;
  await createSender(baseUrl, ws, "github", { secret });
  return async (event, payload) => {
    const body = JSON.stringify(payload);
    await ok(
      await fetch(`${baseUrl}/w/${ws.id}/hooks/github`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "GitHub-Hookshot/e2e",
          "X-GitHub-Event": event,
          "X-GitHub-Delivery": crypto.randomUUID(),
          "X-Hub-Signature-256": await sign(secret, body),
        },
        body,
      }),
      `GitHub ${event}`,
    );
  };
}

/** A completed (or running) workflow run from GitHub's published example, renamed. */
export function workflowRun(
  i: number,
  status: "completed" | "in_progress",
  conclusion: "success" | "failure" | null,
) {
  const payload = githubExample("workflow_run", 0);
  const run = payload.workflow_run as Json;
  const now = new Date(Date.now() - (10 - i) * 60_000).toISOString();
  Object.assign(run, {
    id: 910_000 + i,
    name: `CI ${i}`,
    run_attempt: 1,
    status,
    conclusion,
    head_branch: i % 2 ? "main" : `feature-${i}`,
    run_started_at: now,
    updated_at: now,
    created_at: now,
  });
  payload.action = status === "completed" ? "completed" : "in_progress";
  return payload;
}

/** A deployment status from GitHub's published example, for deployment `7000 + i`. */
export function deploymentStatus(i: number, state: "success" | "failure" | "in_progress") {
  const payload = githubExample("deployment_status", 0);
  const deployment = payload.deployment as Json;
  const status = payload.deployment_status as Json;
  const at = new Date(Date.now() - (12 - i) * 5 * 60_000).toISOString();
  Object.assign(deployment, {
    id: 7000 + i,
    environment: i % 3 === 0 ? "staging" : "production",
    sha: `${(0xabc0000 + i).toString(16)}${"0".repeat(33)}`,
    created_at: at,
    updated_at: at,
  });
  Object.assign(status, { id: 8000 + i, state, created_at: at, updated_at: at });
  return payload;
}

/**
 * A workspace with typical data: 20 alerts, 8 metrics with an hour of history, 10
 * deployments and 5 pipeline runs.
 */
export async function seedTypical(
  baseUrl: string,
  ws: E2eWorkspace,
): Promise<{ routingKey: string }> {
  const routingKey = await createSender(baseUrl, ws, "pagerduty");
  const severities = ["critical", "error", "warning", "info"] as const;
  await triggerAlerts(
    baseUrl,
    routingKey,
    Array.from({ length: 20 }, (_, i) => ({
      summary: `Disk usage above 90% on db-${i}`,
      severity: severities[i % 4]!,
      source: `db-${i}.prod`,
      dedupKey: `disk-${i}`,
      links: [{ href: `https://grafana.example/d/disk?var-host=db-${i}`, text: "dashboard" }],
    })),
  );
  await pushMetrics(baseUrl, ws, typicalMetrics());
  const send = await githubSender(baseUrl, ws);
  for (let i = 0; i < 10; i++)
    await send("deployment_status", deploymentStatus(i, i === 4 ? "failure" : "success"));
  for (let i = 0; i < 5; i++)
    await send(
      "workflow_run",
      workflowRun(
        i,
        i === 0 ? "in_progress" : "completed",
        i === 0 ? null : i === 2 ? "failure" : "success",
      ),
    );
  return { routingKey };
}
