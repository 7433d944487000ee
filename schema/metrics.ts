import { z } from "zod";
import { HealthStatus, Provenance, RecordId, TimeRange, Timestamp, Trend } from "./common";

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

export const MetricSample = z
  .object({
    metric: RecordId,
    label: z.string().min(1).max(200).optional(),
    unit: z.string().max(20).optional(),
    value: z.number().finite(),
    timestamp: Timestamp.optional(),
  })
  .strict();
export type MetricSample = z.infer<typeof MetricSample>;

/** `POST api/metrics/samples`: push custom metrics (scripts, exporters) into the workspace. */
export const MetricSamplesBody = z
  .object({
    source: z.string().min(1).max(100).default("api"),
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
