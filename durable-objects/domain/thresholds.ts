import type { AlertRule, MetricSample, Settings } from "../../schema";
import type { IncomingAlert } from "./alert-ingest";
import { breachAlert } from "./breach-alert";
import { evaluateRules } from "./alert-rules";

export type ThresholdKey = keyof Settings["thresholds"];

const NAMES: Record<ThresholdKey, string> = { cpu: "CPU", memory: "Memory", disk: "Disk" };
const EPISODES_KEY = "threshold-episodes";

/** Which workspace threshold judges a metric: the same id rule the metric cards use. */
export function thresholdKey(metricId: string): ThresholdKey | undefined {
  return (["cpu", "memory", "disk"] as const).find(
    (k) => metricId === k || metricId.startsWith(`${k}.`) || metricId.startsWith(`${k}_`),
  );
}

/**
 * Open breaches: metric id → when its value went over the threshold. The start time is the
 * alert's identity, so every run of one breach names the same alert, and a breach that was
 * resolved by hand is not raised again until the value has dropped and crossed anew.
 */
export class ThresholdEpisodes {
  constructor(private readonly sql: SqlStorage) {}

  load(): Record<string, string> {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", EPISODES_KEY)
      .next();
    if (row.done) return {};
    const parsed: unknown = JSON.parse(row.value.value);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, string>) : {};
  }

  save(episodes: Record<string, string>): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      EPISODES_KEY,
      JSON.stringify(episodes),
    );
  }
}

/** The newest sample of each judged metric in a batch (by default: the thresholded ones). */
export function latestReadings(
  samples: MetricSample[],
  now: Date,
  judged: (metric: string) => boolean = (metric) => thresholdKey(metric) !== undefined,
): MetricSample[] {
  const latest = new Map<string, MetricSample>();
  for (const s of samples) {
    if (!judged(s.metric)) continue;
    const at = (x: MetricSample) => Date.parse(x.timestamp ?? now.toISOString());
    const seen = latest.get(s.metric);
    if (!seen || at(s) >= at(seen)) latest.set(s.metric, s);
  }
  return [...latest.values()];
}

/**
 * Crossings as normalised alerts for the shared alert lifecycle (`applyAlerts`): a reading at
 * or over its threshold opens a breach (one firing alert); a reading back under it resolves
 * that alert. Readings that do not change a breach produce nothing, so repeated runs add no
 * duplicates and no noise. The alert rules on the readings' metrics are judged in the same
 * pass (see `evaluateRules`). Returns the breaches to store with the alerts.
 */
export function evaluateThresholds(
  readings: MetricSample[],
  thresholds: Settings["thresholds"],
  episodes: Record<string, string>,
  now: Date,
  rules: readonly AlertRule[] = [],
): { incoming: IncomingAlert[]; episodes: Record<string, string> } {
  const judged = evaluateWorkspaceThresholds(readings, thresholds, episodes, now);
  const byMetric = new Map(readings.map((r) => [r.metric, r]));
  const ruled = evaluateRules(
    rules.flatMap((rule) => {
      const reading = byMetric.get(rule.metric);
      return reading ? [{ rule, reading }] : [];
    }),
    judged.episodes,
    now,
  );
  return { incoming: [...judged.incoming, ...ruled.incoming], episodes: ruled.episodes };
}

/** The cpu/memory/disk settings: episode keys are the metric ids, as stored since they began. */
function evaluateWorkspaceThresholds(
  readings: MetricSample[],
  thresholds: Settings["thresholds"],
  episodes: Record<string, string>,
  now: Date,
): { incoming: IncomingAlert[]; episodes: Record<string, string> } {
  const next = { ...episodes };
  const incoming: IncomingAlert[] = [];
  for (const reading of readings) {
    const key = thresholdKey(reading.metric);
    if (!key) continue;
    const limit = thresholds[key];
    const open = next[reading.metric];
    const over = reading.value >= limit;
    if (over === (open !== undefined)) continue;
    const startsAt = open ?? now.toISOString();
    incoming.push(thresholdAlert(reading, key, limit, startsAt, over, now));
    if (over) next[reading.metric] = startsAt;
    else delete next[reading.metric];
  }
  return { incoming, episodes: next };
}

function thresholdAlert(
  reading: MetricSample,
  key: ThresholdKey,
  limit: number,
  startsAt: string,
  over: boolean,
  now: Date,
): IncomingAlert {
  const fingerprint = `threshold:${reading.metric}`;
  const label = reading.label ?? reading.metric;
  const unit = reading.unit ?? "";
  const title = `${NAMES[key]} at or above ${limit}${unit}: ${label}`;
  const message = over
    ? `${label} read ${reading.value}${unit}, at or above the workspace ${key} threshold of ${limit}${unit}.`
    : `${label} is back to ${reading.value}${unit}, under the ${key} threshold of ${limit}${unit}.`;
  return breachAlert({
    fingerprint,
    startsAt,
    over,
    now,
    title,
    message,
    severity: "critical",
    labels: { alertname: `${NAMES[key]}ThresholdExceeded`, metric: reading.metric, threshold: key },
    group: `threshold:${key}`,
  });
}
