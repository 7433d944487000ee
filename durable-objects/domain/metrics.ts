import {
  METRIC_RETENTION_MS,
  MetricSeries,
  fail,
  ok,
  type ChartDataPoint,
  type HealthStatus,
  type Metric,
  type MetricSample,
  type Outcome,
  type Settings,
  type TimeRange,
} from "../../schema";
import { RecordStore } from "../store/records";

export const RANGE_MS: Record<TimeRange, number> = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 604_800_000,
  "30d": 2_592_000_000,
};

/** Points per chart: enough for a smooth line, small enough to send on every change. */
const CHART_BUCKETS = 120;
/** A series not updated for this long is shown offline instead of as a fresh number. */
export const STALE_AFTER_MS = 10 * 60_000;
/** Each series costs two indexed lookups per card read; this keeps `GET api/metrics` cheap. */
export const MAX_SERIES = 200;

/**
 * Storage tiers. Raw points serve the 1 h range at full resolution; 5-minute rollups the 24 h
 * range; hourly rollups 7 d and 30 d. Per series that is ~1k rows instead of 86k raw points
 * a month at a 30 s cadence.
 */
const RAW_RETENTION_MS = 3 * 3_600_000;
const ROLLUPS = [
  { res: 300_000, keepMs: 26 * 3_600_000 },
  { res: 3_600_000, keepMs: METRIC_RETENTION_MS + 86_400_000 },
] as const;
const TIER_FOR_RANGE: Record<TimeRange, number | "raw"> = {
  "1h": "raw",
  "24h": 300_000,
  "7d": 3_600_000,
  "30d": 3_600_000,
};

/** Sees each stored batch with the time each point was stored under. */
export type IngestObserver = (
  samples: readonly { metric: string; value: number; at: number }[],
  source: string,
  now: Date,
) => void;

/**
 * Metric series and their points. Cards are derived on read from the points, so a card's
 * value, change and trend always match the history a chart shows.
 */
export class Metrics {
  private readonly series: RecordStore<typeof MetricSeries>;
  private readonly observers: IngestObserver[] = [];

  constructor(private readonly sql: SqlStorage) {
    this.series = new RecordStore(sql, "metric-series", MetricSeries, (s) => s.id);
  }

  /**
   * Stores a batch of points (all or nothing: one synchronous run of the object). A batch that
   * would create more than MAX_SERIES series is refused, so card reads stay bounded.
   */
  ingest(samples: MetricSample[], source: string, now: Date): Outcome<{ accepted: number }> {
    const batch = new Map<string, { newest: number; label?: string; unit?: string }>();
    for (const sample of samples) {
      const at = pointTime(sample, now);
      const seen = batch.get(sample.metric);
      batch.set(sample.metric, {
        newest: Math.max(seen?.newest ?? at, at),
        label: sample.label ?? seen?.label,
        unit: sample.unit ?? seen?.unit,
      });
    }
    const existing = new Map([...batch.keys()].map((id) => [id, this.series.get(id)]));
    const added = [...existing.values()].filter((s) => s === undefined).length;
    if (added > 0 && this.series.count() + added > MAX_SERIES) {
      return fail(
        422,
        "series_limit",
        `A workspace keeps at most ${MAX_SERIES} metric series; this batch adds ${added} to ${this.series.count()}. Reuse metric ids.`,
        { field: "json.samples" },
      );
    }
    for (const [id, entry] of batch) {
      const prior = existing.get(id);
      const newest = Math.max(entry.newest, prior ? Date.parse(prior.updatedAt) : 0);
      this.series.put({
        id,
        label: entry.label ?? prior?.label ?? id,
        unit: entry.unit ?? prior?.unit,
        source,
        updatedAt: new Date(newest).toISOString(),
      });
    }
    for (const sample of samples)
      this.store(sample.metric, pointTime(sample, now), sample.value, now);
    if (this.observers.length > 0) {
      const points = samples.map((s) => ({
        metric: s.metric,
        value: s.value,
        at: pointTime(s, now),
      }));
      for (const observe of this.observers) observe(points, source, now);
    }
    // Per series, so the deletes walk the primary key instead of scanning every point.
    for (const id of batch.keys()) {
      this.sql.exec(
        "DELETE FROM metric_points WHERE metric_id = ? AND ts < ?",
        id,
        now.getTime() - RAW_RETENTION_MS,
      );
      for (const tier of ROLLUPS) {
        this.sql.exec(
          "DELETE FROM metric_rollups WHERE metric_id = ? AND res = ? AND bucket < ?",
          id,
          tier.res,
          now.getTime() - tier.keepMs,
        );
      }
    }
    return ok({ accepted: samples.length });
  }

  /**
   * Calls `observer` with every batch stored from now on (every source: pushed, agent, AWS,
   * Web3, Prometheus), inside the ingest's transaction: anomaly detection scores points here.
   */
  observe(observer: IngestObserver): void {
    this.observers.push(observer);
  }

