import { describe, expect, it } from "vitest";
import { metricsSince } from "../../durable-objects/collection/aws-job";
import {
  evaluateThresholds,
  latestReadings,
  thresholdKey,
} from "../../durable-objects/domain/thresholds";
import {
  AWS_MEASURES,
  awsCardMetricIds,
  awsMetricId,
  awsServiceId,
  type AwsService,
  type Metric,
  type MetricSample,
} from "../../schema";
import { serviceMetric } from "../../web/pages/inventory";
import {
  combineSeries,
  ec2Health,
  endpointFor,
  expectedCardIds,
  metricDataRequest,
  rdsHealth,
  rollUp,
} from "../../providers/aws/collector";

const NOW = new Date("2026-03-01T12:07:30Z");
const THRESHOLDS = { cpu: 80, memory: 85, disk: 90 };
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
const sample = (metric: string, value: number, minutesAgo = 0): MetricSample => ({
  metric,
  value,
  unit: "%",
  label: metric,
  timestamp: at(minutesAgo),
});

describe("service status from member states", () => {
  it("rolls up EC2 and RDS states", () => {
    expect(rollUp(["running", "running"].map(ec2Health))).toBe("healthy");
    expect(rollUp(["running", "stopped"].map(ec2Health))).toBe("warning");
    expect(rollUp(["stopped", "stopped"].map(ec2Health))).toBe("offline");
    expect(rollUp(["pending"].map(ec2Health))).toBe("warning");
    expect(rollUp([])).toBe("healthy");
    expect(rollUp(["available", "storage-full"].map(rdsHealth))).toBe("critical");
    expect(rollUp(["available", "modifying"].map(rdsHealth))).toBe("warning");
    expect(rollUp(["available", "backing-up"].map(rdsHealth))).toBe("healthy");
  });

  it("knows which cards a configuration produces, and where each service lives", () => {
    expect([...expectedCardIds(["eu-west-1", "us-east-1"], ["ec2", "s3", "cloudwatch"])]).toEqual([
      "ec2.eu-west-1",
      "ec2.us-east-1",
      "s3.global",
    ]);
    expect(endpointFor("cloudwatch", "eu-west-1", undefined)).toBe(
      "https://monitoring.eu-west-1.amazonaws.com",
    );
    expect(endpointFor("ec2", "eu-west-1", { ec2: "http://127.0.0.1:9/" })).toBe(
      "http://127.0.0.1:9",
    );
  });
});

describe("CloudWatch series become one sample per metric and timestamp", () => {
  it("averages CPU, sums bytes, takes the fullest disk, and drops future or non-finite points", () => {
    const t = Math.floor(NOW.getTime() / 1000 / 300) * 300;
    const samples = combineSeries(
      [
        { Id: "cpu_ec2", Timestamps: [t - 300, t], Values: [10, 20] },
        { Id: "cpu_ec2", Timestamps: [t - 300, t], Values: [30, 40] },
        { Id: "net_in", Timestamps: [t], Values: [1, 2].map((v) => v * 1000) },
        { Id: "net_in", Timestamps: [t], Values: [5000] },
        { Id: "disk", Timestamps: [t], Values: [40] },
        { Id: "disk", Timestamps: [t, t + 3600], Values: [75, 99] },
        { Id: "mem", Timestamps: [t], Values: [Number.NaN] },
      ],
      "eu-west-1",
      NOW,
    );
    const by = (id: string) => samples.filter((s) => s.metric === id).map((s) => s.value);
    expect(by("cpu.ec2.eu-west-1")).toEqual([20, 30]);
    expect(by("network_in.ec2.eu-west-1")).toEqual([6000]);
    expect(by("disk.ec2.eu-west-1")).toEqual([75]);
    expect(by("memory.ec2.eu-west-1")).toEqual([]);
    expect(samples[0]).toMatchObject({ unit: "%", label: "EC2 CPU (eu-west-1)" });
  });

  it("asks for an hour on the first run, then from shortly before the last success", () => {
    expect(metricsSince(undefined, NOW).toISOString()).toBe(at(60));
    expect(metricsSince(at(1), NOW).toISOString()).toBe(at(16));
    expect(metricsSince(at(24 * 60), NOW).toISOString()).toBe(at(180));
    const body = metricDataRequest(["ec2"], new Date(at(60)), NOW) as {
      MetricDataQueries: { Id: string }[];
      StartTime: number;
      EndTime: number;
    };
    expect(body.StartTime % 300).toBe(0);
    expect(body.EndTime % 300).toBe(0);
    expect(body.MetricDataQueries.map((q) => q.Id)).not.toContain("cpu_rds");
  });
});

