import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { RecordStore } from "../../durable-objects/store/records";
import {
  ActivityItem,
  Alert,
  AwsService,
  Deployment,
  Incident,
  Pipeline,
  SecurityScan,
  SourceStatus,
  Web3Network,
} from "../../schema";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import { addGithubWebhook } from "../helpers/github";

/**
 * Writes records straight into the object's store, under the kinds and sort keys the
 * workspace object uses, so reads can be tested before any collector or webhook exists.
 */
async function seed<S extends z.ZodType<{ id: string }>>(
  ws: TestWorkspace,
  kind: string,
  schema: S,
  sortKey: (record: z.infer<S>) => string,
  records: z.infer<S>[],
): Promise<void> {
  await runInDurableObject(ws.stub, (_instance, state) => {
    const store = new RecordStore(state.storage.sql, kind, schema, sortKey);
    for (const record of records) store.put(record);
  });
}

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

type Problem = { issues?: Array<{ path: string; message: string }> };

async function expectInvalid(res: Response, path: string): Promise<void> {
  const body = (await expectProblem(res, 400, "validation_failed")) as Problem;
  expect(body.issues?.map((i) => i.path)).toContain(path);
}

async function read<T>(ws: TestWorkspace, path: string, token = ws.viewer): Promise<T> {
  const res = await call(`/w/${ws.id}/api${path}`, bearer(token));
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  return (await res.json()) as T;
}

const deployment = (id: string, environment: Deployment["environment"], minutesAgo: number) =>
  Deployment.parse({
    id,
    name: `api ${id}`,
    environment,
    status: "success",
    branch: "main",
    commit: "abc1234",
    author: "octocat",
    timestamp: at(minutesAgo),
    duration: "42s",
    durationMs: 42_000,
    source: "github",
  });

const d4 = deployment("d4", "preview", 5);

const incident = (
  id: string,
  status: Incident["status"],
  severity: Incident["severity"],
  minutesAgo: number,
) =>
  Incident.parse({
    id,
    title: `incident ${id}`,
    description: "",
    severity,
    status,
    alertIds: [],
    createdAt: at(minutesAgo),
    updatedAt: at(minutesAgo),
    createdBy: "admin",
    timeline: [],
  });

const scan = (id: string, status: SecurityScan["status"], minutesAgo: number) =>
  SecurityScan.parse({
    id,
    name: `finding ${id}`,
    kind: "dependabot",
    status,
    severity: "error",
    timestamp: at(minutesAgo),
    source: "github",
  });

const pipeline = Pipeline.parse({
  id: "run-1001",
  name: "CI",
  branch: "main",
  commit: "abc1234",
  author: "octocat",
  status: "running",
  stages: [
    { id: "build", name: "build", status: "success", duration: "30s", durationMs: 30_000 },
    { id: "test", name: "test", status: "running", duration: "in progress", durationMs: 0 },
  ],
  startedAt: at(3),
  source: "github",
});

const alert = Alert.parse({
  id: "alert-1",
  title: "High CPU",
  message: "cpu above 90%",
  severity: "critical",
  timestamp: at(2),
  acknowledged: false,
  source: "alertmanager",
  status: "firing",
  firstSeen: at(2),
  lastSeen: at(1),
});

const service = AwsService.parse({
  id: "ec2-eu-west-1",
  name: "EC2",
  status: "healthy",
  instances: 4,
  region: "eu-west-1",
  source: "aws",
});

const network = Web3Network.parse({
  id: "ethereum",
  name: "Ethereum",
  logo: "/logos/eth.svg",
  status: "healthy",
  blockNumber: 21_000_000,
  blockTime: 12,
  tps: 14.2,
  gasPrice: { slow: 10, average: 12, fast: 15 },
  gasTrend: "up",
  chainId: 1,
  source: "web3",
});

const activityItem = (id: string, minutesAgo: number) =>
  ActivityItem.parse({
    id,
    type: "deployment",
    title: `deployed ${id}`,
    description: "",
    timestamp: at(minutesAgo),
  });

/** Every read endpoint: its path, envelope key and the sources that feed it. */
const READS = [
  { path: "/metrics", key: "metrics", sources: ["aws", "prometheus"] },
  { path: "/alerts", key: "alerts", sources: ["alertmanager", "grafana", "pagerduty"] },
  { path: "/incidents", key: "incidents", sources: ["alertmanager", "grafana", "pagerduty"] },
  { path: "/deployments", key: "deployments", sources: ["github"] },
  { path: "/pipelines", key: "pipelines", sources: ["github"] },
  { path: "/security", key: "scans", sources: ["github"] },
  { path: "/aws-services", key: "services", sources: ["aws"] },
  { path: "/web3", key: "networks", sources: ["web3"] },
  {
    path: "/activity",
    key: "activities",
    sources: ["github", "aws", "web3", "alertmanager", "grafana", "pagerduty"],
  },
] as const;