  /**
   * One point into each tier it is recent enough for. A point sent again for the same instant
   * replaces the raw value and takes the old one out of the rollup sums (min/max keep the
   * widest range seen, an accepted approximation).
   */
  private store(id: string, at: number, value: number, now: Date): void {
    const replaced = this.sql
      .exec<{ value: number }>(
        "SELECT value FROM metric_points WHERE metric_id = ? AND ts = ?",
        id,
        at,
      )
      .next();
    if (at >= now.getTime() - RAW_RETENTION_MS) {
      this.sql.exec(
        "INSERT OR REPLACE INTO metric_points (metric_id, ts, value) VALUES (?, ?, ?)",
        id,
        at,
        value,
      );
    }
    const previous = replaced.done ? undefined : replaced.value.value;
    for (const tier of ROLLUPS) {
      if (at < now.getTime() - tier.keepMs) continue;
      this.sql.exec(
        `INSERT INTO metric_rollups (metric_id, res, bucket, sum, count, min, max) VALUES (?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (metric_id, res, bucket) DO UPDATE SET
           sum = sum + excluded.sum - ?, count = count + ?,
           min = MIN(min, excluded.min), max = MAX(max, excluded.max)`,
        id,
        tier.res,
        at - (at % tier.res),
        value,
        value,
        value,
        previous ?? 0,
        previous === undefined ? 1 : 0,
      );
    }
  }

  /** Every stored series id (at most MAX_SERIES). */
  ids(): string[] {
    return this.series.list().map((s) => s.id);
  }

  /** Forgets a series and its points (its Prometheus card was removed). */
  drop(metricId: string): void {
    this.series.delete(metricId);
    this.sql.exec("DELETE FROM metric_points WHERE metric_id = ?", metricId);
    this.sql.exec("DELETE FROM metric_rollups WHERE metric_id = ?", metricId);
  }

  has(metricId: string): boolean {
    return this.series.get(metricId) !== undefined;
  }

  /** The series' newest stored reading as a sample (label and unit from the series), if any. */
  latestSample(metricId: string, now: Date): MetricSample | undefined {
    const series = this.series.get(metricId);
    const latest = series ? this.latestReading(metricId, now) : undefined;
    if (!series || !latest) return undefined;
    return {
      metric: metricId,
      label: series.label,
      unit: series.unit,
      value: latest.value,
      timestamp: new Date(latest.ts).toISOString(),
    };
  }

  /** The label and unit a series was last given, to name it in alerts. */
  describe(metricId: string): { label: string; unit?: string } | undefined {
    const series = this.series.get(metricId);
    return series ? { label: series.label, unit: series.unit } : undefined;
  }

  /**
   * Cards for the range. `ruleStatus` holds the status of metrics with a breached alert rule;
   * a card shows the worse of it and the workspace-threshold status.
   */
  cards(
    range: TimeRange,
    thresholds: Settings["thresholds"],
    now: Date,
    ruleStatus: ReadonlyMap<string, HealthStatus> = new Map(),
  ): Metric[] {
    return this.series
      .list()
      .sort((a, b) => a.label.localeCompare(b.label))
      .flatMap((series) => {
        const latest = this.latestReading(series.id, now);
        if (!latest) return [];
        const base = this.valueAtRangeStart(series.id, range, now) ?? latest;
        const change =
          base.value === 0 ? 0 : ((latest.value - base.value) / Math.abs(base.value)) * 100;
        const fresh = now.getTime() - latest.ts <= STALE_AFTER_MS;
        return [
          {
            id: series.id,
            label: series.label,
            value: latest.value,
            change: Math.round(change * 100) / 100,
            trend: Math.abs(change) < 1 ? "stable" : change > 0 ? "up" : "down",
            status: fresh
              ? worse(statusFor(series.id, latest.value, thresholds), ruleStatus.get(series.id))
              : "offline",
            unit: series.unit,
            source: series.source,
            updatedAt: new Date(latest.ts).toISOString(),
          } satisfies Metric,
        ];
      });
  }

  /** Averages per bucket across the range, oldest first, read from the tier sized for it. */
  chart(metricId: string, range: TimeRange, now: Date): ChartDataPoint[] {
    const span = RANGE_MS[range];
    const tier = TIER_FOR_RANGE[range];
    // A chart bucket must hold whole rollup buckets, or a rollup would straddle two of them:
    // 24 h → 15 min, 7 d → 2 h, 30 d → 6 h (1 h from raw points → 30 s).
    const target = Math.max(1000, Math.floor(span / CHART_BUCKETS));
    const bucket = tier === "raw" ? target : Math.ceil(target / tier) * tier;
    // JS numbers bind as REAL, so `ts / ?` would not truncate; `%` always works on integers.
    const rows =
      tier === "raw"
        ? this.sql.exec<{ b: number; v: number }>(
            `SELECT ts - (ts % ?) AS b, AVG(value) AS v FROM metric_points
             WHERE metric_id = ? AND ts > ? AND ts <= ? GROUP BY b ORDER BY b`,
            bucket,
            metricId,
            now.getTime() - span,
            now.getTime(),
          )
        : this.sql.exec<{ b: number; v: number }>(
            `SELECT bucket - (bucket % ?) AS b, SUM(sum) / SUM(count) AS v FROM metric_rollups
             WHERE metric_id = ? AND res = ? AND bucket > ? AND bucket <= ? GROUP BY b ORDER BY b`,
            bucket,
            metricId,
            tier,
            now.getTime() - span - tier,
            now.getTime(),
          );
    return rows
      .toArray()
      .map((row) => ({ timestamp: new Date(row.b).toISOString(), value: row.v }));
  }

