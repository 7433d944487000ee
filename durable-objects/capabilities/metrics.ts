import {
  fail,
  ok,
  type AlertRule,
  type AlertRuleQuery,
  type ChartDataPoint,
  type CreateAlertRuleBody,
  type Metric,
  type MetricSamplesBody,
  type Outcome,
  type Principal,
  type Settings,
  type TimeRange,
  type UpdateAlertRuleBody,
} from "../../schema";
import {
  createRule,
  deleteRule,
  updateRule,
  type RuleActionDeps,
  type RuleChange,
} from "../domain/alert-rule-actions";
import { breachedStatus } from "../domain/alert-rules";
import { judgeSamples, rejudgeThresholds, type MetricJudgeDeps } from "../domain/metric-alerts";
import { Metrics } from "../domain/metrics";
import { loadSettings } from "../domain/settings";
import { ThresholdEpisodes } from "../domain/thresholds";
import { AlertRuleStore } from "../store/alert-rules";
import type { Alerts } from "./alerts";
import type { Host } from "./host";

/** Rules made by hand plus rules another capability derives (Prometheus card thresholds). */
class JudgedRules extends AlertRuleStore {
  constructor(
    sql: SqlStorage,
    private readonly derived: (metrics: readonly string[]) => AlertRule[],
  ) {
    super(sql);
  }

  override forMetrics(metrics: readonly string[]): AlertRule[] {
    return [...super.forMetrics(metrics), ...this.derived(metrics)];
  }
}

/**
 * Metric series (pushed and collected), their cards and charts, and the thresholds and alert
 * rules judged against them. `cards()` is the one source of metric cards for the snapshot,
 * frames, `GET api/metrics`, `/metrics` and the status page.
 */
export class MetricSeries {
  readonly store: Metrics;
  readonly rules: AlertRuleStore;
  /**
   * Rules that live with something else (a Prometheus card's thresholds): judged and shown on
   * the cards like stored rules, but not listed or edited through `api/alert-rules`.
   */
  derivedRules: (metrics: readonly string[]) => AlertRule[] = () => [];

  constructor(
    private readonly host: Host,
    private readonly alerts: Alerts,
  ) {
    this.store = new Metrics(host.sql);
    this.rules = new AlertRuleStore(host.sql);
  }

  /** Cards over `range` with threshold and rule status, as of now. */
  cards(range: TimeRange = "1h", thresholds = loadSettings(this.host.sql).thresholds): Metric[] {
    const rules = [...this.rules.list(), ...this.derivedRules(this.store.ids())];
    const status = breachedStatus(rules, new ThresholdEpisodes(this.host.sql).load());
    return this.store.cards(range, thresholds, new Date(), status);
  }

  chart(metricId: string, range: TimeRange): Outcome<ChartDataPoint[]> {
    if (!this.store.has(metricId))
      return fail(404, "not_found", `No metric '${metricId}'.`, { field: "metricId" });
    return ok(this.store.chart(metricId, range, new Date()));
  }

  /** Broadcasts the 1 h cards (a sample, a threshold or a rule changed). */
  publish(now: Date): void {
    this.host.publish({ type: "metrics", payload: this.cards() }, now);
  }

  /**
   * Pushed samples are stored and, like collected ones, judged against the cpu/memory/disk
   * thresholds and the alert rules: a crossing raises or resolves an alert through the shared
   * alert lifecycle.
   */
  ingest(body: MetricSamplesBody): Outcome<{ accepted: number }> {
    const now = new Date();
    const thresholds = loadSettings(this.host.sql).thresholds;
    const outcome = this.host.transaction(() => {
      const result = this.store.ingest(body.samples, body.source, now);
      if (!result.ok) return { result, changes: undefined };
      return { result, changes: judgeSamples(this.judge(), body.samples, thresholds, "api", now) };
    });
    if (!outcome.result.ok) return outcome.result;
    this.publish(now);
    this.alerts.breached(outcome.changes, now);
    return outcome.result;
  }

  /** Judges changed cpu/memory/disk thresholds against current values; call in a transaction. */
  rejudge(before: Settings["thresholds"], after: Settings["thresholds"], now: Date) {
    return rejudgeThresholds(this.judge(), before, after, now);
  }

  listRules(query: AlertRuleQuery): AlertRule[] {
    return this.rules.list(query.metric);
  }

  /** Creates a rule and judges it at once against its metric. */
  createRule(actor: Principal, body: CreateAlertRuleBody): Outcome<AlertRule> {
    const now = new Date();
    return this.ruleChanged(createRule(this.ruleDeps(), actor, body, now), now);
  }

  updateRule(actor: Principal, id: string, body: UpdateAlertRuleBody): Outcome<AlertRule> {
    const now = new Date();
    return this.ruleChanged(updateRule(this.ruleDeps(), actor, id, body, now), now);
  }

  /** Deletes a rule; its open breach resolves. */
  deleteRule(actor: Principal, id: string): Outcome<AlertRule> {
    const now = new Date();
    return this.ruleChanged(deleteRule(this.ruleDeps(), actor, id, now), now);
  }

  /** What judging readings needs; the AWS collector judges its samples with it too. */
  judge(): MetricJudgeDeps {
    return {
      metrics: this.store,
      alerts: this.alerts.store,
      silences: this.alerts.silences,
      episodes: new ThresholdEpisodes(this.host.sql),
      rules: new JudgedRules(this.host.sql, (metrics) => this.derivedRules(metrics)),
    };
  }

  /** Broadcasts what judging a rule changed: the alerts, and the cards' statuses. */
  private ruleChanged(outcome: Outcome<RuleChange>, now: Date): Outcome<AlertRule> {
    if (!outcome.ok) return outcome;
    const { rule, changes } = outcome.value;
    if (changes) {
      this.publish(now);
      this.alerts.breached(changes, now);
    }
    return ok(rule);
  }

  private ruleDeps(): RuleActionDeps {
    return {
      ...this.judge(),
      audit: this.host.audit,
      transaction: (fn) => this.host.transaction(fn),
    };
  }
}
