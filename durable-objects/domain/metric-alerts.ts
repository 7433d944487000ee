import type { Alert, MetricSample, Settings } from "../../schema";
import type { AlertRuleStore } from "../store/alert-rules";
import type { RecordStore } from "../store/records";
import { applyAlerts, type BatchChanges, type IncomingAlert } from "./alert-ingest";
import { evaluateRules, type RuleJudgement } from "./alert-rules";
import { STALE_AFTER_MS, type Metrics } from "./metrics";
import type { Silences } from "./silences";
import {
  evaluateThresholds,
  latestReadings,
  thresholdKey,
  type ThresholdEpisodes,
} from "./thresholds";

/** What judging metric readings needs: the stores it reads and the alerts it writes. */
export type MetricJudgeDeps = {
  metrics: Metrics;
  alerts: RecordStore<typeof Alert>;
  silences: Silences;
  episodes: ThresholdEpisodes;
  rules: AlertRuleStore;
};

/**
 * Judges a stored batch of samples (pushed or collected) against the workspace thresholds and
 * the alert rules on its metrics, and applies the crossings through the shared alert lifecycle
 * (silences respected). Synchronous: the caller runs it in the transaction that stored the
 * samples. Returns the alert changes, or undefined when nothing crossed.
 * @example const changes = judgeSamples(deps, body.samples, settings.thresholds, "api", now)
 */
export function judgeSamples(
  deps: MetricJudgeDeps,
  samples: MetricSample[],
  thresholds: Settings["thresholds"],
  integrationId: string,
  now: Date,
): BatchChanges | undefined {
  const rules = deps.rules.forMetrics([...new Set(samples.map((s) => s.metric))]);
  const ruled = new Set(rules.map((r) => r.metric));
  const readings = latestReadings(
    samples,
    now,
    (metric) => thresholdKey(metric) !== undefined || ruled.has(metric),
  ).map((reading) => named(deps.metrics, reading));
  const evaluated = evaluateThresholds(readings, thresholds, deps.episodes.load(), now, rules);
  return applyBreaches(deps, evaluated, integrationId, now);
}

/**
 * Judges rules at once against their metrics' newest stored values: a new or edited rule
 * (`refresh` re-sends an open breach so its alert shows the edit), or a deleted one (its open
 * breach resolves). Synchronous, for the caller's transaction.
 */
export function judgeRules(
  deps: MetricJudgeDeps,
  judgements: Omit<RuleJudgement, "reading">[],
  now: Date,
): BatchChanges | undefined {
  const evaluated = evaluateRules(
    judgements.map((j) => ({
      ...j,
      reading: j.close ? undefined : deps.metrics.latestSample(j.rule.metric, now),
    })),
    deps.episodes.load(),
    now,
  );
  return applyBreaches(deps, evaluated, "rules", now);
}

/**
 * Judges the cpu/memory/disk thresholds again after they changed, against each affected
 * series' newest stored value, so a raised threshold resolves a breach now and a lowered one
 * raises it now, not at a next sample a pushed metric may never send. A stale value may only
 * close a breach: an alert is never opened on a number that is no longer current.
 */
export function rejudgeThresholds(
  deps: MetricJudgeDeps,
  before: Settings["thresholds"],
  after: Settings["thresholds"],
  now: Date,
): BatchChanges | undefined {
  const changed = (Object.keys(after) as (keyof Settings["thresholds"])[]).filter(
    (k) => before[k] !== after[k],
  );
  if (changed.length === 0) return undefined;
  const episodes = deps.episodes.load();
  const readings = deps.metrics.ids().flatMap((id) => {
    const key = thresholdKey(id);
    const reading = key && changed.includes(key) ? deps.metrics.latestSample(id, now) : undefined;
    if (!reading) return [];
    const fresh = now.getTime() - Date.parse(reading.timestamp ?? "") <= STALE_AFTER_MS;
    return fresh || episodes[id] !== undefined ? [reading] : [];
  });
  const evaluated = evaluateThresholds(readings, after, episodes, now);
  return applyBreaches(deps, evaluated, "settings", now);
}

/** Applies judged crossings through the shared alert lifecycle and stores the open breaches. */
function applyBreaches(
  deps: MetricJudgeDeps,
  evaluated: { incoming: IncomingAlert[]; episodes: Record<string, string> },
  integrationId: string,
  now: Date,
): BatchChanges | undefined {
  if (evaluated.incoming.length === 0) return undefined;
  const changes = applyAlerts(
    deps.alerts,
    deps.silences,
    "threshold",
    evaluated.incoming,
    integrationId,
    now,
  );
  deps.episodes.save(evaluated.episodes);
  return changes;
}

/** A sample without label or unit takes them from its series, so alert titles carry the unit. */
function named(metrics: Metrics, reading: MetricSample): MetricSample {
  if (reading.label !== undefined && reading.unit !== undefined) return reading;
  const series = metrics.describe(reading.metric);
  return { ...reading, label: reading.label ?? series?.label, unit: reading.unit ?? series?.unit };
}
