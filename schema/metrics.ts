import { z } from "zod";
import { HealthStatus, Provenance, RecordId, Text, TimeRange, Timestamp, Trend } from "./common";

/** Contract `Metric`, extended additively with unit and provenance. */
export const Metric = z.object({
  id: RecordId,
  label: z.string().max(200),
  value: z.union([z.string().max(200), z.number()]),
  change: z.number(),
  trend: Trend,
  status: HealthStatus,
  unit: z.string().max(20).optional(),
  ...Provenance,
});
export type Metric = z.infer<typeof Metric>;

export const ChartDataPoint = z.object({ timestamp: Timestamp, value: z.number() });
export type ChartDataPoint = z.infer<typeof ChartDataPoint>;

/** Points older than this are dropped, so a sample older than this could never be shown. */
export const METRIC_RETENTION_MS = 30 * 86_400_000;
/** Clock skew tolerated on pushed timestamps; later points would sit invisible until then. */
export const METRIC_MAX_SKEW_MS = 5 * 60_000;

const SampleTime = Timestamp.refine((ts) => {
  const at = Date.parse(ts);
  const now = Date.now();
  return at >= now - METRIC_RETENTION_MS && at <= now + METRIC_MAX_SKEW_MS;
}, "must lie within the last 30 days and at most 5 minutes ahead of the server clock");

export const MetricSample = z
  .object({
    metric: RecordId,
    label: Text(200).min(1).optional(),
    unit: Text(20).optional(),
    value: z.number().finite(),
    timestamp: SampleTime.optional(),
  })
  .strict();
export type MetricSample = z.infer<typeof MetricSample>;

/** `POST api/metrics/samples`: push custom metrics (scripts, exporters) into the workspace. */
export const MetricSamplesBody = z
  .object({
    source: Text(100).min(1).default("api"),
    samples: z.array(MetricSample).min(1).max(1000),
  })
  .strict();
export type MetricSamplesBody = z.infer<typeof MetricSamplesBody>;

export const MetricsQuery = z.object({ timeRange: TimeRange.default("1h") });
export type MetricsQuery = z.infer<typeof MetricsQuery>;

/** Identity of a metric series; its points live in their own table. */
export const MetricSeries = z.object({
  id: RecordId,
  label: z.string(),
  unit: z.string().optional(),
  source: z.string(),
  updatedAt: Timestamp,
});
export type MetricSeries = z.infer<typeof MetricSeries>;
