import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it, vi } from "vitest";
import type {
  Alert,
  AwsIntegration,
  AwsService,
  ChartDataPoint,
  Metric,
  SourceStatus,
} from "../../schema";
import type { StandinMode } from "../peers/aws-standin";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

const standin = () => inject("awsEndpoint");
const endpoints = () => ({
  ec2: standin(),
  rds: standin(),
  cloudwatch: standin(),
  s3: standin(),
  lambda: standin(),
});

type Key = { accessKeyId: string; secretAccessKey: string };
type Stats = { requests: Record<string, number>; signatureRejections: number };

/** A fresh IAM-like key pair known to the stand-in, so tests never share its state. */
async function newKey(): Promise<Key> {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase();
  const key = {
    accessKeyId: `AKIA${id}`,
    secretAccessKey: `${crypto.randomUUID()}${crypto.randomUUID()}`.slice(0, 40),
  };
  await fetch(`${standin()}/__keys`, { method: "POST", body: JSON.stringify(key) });
  return key;
}

const setMode = (key: Key, mode: StandinMode, cpu?: number) =>
  fetch(`${standin()}/__mode`, {
    method: "POST",
    body: JSON.stringify({ accessKeyId: key.accessKeyId, mode, cpu }),
  });

async function stats(key: Key): Promise<Stats> {
  const res = await fetch(`${standin()}/__stats?accessKeyId=${key.accessKeyId}`);
  return (await res.json()) as Stats;
}
const total = (s: Stats) => Object.values(s.requests).reduce((a, b) => a + b, 0);

async function configure(ws: TestWorkspace, body: Record<string, unknown>, token = ws.admin) {
  return call(`/w/${ws.id}/api/integrations/aws`, jsonInit("PUT", body, token));
}

