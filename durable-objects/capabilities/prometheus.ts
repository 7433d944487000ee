import {
  PromAuth,
  fail,
  ok,
  type MetricSample,
  type Outcome,
  type PromCard,
  type PrometheusIntegration,
  type PrometheusIntegrationInput,
  type Principal,
  type StoredPrometheus,
} from "../../schema";
import { UpstreamError } from "../../providers/http";
import { type PromConnection } from "../../providers/prometheus/client";
import { loadIntervals } from "../collection/intervals";
import { checkCards, loadHistory, type Checked } from "../collection/prometheus-check";
import { prometheusJob } from "../collection/prometheus-job";
import type { CollectionJob } from "../collection/runner";
import {
  cardOf,
  cardRules,
  loadPrometheus,
  savePrometheus,
  viewPrometheus,
} from "../domain/prometheus-config";
import type { RuleJudgement } from "../domain/alert-rules";
import { judgeRules } from "../domain/metric-alerts";
import { loadSettings } from "../domain/settings";
import type { SecretBox } from "../store/secret-box";
import type { Alerts } from "./alerts";
import type { Host } from "./host";
import type { MetricSeries } from "./metrics";
import type { SourceStates } from "./sources";
import { SECRETS_KEY_MISSING } from "./webhooks";

/** What the audit keeps of a configuration: no source state, no run reports, no credential. */
function auditView(stored: StoredPrometheus | undefined) {
  const {
    source: _s,
    cards,
    ...rest
  } = viewPrometheus(stored, {
    id: "prometheus",
    status: "pending",
  });
  return { ...rest, cards: cards.map(({ report: _r, ...card }) => card) };
}

/**
 * Prometheus as a source: the endpoint (credential sealed, write-only), its metric cards (each
 * a PromQL expression whose series become metric series), and the collector job that evaluates
 * them. Card thresholds become rules on the card's series (see `cardRules`).
 */
export class Prometheus {
  constructor(
    private readonly host: Host,
    private readonly deps: {
      sources: SourceStates;
      metrics: MetricSeries;
      alerts: Alerts;
      /** The integration changed: collect now, or stop collecting. */
      reschedule: (now: Date) => Promise<void>;
    },
  ) {
    deps.metrics.derivedRules = (ids) => cardRules(loadPrometheus(host.sql), ids);
  }

  stored(): StoredPrometheus | undefined {
    return loadPrometheus(this.host.sql);
  }

  /** The integration as `GET api/integrations/prometheus` shows it: no credential. */
  view(): PrometheusIntegration {
    const source = this.deps.sources.list().find((s) => s.id === "prometheus") ?? {
      id: "prometheus",
      status: "not_configured",
    };
    return viewPrometheus(this.stored(), source);
  }

  /**
   * Saves the endpoint and cards after checking every new or changed query with one instant
   * query, so bad PromQL is refused now with Prometheus's own words (400 for a parse error,
   * 422 for one it cannot execute, naming `json.cards.<i>.query`), never stored as a broken
   * card. New cards' last hour is loaded with `query_range` for their charts.
   */
  async configure(
    actor: Principal,
    input: PrometheusIntegrationInput,
  ): Promise<Outcome<PrometheusIntegration>> {
    const box = await this.host.box();
    if (!box) return SECRETS_KEY_MISSING();
    const before = this.stored();
    const origin = (u: string | undefined) => (u && URL.canParse(u) ? new URL(u).origin : u);
    const moved = before !== undefined && origin(before.baseUrl) !== origin(input.baseUrl);
    if (input.auth === undefined && moved && before.authSealed)
      return fail(
        400,
        "credential_required",
        "The base URL points at another host: give the credential again (auth), or null to send none, so a stored secret never follows the URL elsewhere.",
        { field: "json.auth" },
      );
    const auth = input.auth === undefined ? await this.openAuth(box, before) : input.auth;
    if (auth instanceof UpstreamError) return fail(422, "credential_unreadable", auth.message);
    const orgId = input.orgId === null ? undefined : (input.orgId ?? before?.orgId);
    const conn = this.connection(input.baseUrl, auth ?? undefined, orgId);
    const cards = input.cards ?? before?.cards ?? [];
    const sameEndpoint =
      before?.enabled === true && !moved && input.auth === undefined && input.orgId === undefined;
    const changed = (card: PromCard) =>
      !sameEndpoint || before?.cards.find((c) => c.id === card.id)?.query !== card.query;
    const now = new Date();
    let checked: Checked = { history: new Map() };
    if (input.enabled) {
      const outcome = await checkCards(conn, cards, changed, now);
      if (!outcome.ok) return outcome;
      checked = outcome.value;
      const step = loadIntervals(this.host.sql).metrics;
      checked = await loadHistory(conn, cards, changed, checked, now, step);
    }
    // Guard the read-modify-write: another save may have landed during the queries.
    const config = (s: StoredPrometheus | undefined) => JSON.stringify({ ...s, reports: {} });
    if (config(this.stored()) !== config(before))
      return fail(409, "conflict", "The integration changed while the queries ran; save again.");
    const after: StoredPrometheus = {
      enabled: input.enabled,
      baseUrl: input.baseUrl,
      authType: auth ? auth.type : "none",
      authSealed: auth ? await box.seal(JSON.stringify(auth)) : undefined,
      orgId,
      cards,
      reports: Object.fromEntries(
        Object.entries(before?.reports ?? {}).filter(([id]) =>
          cards.some((c) => c.id === id && !changed(c)),
        ),
      ),
    };
    this.apply(actor, before, after, checked, changed, now);
    await this.deps.reschedule(now);
    this.deps.sources.publish(now);
    return ok(this.view());
  }