  /**
   * The series in (from, to], averaged into at most `buckets` buckets, oldest first: the
   * sparkline of an anomaly card. Raw points where they are kept, the 5-minute rollups before
   * that (an anomaly opened hours ago still has its line).
   */
  window(metricId: string, from: number, to: number, buckets: number, now: Date): ChartDataPoint[] {
    const bucket = Math.max(1000, Math.ceil((to - from) / buckets));
    // Raw points are kept RAW_RETENTION_MS back from now; before that, only rollups.
    const rawFrom = Math.max(from, now.getTime() - RAW_RETENTION_MS);
    const tier = ROLLUPS[0].res;
    return this.sql
      .exec<{ b: number; v: number }>(
        `SELECT t - (t % ?) AS b, AVG(v) AS v FROM (
           SELECT ts AS t, value AS v FROM metric_points
             WHERE metric_id = ? AND ts > ? AND ts <= ?
           UNION ALL
           SELECT bucket AS t, sum / count AS v FROM metric_rollups
             WHERE metric_id = ? AND res = ? AND bucket > ? AND bucket <= ?
         ) GROUP BY b ORDER BY b`,
        bucket,
        metricId,
        rawFrom,
        to,
        metricId,
        tier,
        from,
        Math.min(to, rawFrom - tier),
      )
      .toArray()
      .slice(-buckets)
      .map((row) => ({ timestamp: new Date(row.b).toISOString(), value: row.v }));
  }

  /** The newest reading: a raw point, or (for a series quiet for hours) its newest rollup. */
  private latestReading(id: string, now: Date): { ts: number; value: number } | undefined {
    const raw = this.pointAt(id, "<=", now.getTime(), "DESC");
    if (raw) return raw;
    for (const tier of ROLLUPS) {
      const row = this.sql
        .exec<{ ts: number; value: number }>(
          `SELECT bucket AS ts, sum / count AS value FROM metric_rollups
           WHERE metric_id = ? AND res = ? AND bucket <= ? ORDER BY bucket DESC LIMIT 1`,
          id,
          tier.res,
          now.getTime(),
        )
        .next();
      if (!row.done) return row.value;
    }
    return undefined;
  }

  /** The value a card's change is measured from: the first reading in the range's tier. */
  private valueAtRangeStart(
    id: string,
    range: TimeRange,
    now: Date,
  ): { ts: number; value: number } | undefined {
    const from = now.getTime() - RANGE_MS[range];
    const tier = TIER_FOR_RANGE[range];
    if (tier === "raw") return this.pointAt(id, ">=", from, "ASC");
    const row = this.sql
      .exec<{ ts: number; value: number }>(
        `SELECT bucket AS ts, sum / count AS value FROM metric_rollups
         WHERE metric_id = ? AND res = ? AND bucket >= ? ORDER BY bucket ASC LIMIT 1`,
        id,
        tier,
        from - (from % tier),
      )
      .next();
    return row.done ? undefined : row.value;
  }

  private pointAt(id: string, op: "<=" | ">=", ts: number, order: "ASC" | "DESC") {
    const row = this.sql
      .exec<{ ts: number; value: number }>(
        `SELECT ts, value FROM metric_points WHERE metric_id = ? AND ts ${op} ? ORDER BY ts ${order} LIMIT 1`,
        id,
        ts,
      )
      .next();
    return row.done ? undefined : row.value;
  }
}

/** A sample without a timestamp is a reading taken now. */
function pointTime(sample: MetricSample, now: Date): number {
  return sample.timestamp ? Date.parse(sample.timestamp) : now.getTime();
}

/** cpu/memory/disk metrics are judged against the workspace thresholds (percent). */
function statusFor(id: string, value: number, thresholds: Settings["thresholds"]): HealthStatus {
  const key = (["cpu", "memory", "disk"] as const).find(
    (k) => id === k || id.startsWith(`${k}.`) || id.startsWith(`${k}_`),
  );
  if (!key) return "healthy";
  const limit = thresholds[key];
  if (value >= limit) return "critical";
  if (value >= limit - 10) return "warning";
  return "healthy";
}

const RANK: Record<HealthStatus, number> = { healthy: 0, warning: 1, critical: 2, offline: 0 };

/** The worse of two statuses (a missing one changes nothing). */
export function worse(a: HealthStatus, b: HealthStatus | undefined): HealthStatus {
  return b !== undefined && RANK[b] > RANK[a] ? b : a;
}