async function read<T>(ws: TestWorkspace, path: string): Promise<T> {
  const res = await call(`/w/${ws.id}/api${path}`, bearer(ws.viewer));
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

const services = async (ws: TestWorkspace) =>
  (await read<{ services: AwsService[] }>(ws, "/aws-services")).services;
const metrics = async (ws: TestWorkspace) =>
  (await read<{ metrics: Metric[] }>(ws, "/metrics")).metrics;
const source = async (ws: TestWorkspace) =>
  (await read<{ sources: SourceStatus[] }>(ws, "/status")).sources.find((s) => s.id === "aws")!;
const thresholdAlerts = async (ws: TestWorkspace) =>
  (await read<{ alerts: Alert[] }>(ws, "/alerts")).alerts.filter((a) => a.source === "threshold");
const refresh = (ws: TestWorkspace) =>
  call(`/w/${ws.id}/api/refresh`, bearer(ws.operator, { method: "POST" }));

/** When the object will next run the AWS collector (ms since epoch). */
const nextRun = (ws: TestWorkspace) =>
  runInDurableObject(ws.stub, (_i, state) =>
    Number(
      state.storage.sql
        .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'alarm:collect:aws'")
        .one().value,
    ),
  );

/**
 * Saving the integration schedules a run for "now", which workerd may already be running
 * in the background; fire the alarm (a no-op then) and wait until that run has reported.
 */
async function settle(
  ws: TestWorkspace,
  done: (s: SourceStatus) => boolean = (s) => s.status !== "pending",
) {
  await runDurableObjectAlarm(ws.stub);
  await vi.waitFor(async () => expect(done(await source(ws))).toBe(true), {
    timeout: 10_000,
    interval: 50,
  });
}

async function connected(
  regions: string[] = ["eu-west-1"],
  stand: { mode?: StandinMode; cpu?: number } = {},
) {
  const ws = await makeWorkspace("aws");
  const key = await newKey();
  if (stand.mode || stand.cpu !== undefined) await setMode(key, stand.mode ?? "ok", stand.cpu);
  const res = await configure(ws, {
    enabled: true,
    accessKey: key.accessKeyId,
    secretKey: key.secretAccessKey,
    regions,
    endpoints: endpoints(),
  });
  expect(res.status).toBe(200);
  return { ws, key, res };
}

describe("AWS integration: configuration", () => {
  it("stores keys sealed and write-only; GET shows only whether they are set", async () => {
    const { ws, key, res } = await connected(["eu-west-1", "us-east-1"]);
    const text = await res.text();
    expect(text).not.toContain(key.secretAccessKey);
    expect(text).not.toContain(key.accessKeyId);
    const got = await call(`/w/${ws.id}/api/integrations/aws`, bearer(ws.admin));
    const body = await got.text();
    expect(body).not.toContain(key.secretAccessKey);
    const { integration } = JSON.parse(body) as { integration: AwsIntegration };
    expect(integration).toMatchObject({
      enabled: true,
      accessKeySet: true,
      secretKeySet: true,
      regions: ["eu-west-1", "us-east-1"],
      services: ["ec2", "rds", "cloudwatch", "s3", "lambda"],
      source: { id: "aws", status: "pending" },
    });
    const stored = await runInDurableObject(ws.stub, (_i, state) =>
      JSON.stringify(state.storage.sql.exec("SELECT value FROM meta").toArray()),
    );
    expect(stored).not.toContain(key.secretAccessKey);
    expect(stored).not.toContain(key.accessKeyId);
    const audit = await (await call(`/w/${ws.id}/api/audit`, bearer(ws.admin))).text();
    expect(audit).toContain("aws.configure");
    expect(audit).not.toContain(key.secretAccessKey);
  });

  it("a PUT without the keys keeps them; null clears one and stops collection", async () => {
    const { ws } = await connected();
    const res = await configure(ws, { enabled: true, regions: ["ap-southeast-2"] });
    const { integration } = (await res.json()) as { integration: AwsIntegration };
    expect(integration).toMatchObject({
      accessKeySet: true,
      secretKeySet: true,
      regions: ["ap-southeast-2"],
    });
    const cleared = await configure(ws, { enabled: true, secretKey: null });
    expect(((await cleared.json()) as { integration: AwsIntegration }).integration).toMatchObject({
      accessKeySet: true,
      secretKeySet: false,
      source: { status: "not_configured" },
    });
  });

  it("refuses bad input with the field named, and non-admins", async () => {
    const ws = await makeWorkspace("aws");
    const base = { enabled: true };
    const bad: [Record<string, unknown>, string][] = [
      [{ regions: ["mars-north-1"] }, "json.regions.0"],
      [{ regions: ["cn-north-1"] }, "json.regions.0"],
      [{ regions: ["us-east-1", "us-east-1"] }, "json.regions"],
      [{ regions: [] }, "json.regions"],
      [{ services: ["ec2", "dynamodb"] }, "json.services.1"],
      [{ accessKey: "not a key" }, "json.accessKey"],
      [{ secretKey: "short" }, "json.secretKey"],
      [{ endpoints: { sqs: "http://127.0.0.1:1" } }, "json.endpoints.sqs"],
      [{ sessionToken: "x" }, "json.sessionToken"],
    ];
    for (const [body, path] of bad) {
      const problem = await expectProblem(
        await configure(ws, { ...base, ...body }),
        400,
        "validation_failed",
      );
      expect(JSON.stringify(problem)).toContain(path);
    }
    await expectProblem(
      await configure(ws, { ...base, endpoints: { ec2: "http://10.0.0.5" } }),
      400,
      "url_not_allowed",
    );
    for (const token of [ws.operator, ws.viewer]) {
      await expectProblem(await configure(ws, base, token), 403, "forbidden");
      await expectProblem(
        await call(`/w/${ws.id}/api/integrations/aws`, bearer(token)),
        403,
        "forbidden",
      );
    }
  });
});

describe("AWS collector against the SigV4-checking stand-in", () => {
  it("collects services, metrics and chart history on the alarm; charts answer from storage", async () => {
    const { ws, key } = await connected(["eu-west-1", "us-east-1"]);
    await settle(ws);

    const cards = await services(ws);
    expect(cards.map((c) => c.id).sort()).toEqual([
      "ec2.eu-west-1",
      "ec2.us-east-1",
      "lambda.eu-west-1",
      "lambda.us-east-1",
      "rds.eu-west-1",
      "rds.us-east-1",
      "s3.global",
    ]);
    // Two pages of DescribeInstances: one running instance, one stopped.
    expect(cards.find((c) => c.id === "ec2.eu-west-1")).toMatchObject({
      name: "EC2",
      instances: 2,
      status: "warning",
      region: "eu-west-1",
      source: "aws",
    });
    expect(cards.find((c) => c.id === "rds.eu-west-1")).toMatchObject({
      instances: 1,
      status: "healthy",
    });
    expect(cards.find((c) => c.id === "lambda.us-east-1")).toMatchObject({ instances: 3 });
    expect(cards.find((c) => c.id === "s3.global")).toMatchObject({
      instances: 2,
      region: "global",
    });

    const list = await metrics(ws);
    const cpu = list.find((m) => m.id === "cpu.ec2.eu-west-1");
    expect(cpu).toMatchObject({ value: 42, unit: "%", status: "healthy", source: "aws" });
    expect(list.find((m) => m.id === "network_in.ec2.us-east-1")?.value).toBe(4_000_000);
    expect(list.find((m) => m.id === "disk.ec2.eu-west-1")?.value).toBe(70);
    expect(list.find((m) => m.id === "memory.ec2.eu-west-1")?.value).toBe(55);
    expect(list.find((m) => m.id === "cpu.rds.eu-west-1")?.value).toBe(30);
    expect((await source(ws)).status).toBe("live");

    const s = await stats(key);
    expect(s.signatureRejections).toBe(0);
    expect(s.requests).toEqual({ ec2: 4, rds: 2, cloudwatch: 2, lambda: 2, s3: 1 });

    const chart = await read<{ data: ChartDataPoint[] }>(
      ws,
      "/charts/cpu.ec2.eu-west-1?timeRange=1h",
    );
    // An hour of 5-minute points on the first run.
    expect(chart.data.length).toBeGreaterThanOrEqual(12);
    expect(chart.data.every((p) => p.value === 42)).toBe(true);
    expect(total(await stats(key))).toBe(total(s));
  });

  it("wrong keys: credentials invalid, the run stops early, backs off, and recovers once fixed", async () => {
    const ws = await makeWorkspace("aws");
    const key = await newKey();
    await configure(ws, {
      enabled: true,
      accessKey: key.accessKeyId,
      secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      regions: ["eu-west-1", "us-east-1", "ap-southeast-2"],
      endpoints: endpoints(),
    });
    const before = Date.now();
    await settle(ws);
    const failing = await source(ws);
    expect(failing.status).toBe("error");
    expect(failing.lastError).toMatch(/^credentials invalid: .*SignatureDoesNotMatch/);
    const s = await stats(key);
    // Every rejection was a signature check; later regions were never asked.
    expect(s.signatureRejections).toBe(total(s));
    expect(total(s)).toBeLessThanOrEqual(5);
    // Backoff: the next attempt is at least two intervals away, and firing the alarm
    // again now does nothing.
    expect(await nextRun(ws)).toBeGreaterThanOrEqual(before + 60_000);
    await runDurableObjectAlarm(ws.stub);
    expect(total(await stats(key))).toBe(total(s));

    await configure(ws, { enabled: true, secretKey: key.secretAccessKey });
    await settle(ws, (s) => s.status === "live");
    const fixed = await source(ws);
    expect(fixed.status).toBe("live");
    expect(fixed.lastError).toBeUndefined();
  });

  it("unknown key and expired token read as credentials invalid too", async () => {
    const ws = await makeWorkspace("aws");
    await configure(ws, {
      enabled: true,
      accessKey: "AKIAUNKNOWNKEY000000",
      secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      services: ["rds"],
      endpoints: endpoints(),
    });
    await settle(ws);
    expect((await source(ws)).lastError).toMatch(/^credentials invalid: .*InvalidClientTokenId/);

    const { ws: ws2 } = await connected(["eu-west-1"], { mode: "expired" });
    await settle(ws2);
    const expired = await source(ws2);
    expect(expired.status).toBe("error");
    expect(expired.lastError).toMatch(/^credentials invalid: .*ExpiredToken/);
  });

  it("a failing AWS keeps the last data, says why, and recovers", async () => {
    const { ws, key } = await connected();
    await settle(ws);
    const good = await services(ws);
    const goodCpu = (await metrics(ws)).find((m) => m.id === "cpu.ec2.eu-west-1")!;

    for (const mode of ["500", "throttle", "garbage"] as const) {
      await setMode(key, mode);
      const res = await refresh(ws);
      expect(await res.json()).toEqual({ results: { aws: "failed" } });
      expect(await services(ws)).toEqual(good);
      const stale = await source(ws);
      expect(stale.status).toBe("stale");
      expect(stale.lastError).not.toMatch(/credentials invalid/);
      expect(stale.lastSuccessAt).toBeDefined();
      expect((await metrics(ws)).find((m) => m.id === goodCpu.id)?.value).toBe(42);
    }
    const reason = (await source(ws)).lastError!;
    expect(reason).toContain("EC2 DescribeInstances in eu-west-1");

    await setMode(key, "ok");
    await new Promise((r) => setTimeout(r, 5));
    await refresh(ws);
    expect((await source(ws)).status).toBe("live");
    const fresh = await services(ws);
    expect(Date.parse(fresh[0]!.updatedAt!)).toBeGreaterThan(Date.parse(good[0]!.updatedAt!));
  });

  it("S3 and Lambda without permission are left out, not errors", async () => {
    const { ws, key } = await connected();
    await settle(ws);
    expect((await services(ws)).map((c) => c.id)).toContain("s3.global");
    await setMode(key, "deny-s3-lambda");
    await refresh(ws);
    expect((await source(ws)).status).toBe("live");
    expect((await services(ws)).map((c) => c.id).sort()).toEqual([
      "ec2.eu-west-1",
      "rds.eu-west-1",
    ]);
  });
});

describe("Thresholds raise and resolve alerts through the alert lifecycle", () => {
  it("one alert while CPU stays over the threshold, resolved when it drops, new on the next crossing", async () => {
    const { ws, key } = await connected(["eu-west-1"], { cpu: 93 });
    await settle(ws);
    const [raised, ...others] = await thresholdAlerts(ws);
    expect(others.filter((a) => a.labels.metric === "cpu.ec2.eu-west-1")).toEqual([]);
    expect(raised).toMatchObject({
      status: "firing",
      severity: "critical",
      source: "threshold",
      fingerprint: "threshold:cpu.ec2.eu-west-1",
      labels: { metric: "cpu.ec2.eu-west-1", threshold: "cpu" },
      count: 1,
    });
    expect(raised!.title).toContain("80%");
    expect((await metrics(ws)).find((m) => m.id === "cpu.ec2.eu-west-1")?.status).toBe("critical");

    await refresh(ws);
    await refresh(ws);
    const still = await thresholdAlerts(ws);
    expect(still).toHaveLength(1);
    expect(still[0]).toMatchObject({ id: raised!.id, status: "firing", count: 1 });

    await setMode(key, "ok", 20);
    await refresh(ws);
    const resolved = await thresholdAlerts(ws);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ id: raised!.id, status: "resolved" });
    expect(resolved[0]!.resolvedAt).toBeDefined();
    const feed = await read<{ activities: { title: string }[] }>(ws, "/activity");
    expect(feed.activities.map((a) => a.title)).toEqual(
      expect.arrayContaining([raised!.title, `Resolved: ${raised!.title}`]),
    );

    await setMode(key, "ok", 95);
    await refresh(ws);
    const again = await thresholdAlerts(ws);
    expect(again).toHaveLength(2);
    expect(again.find((a) => a.status === "firing")!.id).not.toBe(raised!.id);
  });

  it("a higher threshold in settings resolves an open alert on the next run", async () => {
    const { ws } = await connected(["eu-west-1"], { cpu: 85 });
    await settle(ws);
    expect((await thresholdAlerts(ws))[0]?.status).toBe("firing");
    const put = await call(
      `/w/${ws.id}/api/settings`,
      jsonInit("PUT", { thresholds: { cpu: 90 } }, ws.admin),
    );
    expect(put.status).toBe(200);
    await refresh(ws);
    expect((await thresholdAlerts(ws))[0]?.status).toBe("resolved");
  });
});
