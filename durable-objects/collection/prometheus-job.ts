import type { MetricSample, PromCardReport, Settings, StoredPrometheus } from "../../schema";
import {
  PromQueryError,
  instantQuery,
  type PromConnection,
} from "../../providers/prometheus/client";
import { readCard } from "../../providers/prometheus/map";
import type { BatchChanges } from "../domain/alert-ingest";
import { judgeSamples, type MetricJudgeDeps } from "../domain/metric-alerts";
import type { CollectionJob } from "./runner";

/** What the Prometheus job needs from the workspace object; the object keeps the storage. */
export type PrometheusJobDeps = {
  stored: () => StoredPrometheus | undefined;
  /** The endpoint with its credential opened from the secret box. */
  connection: (stored: StoredPrometheus) => Promise<PromConnection>;
  thresholds: () => Settings["thresholds"];
  intervalMs: number;
  /** Writes the cards' reports; `apply` calls it inside the run's transaction. */
  saveReports: (reports: Record<string, PromCardReport>) => void;
  transaction: <T>(fn: () => T) => T;
  publishMetrics: (now: Date) => void;
  breached: (changes: BatchChanges, now: Date) => void;
} & MetricJudgeDeps;

/**
 * The `collect:prometheus` job: one instant query per card at the run's time. A query
 * Prometheus refuses (`status: "error"`) or a string result fails that card alone: the others
 * still store, and the run then fails so the source reads stale with every card's reason. A
 * transport failure (unreachable, timeout, 5xx without a Prometheus body, bad credentials)
 * fails the whole run at once instead of waiting out every card's timeout.
 */
export function prometheusJob(deps: PrometheusJobDeps): CollectionJob {
  return {
    task: "collect:prometheus",
    source: "prometheus",
    intervalMs: deps.intervalMs,
    collect: async (now) => {
      const stored = deps.stored();
      if (!stored?.enabled) throw new Error("the Prometheus integration is not enabled");
      const conn = await deps.connection(stored);
      // No cards: still prove the endpoint answers, so the source strip tells the truth.
      if (stored.cards.length === 0) await instantQuery(conn, "1", now);
      const reports: Record<string, PromCardReport> = {};
      const samples: Record<string, MetricSample[]> = {};
      for (const card of stored.cards) {
        try {
          const reading = readCard(card, await instantQuery(conn, card.query, now), now);
          reports[card.id] = reading.report;
          samples[card.id] = reading.samples;
        } catch (error) {
          if (!(error instanceof PromQueryError)) throw error;
          reports[card.id] = {
            at: now.toISOString(),
            series: 0,
            droppedSeries: 0,
            nonFinite: 0,
            warnings: [],
            error: error.message,
          };
        }
      }
      return () => {
        // A save during the queries may have removed or changed cards: keep only current ones.
        const latest = deps.stored();
        const current = new Set(latest?.cards.map((c) => `${c.id}\n${c.query}`));
        const asked = new Map(stored.cards.map((c) => [c.id, `${c.id}\n${c.query}`]));
        for (const id of Object.keys(reports)) {
          if (current.has(asked.get(id) ?? "")) continue;
          delete reports[id];
          delete samples[id];
        }
        const failures = Object.entries(reports).flatMap(([id, r]) =>
          r.error ? [`card ${id}: ${r.error}`] : [],
        );
        const batch = Object.values(samples).flat();
        const result = deps.transaction(() => {
          deps.saveReports(reports);
          if (batch.length === 0) return { ingested: false, alerts: undefined };
          const ingested = deps.metrics.ingest(batch, "prometheus", now);
          if (!ingested.ok) {
            failures.push(`metrics: ${ingested.detail}`);
            return { ingested: false, alerts: undefined };
          }
          const alerts = judgeSamples(deps, batch, deps.thresholds(), "prometheus", now);
          return { ingested: true, alerts };
        });
        if (result.ingested) deps.publishMetrics(now);
        if (result.alerts) deps.breached(result.alerts, now);
        if (failures.length > 0) throw new Error(failures.join("; ").slice(0, 2000));
      };
    },
  };
}
