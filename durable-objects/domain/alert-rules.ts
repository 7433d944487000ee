import {
  COMPARATOR_SYMBOL,
  type AlertRule,
  type Comparator,
  type HealthStatus,
  type MetricSample,
  type Severity,
} from "../../schema";
import type { IncomingAlert } from "./alert-ingest";
import { breachAlert } from "./breach-alert";

/** Episode key and fingerprint of a rule's breaches: by rule id, so an edit keeps its breach. */
export const ruleKey = (ruleId: string) => `rule:${ruleId}`;

/** Whether a reading is on the alerting side of a rule. */
export function breaches(value: number, comparator: Comparator, limit: number): boolean {
  switch (comparator) {
    case "gt":
      return value > limit;
    case "gte":
      return value >= limit;
    case "lt":
      return value < limit;
    case "lte":
      return value <= limit;
  }
}

const withUnit = (value: number, unit: string | undefined) =>
  !unit ? String(value) : unit === "%" ? `${value}%` : `${value} ${unit}`;

/** The rule as people read it: `latency.p99 > 250 ms`. */
export function ruleCondition(rule: AlertRule, unit?: string): string {
  return `${rule.metric} ${COMPARATOR_SYMBOL[rule.comparator]} ${withUnit(rule.value, unit)}`;
}

/** A breached rule's colour on its metric card. */
export const RULE_STATUS: Record<Severity, HealthStatus> = {
  critical: "critical",
  error: "critical",
  warning: "warning",
  info: "healthy",
};

export type RuleJudgement = {
  rule: AlertRule;
  /** The metric's newest reading; absent when a deleted rule's breach is closed. */
  reading?: MetricSample;
  /** Re-send an open breach (an edited rule) so its alert takes the new title and severity. */
  refresh?: boolean;
  /** Close the rule's open breach, for this reason (the rule was deleted or moved). */
  close?: string;
};

/**
 * Rule crossings as normalised alerts for the shared lifecycle, with the same episode rules as
 * the workspace thresholds: a reading on the alerting side opens a breach (one firing alert,
 * its start time part of its identity); a reading back on the good side, or deleting the rule,
 * resolves it. Readings that change no breach produce nothing, so repeats add no duplicates.
 */
export function evaluateRules(
  judgements: RuleJudgement[],
  episodes: Record<string, string>,
  now: Date,
): { incoming: IncomingAlert[]; episodes: Record<string, string> } {
  const next = { ...episodes };
  const incoming: IncomingAlert[] = [];
  for (const { rule, reading, refresh, close } of judgements) {
    const key = ruleKey(rule.id);
    const open = next[key];
    if (!reading && close === undefined) continue;
    const over =
      close === undefined &&
      reading !== undefined &&
      breaches(reading.value, rule.comparator, rule.value);
    if (over === (open !== undefined) && !(over && refresh)) continue;
    const startsAt = open ?? now.toISOString();
    incoming.push(ruleAlert(rule, reading, startsAt, over, close, now));
    if (over) next[key] = startsAt;
    else delete next[key];
  }
  return { incoming, episodes: next };
}

function ruleAlert(
  rule: AlertRule,
  reading: MetricSample | undefined,
  startsAt: string,
  over: boolean,
  close: string | undefined,
  now: Date,
): IncomingAlert {
  const fingerprint = ruleKey(rule.id);
  const unit = reading?.unit;
  const condition = ruleCondition(rule, unit);
  const title = rule.name ?? condition;
  const label = reading?.label ?? rule.metric;
  const value = reading ? withUnit(reading.value, unit) : undefined;
  const message = close
    ? `The rule ${condition} ${close}, which closes its breach.`
    : over
      ? `${label} read ${value}, breaking the rule ${condition}.`
      : `${label} is back to ${value}, within the rule ${condition}.`;
  return breachAlert({
    fingerprint,
    startsAt,
    over,
    now,
    title,
    message,
    severity: rule.severity,
    labels: { alertname: title, metric: rule.metric, rule: rule.id },
    group: fingerprint,
  });
}

/**
 * Card status from the open breaches: per metric, the worst status among its breached rules
 * (critical/error → critical, warning → warning).
 */
export function breachedStatus(
  rules: readonly AlertRule[],
  episodes: Record<string, string>,
): Map<string, HealthStatus> {
  const status = new Map<string, HealthStatus>();
  for (const rule of rules) {
    if (episodes[ruleKey(rule.id)] === undefined) continue;
    const mine = RULE_STATUS[rule.severity];
    const seen = status.get(rule.metric);
    if (mine === "healthy" || seen === "critical" || seen === mine) continue;
    status.set(rule.metric, mine);
  }
  return status;
}