describe("one name for an AWS metric: the collector writes what the service dialog charts", () => {
  it("names cards and series by one rule, the measure first", () => {
    expect(awsServiceId("ec2", "eu-west-1")).toBe("ec2.eu-west-1");
    expect(awsMetricId("cpu", "ec2", "eu-west-1")).toBe("cpu.ec2.eu-west-1");
    expect(awsCardMetricIds({ id: "rds.us-east-1", region: "us-east-1" })).toEqual(
      AWS_MEASURES.map((m) => `${m}.rds.us-east-1`),
    );
    // Not a card's id (pushed or foreign cards): no collector series to look for.
    expect(awsCardMetricIds({ id: "ec2", region: "eu-west-1" })).toEqual([]);
    expect(awsCardMetricIds({ id: "gpu.eu-west-1", region: "eu-west-1" })).toEqual([]);
    expect(awsCardMetricIds({ id: "ec2.eu-west-1", region: "us-east-1" })).toEqual([]);
  });

  it("every series the collector writes is one a card of its region looks up", () => {
    const t = Math.floor(NOW.getTime() / 1000) - 60;
    const ids = ["cpu_ec2", "net_in", "net_out", "ebs_read", "ebs_write", "mem", "disk", "cpu_rds"];
    const samples = combineSeries(
      ids.map((Id) => ({ Id, Timestamps: [t], Values: [1] })),
      "eu-west-1",
      NOW,
    );
    const lookedUp = new Set(
      ["ec2", "rds"].flatMap((s) =>
        awsCardMetricIds({ id: `${s}.eu-west-1`, region: "eu-west-1" }),
      ),
    );
    expect(samples).toHaveLength(ids.length);
    for (const s of samples) expect(lookedUp.has(s.metric), s.metric).toBe(true);
  });

  it("the dialog charts the collector's CPU series, before anything pushed under the card's name", () => {
    const card: AwsService = {
      id: "ec2.eu-west-1",
      name: "EC2",
      status: "healthy",
      instances: 2,
      region: "eu-west-1",
      source: "aws",
    };
    const metric = (id: string): Metric => ({
      id,
      label: id,
      value: 1,
      change: 0,
      trend: "stable",
      status: "healthy",
      source: "aws",
    });
    const pushed = metric("ec2.eu-west-1.latency");
    expect(serviceMetric(card, [pushed])).toBe(pushed);
    const cpu = metric("cpu.ec2.eu-west-1");
    const net = metric("network_in.ec2.eu-west-1");
    expect(serviceMetric(card, [pushed, net, cpu, metric("cpu.ec2.us-east-1")])).toBe(cpu);
    expect(serviceMetric(card, [metric("cpu.rds.eu-west-1")])).toBeUndefined();
  });
});

describe("threshold evaluation", () => {
  it("uses the same id rule as the metric cards", () => {
    expect(thresholdKey("cpu.ec2.eu-west-1")).toBe("cpu");
    expect(thresholdKey("disk.ec2.eu-west-1")).toBe("disk");
    expect(thresholdKey("diskio.ec2")).toBeUndefined();
    expect(thresholdKey("network_in.ec2.eu-west-1")).toBeUndefined();
  });

  it("raises once, stays quiet while over, resolves under, and re-raises as a new alert", () => {
    const readings = (v: number) =>
      latestReadings([sample("cpu.ec2.eu-west-1", 10, 5), sample("cpu.ec2.eu-west-1", v)], NOW);
    const first = evaluateThresholds(readings(91), THRESHOLDS, {}, NOW);
    expect(first.incoming).toHaveLength(1);
    expect(first.incoming[0]).toMatchObject({
      status: "firing",
      severity: "critical",
      fingerprint: "threshold:cpu.ec2.eu-west-1",
    });
    expect(first.incoming[0]!.id).toMatch(/^th\./);

    const later = new Date(NOW.getTime() + 30_000);
    const again = evaluateThresholds(readings(95), THRESHOLDS, first.episodes, later);
    expect(again.incoming).toEqual([]);
    expect(again.episodes).toEqual(first.episodes);

    const down = evaluateThresholds(readings(79.9), THRESHOLDS, again.episodes, later);
    expect(down.incoming).toEqual([
      expect.objectContaining({ id: first.incoming[0]!.id, status: "resolved" }),
    ]);
    expect(down.episodes).toEqual({});

    const next = new Date(NOW.getTime() + 60_000);
    const reraised = evaluateThresholds(readings(80), THRESHOLDS, down.episodes, next);
    expect(reraised.incoming[0]!.status).toBe("firing");
    expect(reraised.incoming[0]!.id).not.toBe(first.incoming[0]!.id);
  });

  it("ignores metrics no threshold judges", () => {
    const readings = latestReadings([sample("network_in.ec2.eu-west-1", 1e9)], NOW);
    expect(readings).toEqual([]);
    expect(evaluateThresholds(readings, THRESHOLDS, {}, NOW).incoming).toEqual([]);
  });
});