describe("read API on a fresh workspace", () => {
  let ws: TestWorkspace;
  beforeAll(async () => {
    ws = await makeWorkspace("reads");
  });

  it.each(READS)(
    "GET $path: an empty list and its sources' status, never sample data",
    async (r) => {
      const body = await read<Record<string, unknown> & { sources: SourceStatus[] }>(ws, r.path);
      expect(body[r.key]).toEqual([]);
      expect(body.sources.map((s) => s.id)).toEqual(r.sources);
      for (const source of body.sources) expect(source.status).toBe("not_configured");
    },
  );

  it.each(READS)("GET $path without a credential is 401", async (r) => {
    await expectProblem(await call(`/w/${ws.id}/api${r.path}`), 401, "unauthenticated");
  });

  it("a configured source reads as pending until it reports", async () => {
    const put = await call(
      `/w/${ws.id}/api/settings`,
      jsonInit("PUT", { integrations: { github: { enabled: true, token: "ghp_x" } } }, ws.admin),
    );
    expect(put.status).toBe(200);
    // A token alone collects nothing; the webhook integration makes the source configured.
    await addGithubWebhook(ws);
    const body = await read<{ sources: SourceStatus[] }>(ws, "/deployments");
    expect(body.sources).toEqual([{ id: "github", status: "pending", tokenSet: true }]);
  });

  it("chart of an unknown metric is 404; pipeline of an unknown id is 404", async () => {
    await expectProblem(
      await call(`/w/${ws.id}/api/charts/nope`, bearer(ws.viewer)),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/pipeline/nope`, bearer(ws.viewer)),
      404,
      "not_found",
    );
  });
});

describe("read API with data", () => {
  let ws: TestWorkspace;
  beforeAll(async () => {
    ws = await makeWorkspace("reads");
    await seed(ws, "deployment", Deployment, (d) => d.timestamp, [
      deployment("d1", "production", 30),
      deployment("d2", "staging", 20),
      deployment("d3", "production", 10),
      d4,
    ]);
    await seed(ws, "incident", Incident, (i) => i.createdAt, [
      incident("i1", "investigating", "critical", 30),
      incident("i2", "resolved", "warning", 20),
      incident("i3", "monitoring", "warning", 10),
    ]);
    await seed(ws, "security-scan", SecurityScan, (s) => s.timestamp, [
      scan("s1", "passed", 30),
      scan("s2", "failed", 20),
      scan("s3", "failed", 10),
    ]);
    await seed(ws, "pipeline", Pipeline, (p) => p.startedAt ?? "", [pipeline]);
    await seed(ws, "alert", Alert, (a) => a.lastSeen, [alert]);
    await seed(ws, "aws-service", AwsService, (s) => s.id, [service]);
    await seed(ws, "web3-network", Web3Network, (n) => n.id, [network]);
    await seed(
      ws,
      "activity",
      ActivityItem,
      (a) => a.timestamp,
      [1, 2, 3, 4, 5].map((n) => activityItem(`a${n}`, n)),
    );
  });

  const ids = (list: Array<{ id: string }>) => list.map((r) => r.id);

  it("GET deployments: newest first, filtered by environment, bounded by limit", async () => {
    type Body = { deployments: Deployment[] };
    expect(ids((await read<Body>(ws, "/deployments")).deployments)).toEqual([
      "d4",
      "d3",
      "d2",
      "d1",
    ]);
    expect(ids((await read<Body>(ws, "/deployments?environment=production")).deployments)).toEqual([
      "d3",
      "d1",
    ]);
    expect(
      ids((await read<Body>(ws, "/deployments?environment=production&limit=1")).deployments),
    ).toEqual(["d3"]);
    expect(ids((await read<Body>(ws, "/deployments?limit=2")).deployments)).toEqual(["d4", "d3"]);
    const [first] = (await read<Body>(ws, "/deployments?limit=1")).deployments;
    expect(first).toEqual(d4);
  });

  it("GET incidents: status open|resolved and severity filters", async () => {
    type Body = { incidents: Incident[] };
    expect(ids((await read<Body>(ws, "/incidents")).incidents)).toEqual(["i3", "i2", "i1"]);
    expect(ids((await read<Body>(ws, "/incidents?status=open")).incidents)).toEqual(["i3", "i1"]);
    expect(ids((await read<Body>(ws, "/incidents?status=resolved")).incidents)).toEqual(["i2"]);
    expect(ids((await read<Body>(ws, "/incidents?severity=warning")).incidents)).toEqual([
      "i3",
      "i2",
    ]);
    expect(
      ids((await read<Body>(ws, "/incidents?status=open&severity=warning")).incidents),
    ).toEqual(["i3"]);
  });

  it("GET security: status filter and limit", async () => {
    type Body = { scans: SecurityScan[] };
    expect(ids((await read<Body>(ws, "/security")).scans)).toEqual(["s3", "s2", "s1"]);
    expect(ids((await read<Body>(ws, "/security?status=failed")).scans)).toEqual(["s3", "s2"]);
    expect(ids((await read<Body>(ws, "/security?status=passed")).scans)).toEqual(["s1"]);
    expect(ids((await read<Body>(ws, "/security?status=failed&limit=1")).scans)).toEqual(["s3"]);
  });

  it("GET pipeline/:id and pipelines", async () => {
    const one = await read<{ pipeline: Pipeline }>(ws, "/pipeline/run-1001");
    expect(one.pipeline).toEqual(pipeline);
    const all = await read<{ pipelines: Pipeline[] }>(ws, "/pipelines");
    expect(ids(all.pipelines)).toEqual(["run-1001"]);
  });

  it("GET alerts, aws-services, web3: contract envelopes", async () => {
    expect((await read<{ alerts: Alert[] }>(ws, "/alerts")).alerts).toEqual([alert]);
    expect((await read<{ services: AwsService[] }>(ws, "/aws-services")).services).toEqual([
      service,
    ]);
    expect((await read<{ networks: Web3Network[] }>(ws, "/web3")).networks).toEqual([network]);
  });

  it("GET activity: newest first, default 50, bounded by limit", async () => {
    type Body = { activities: ActivityItem[] };
    expect(ids((await read<Body>(ws, "/activity")).activities)).toEqual([
      "a1",
      "a2",
      "a3",
      "a4",
      "a5",
    ]);
    expect(ids((await read<Body>(ws, "/activity?limit=2")).activities)).toEqual(["a1", "a2"]);
    expect(ids((await read<Body>(ws, "/activity?limit=500")).activities)).toHaveLength(5);
  });

  it("unknown query parameters are ignored (clients send extras)", async () => {
    const body = await read<{ deployments: Deployment[] }>(ws, "/deployments?foo=bar&limit=1");
    expect(body.deployments).toHaveLength(1);
  });

  it("unknown pipeline ids are 404; malformed ids are a 400 naming the parameter", async () => {
    await expectProblem(
      await call(`/w/${ws.id}/api/pipeline/run-9999`, bearer(ws.viewer)),
      404,
      "not_found",
    );
    await expectInvalid(
      await call(`/w/${ws.id}/api/pipeline/..%2F..%2Fsecrets`, bearer(ws.viewer)),
      "param.id",
    );
    await expectInvalid(
      await call(`/w/${ws.id}/api/pipeline/${"x".repeat(201)}`, bearer(ws.viewer)),
      "param.id",
    );
    await expectInvalid(
      await call(`/w/${ws.id}/api/pipeline/a%00b`, bearer(ws.viewer)),
      "param.id",
    );
    await expectInvalid(
      await call(`/w/${ws.id}/api/charts/..%2F`, bearer(ws.viewer)),
      "param.metricId",
    );
  });
});

describe("read API: bad query parameters are 400 with the field named", () => {
  let ws: TestWorkspace;
  beforeAll(async () => {
    ws = await makeWorkspace("reads");
  });

  const CASES: Array<[string, string]> = [
    ["/metrics?timeRange=2h", "query.timeRange"],
    ["/metrics?timeRange=", "query.timeRange"],
    ["/charts/cpu?timeRange=1y", "query.timeRange"],
    ["/incidents?status=closed", "query.status"],
    ["/incidents?severity=fatal", "query.severity"],
    ["/deployments?environment=prod", "query.environment"],
    ["/deployments?environment=PRODUCTION", "query.environment"],
    ["/deployments?limit=0", "query.limit"],
    ["/deployments?limit=501", "query.limit"],
    ["/deployments?limit=abc", "query.limit"],
    ["/deployments?limit=-1", "query.limit"],
    ["/deployments?limit=1.5", "query.limit"],
    ["/security?status=unknown", "query.status"],
    ["/security?limit=0", "query.limit"],
    ["/security?limit=501", "query.limit"],
    ["/security?limit=abc", "query.limit"],
    ["/activity?limit=0", "query.limit"],
    ["/activity?limit=501", "query.limit"],
    ["/activity?limit=abc", "query.limit"],
    ["/pipelines?limit=0", "query.limit"],
    ["/pipelines?limit=501", "query.limit"],
    ["/audit?limit=0", "query.limit"],
    ["/audit?before=-3", "query.before"],
  ];

  it.each(CASES)("GET %s → 400 naming %s", async (path, field) => {
    await expectInvalid(await call(`/w/${ws.id}/api${path}`, bearer(ws.admin)), field);
  });

  it("a limit at the bounds is accepted", async () => {
    for (const path of ["/deployments?limit=1", "/deployments?limit=500", "/activity?limit=500"]) {
      expect((await call(`/w/${ws.id}/api${path}`, bearer(ws.viewer))).status).toBe(200);
    }
  });
});

describe("GET /health and api/status", () => {
  it("/health answers without credentials and says nothing internal", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "ok", service: "opsdeck" });
    expect(Date.parse(String(body.time))).not.toBeNaN();
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });

  it("api/status reports components and every source; 401 without credentials", async () => {
    const ws = await makeWorkspace("status");
    await expectProblem(await call(`/w/${ws.id}/api/status`), 401, "unauthenticated");
    type Status = {
      workspace: { id: string; name: string };
      components: Array<{ id: string; status: string }>;
      sources: SourceStatus[];
      seq: number;
      sockets: number;
    };
    const status = await read<Status>(ws, "/status");
    expect(status.workspace).toEqual({ id: ws.id, name: `Test ${ws.id}` });
    expect(status.components).toEqual([
      { id: "api", status: "operational" },
      { id: "workspace-object", status: "operational" },
      { id: "sources", status: "operational" },
    ]);
    expect(status.sources.map((s) => s.id)).toEqual([
      "github",
      "aws",
      "web3",
      "alertmanager",
      "grafana",
      "pagerduty",
      "slack",
      "webhook",
      "prometheus",
    ]);
    expect(status.sockets).toBe(0);
    expect(status.seq).toBe(0);
  });

  it("api/status shows sources degraded when a configured source is stale or failing", async () => {
    const ws = await makeWorkspace("status");
    await call(
      `/w/${ws.id}/api/settings`,
      jsonInit("PUT", { integrations: { github: { enabled: true, token: "ghp_x" } } }, ws.admin),
    );
    await addGithubWebhook(ws);
    await runInDurableObject(ws.stub, (_instance, state) => {
      const reports = new RecordStore(state.storage.sql, "source", SourceStatus, (s) => s.id);
      reports.put({
        id: "github",
        status: "stale",
        lastError: "GitHub answered 502",
        lastSuccessAt: at(30),
        lastAttemptAt: at(1),
      });
    });
    const status = await read<{
      components: Array<{ id: string; status: string }>;
      sources: SourceStatus[];
    }>(ws, "/status");
    expect(status.components).toContainEqual({ id: "sources", status: "degraded" });
    expect(status.sources.find((s) => s.id === "github")).toMatchObject({
      status: "stale",
      lastError: "GitHub answered 502",
    });
  });
});

describe("GET api/audit", () => {
  type Page = {
    entries: Array<{ id: number; action: string; actor: string; after: unknown }>;
    next?: number;
  };

  it("is admin-only: 401 anonymous, 403 for viewer and operator", async () => {
    const ws = await makeWorkspace("audit");
    await expectProblem(await call(`/w/${ws.id}/api/audit`), 401, "unauthenticated");
    for (const token of [ws.viewer, ws.operator]) {
      await expectProblem(await call(`/w/${ws.id}/api/audit`, bearer(token)), 403, "forbidden");
    }
  });

  it("lists changes newest first and pages backwards with ?before=", async () => {
    const ws = await makeWorkspace("audit");
    for (const cpu of [61, 62, 63]) {
      await call(`/w/${ws.id}/api/settings`, jsonInit("PUT", { thresholds: { cpu } }, ws.admin));
    }
    const first = await read<Page>(ws, "/audit?limit=2", ws.admin);
    expect(first.entries.map((e) => e.action)).toEqual(["settings.update", "settings.update"]);
    expect(first.entries[0]!.after).toMatchObject({ thresholds: { cpu: 63 } });
    expect(first.entries[0]!.actor).toBe("admin");
    expect(first.next).toBe(first.entries[1]!.id);
    const second = await read<Page>(ws, `/audit?limit=2&before=${first.next}`, ws.admin);
    expect(second.entries[0]!.after).toMatchObject({ thresholds: { cpu: 61 } });
    expect(second.entries[0]!.id).toBeLessThan(first.next!);
    const all = await read<Page>(ws, "/audit?limit=500", ws.admin);
    expect(all.next).toBeUndefined();
  });
});
