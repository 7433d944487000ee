import { runInDurableObject } from "cloudflare:test";
import { Alert, Deployment, Pipeline } from "../../schema";
import type { WorkspaceStub } from "../../worker/env";

/**
 * Writes records straight into a workspace's `records` table, as the collectors and
 * webhook receivers would, without adding test-only methods to the object. Each record is
 * parsed by its schema first, so a seed can never store what production code could not.
 */
async function insert(
  stub: WorkspaceStub,
  kind: string,
  rows: Array<{ id: string; data: unknown; sortKey: string }>,
): Promise<void> {
  await runInDurableObject(stub, async (_instance, state) => {
    for (const row of rows) {
      state.storage.sql.exec(
        `INSERT INTO records (kind, id, data, sort_key) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, sort_key = excluded.sort_key`,
        kind,
        row.id,
        JSON.stringify(row.data),
        row.sortKey,
      );
    }
  });
}

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

/** A valid firing alert; override any field. */
export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  const at = overrides.timestamp ?? new Date().toISOString();
  return Alert.parse({
    id: nextId("alert"),
    title: "High error rate on api",
    message: "5xx above 5% for 10 minutes",
    severity: "critical",
    timestamp: at,
    acknowledged: false,
    source: "alertmanager",
    status: "firing",
    fingerprint: "fp-1",
    labels: { alertname: "HighErrorRate", service: "api" },
    count: 1,
    firstSeen: at,
    lastSeen: at,
    ...overrides,
  });
}

export function makeDeployment(overrides: Partial<Deployment> = {}): Deployment {
  return Deployment.parse({
    id: nextId("dep"),
    name: "api",
    environment: "production",
    status: "success",
    branch: "main",
    commit: "abc1234",
    author: "octocat",
    timestamp: new Date().toISOString(),
    duration: "1m",
    durationMs: 60_000,
    source: "github",
    ...overrides,
  });
}

export function makePipeline(overrides: Partial<Pipeline> = {}): Pipeline {
  return Pipeline.parse({
    id: nextId("run"),
    name: "CI",
    branch: "main",
    commit: "abc1234",
    author: "octocat",
    status: "success",
    stages: [
      { id: "build", name: "build", status: "success", duration: "2m", durationMs: 120_000 },
    ],
    source: "github",
    ...overrides,
  });
}

export async function seedAlerts(stub: WorkspaceStub, alerts: Alert[]): Promise<Alert[]> {
  await insert(
    stub,
    "alert",
    alerts.map((a) => ({ id: a.id, data: Alert.parse(a), sortKey: a.lastSeen })),
  );
  return alerts;
}

export async function seedDeployments(stub: WorkspaceStub, items: Deployment[]): Promise<void> {
  await insert(
    stub,
    "deployment",
    items.map((d) => ({ id: d.id, data: Deployment.parse(d), sortKey: d.timestamp })),
  );
}

export async function seedPipelines(stub: WorkspaceStub, items: Pipeline[]): Promise<void> {
  await insert(
    stub,
    "pipeline",
    items.map((p) => ({
      id: p.id,
      data: Pipeline.parse(p),
      sortKey: p.startedAt ?? p.updatedAt ?? "",
    })),
  );
}

/** Minutes relative to now, as an ISO timestamp (negative: in the past). */
export const minutesFromNow = (minutes: number) =>
  new Date(Date.now() + minutes * 60_000).toISOString();