  /** Stores the new configuration, forgets replaced series, loads history, settles breaches. */
  private apply(
    actor: Principal,
    before: StoredPrometheus | undefined,
    after: StoredPrometheus,
    checked: Checked,
    changed: (card: PromCard) => boolean,
    now: Date,
  ): void {
    const { metrics, alerts } = this.deps;
    const judge = metrics.judge();
    const changes = this.host.transaction(() => {
      const idsBefore = metrics.store.ids();
      const oldRules = cardRules(before, idsBefore);
      for (const id of idsBefore) {
        const old = before && cardOf(before.cards, id);
        const kept = old && after.cards.find((c) => c.id === old.id);
        if (old && (!kept || changed(kept))) metrics.store.drop(id);
      }
      savePrometheus(this.host.sql, after);
      const history: MetricSample[] = [...checked.history.values()].flat();
      if (history.length > 0) metrics.store.ingest(history, "prometheus", now);
      const newRules = new Map(cardRules(after, metrics.store.ids()).map((r) => [r.id, r]));
      const judgements = oldRules.flatMap((rule): Omit<RuleJudgement, "reading">[] => {
        const next = newRules.get(rule.id);
        if (!next) return [{ rule, close: "was removed with its Prometheus card" }];
        const same = next.value === rule.value && next.comparator === rule.comparator;
        return same ? [] : [{ rule: next, refresh: true }];
      });
      const fresh = [...newRules.values()].filter((r) => !oldRules.some((o) => o.id === r.id));
      judgements.push(...fresh.map((rule) => ({ rule })));
      const change = { before: auditView(before), after: auditView(after) };
      this.host.audit.record(actor, "prometheus.configure", "prometheus", change, now);
      return judgements.length > 0 ? judgeRules(judge, judgements, now) : undefined;
    });
    metrics.publish(now);
    if (changes) alerts.breached(changes, now);
  }

  /** The card queries on the collection interval; rules are in collection/prometheus-job.ts. */
  job(): CollectionJob {
    const { metrics, alerts } = this.deps;
    return prometheusJob({
      stored: () => this.stored(),
      connection: async (stored) => {
        const box = await this.host.box();
        if (!box) throw new Error("SECRETS_KEY is not configured on the server");
        const auth = await this.openAuth(box, stored);
        if (auth instanceof UpstreamError) throw auth;
        return this.connection(stored.baseUrl, auth, stored.orgId);
      },
      thresholds: () => loadSettings(this.host.sql).thresholds,
      intervalMs: loadIntervals(this.host.sql).metrics * 1000,
      saveReports: (reports) => {
        const stored = this.stored();
        if (stored) savePrometheus(this.host.sql, { ...stored, reports });
      },
      ...metrics.judge(),
      transaction: (fn) => this.host.transaction(fn),
      publishMetrics: (now) => metrics.publish(now),
      breached: (changes, now) => alerts.breached(changes, now),
    });
  }

  private connection(
    baseUrl: string,
    auth: PromAuth | undefined,
    orgId: string | undefined,
  ): PromConnection {
    return { baseUrl, auth, orgId, allowLoopback: this.host.allowLoopback };
  }

  /** The stored credential, opened; an UpstreamError when the key no longer opens it. */
  private async openAuth(
    box: SecretBox,
    stored: StoredPrometheus | undefined,
  ): Promise<PromAuth | undefined | UpstreamError> {
    if (!stored?.authSealed) return undefined;
    try {
      return PromAuth.parse(JSON.parse(await box.open(stored.authSealed)));
    } catch {
      return new UpstreamError(
        "the stored credential cannot be decrypted with the configured SECRETS_KEY; save it again",
        undefined,
        "credentials",
      );
    }
  }
}
