import {
  MAX_PROM_SERIES_PER_CARD,
  MAX_PROM_WARNINGS,
  type MetricSample,
  type PromCard,
  type PromCardReport,
  type PromData,
} from "../../schema";
import type { PromAnswer } from "./client";

/** One card's run: the samples to store and what to tell the admin about it. */
export type CardReading = { samples: MetricSample[]; report: PromCardReport };

/** FNV-1a, 32 bits: a short stable suffix so two label sets never share a series id. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * The metric series id of one labelled series of a card: the card's own id when the series has
 * no labels (a `sum(…)` or a scalar), else `<card>:<readable label values>-<hash>`.
 * @example promSeriesId("up", { job: "prometheus", instance: "localhost:9090" }) // "up:localhost_9090_prometheus-…"
 */
export function promSeriesId(cardId: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels)
    .filter((k) => k !== "__name__")
    .sort();
  if (keys.length === 0) return cardId;
  const canonical = keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(",");
  const readable = keys
    .map((k) => labels[k] ?? "")
    .join("_")
    .replace(/[^A-Za-z0-9.@-]+/g, "_")
    .slice(0, 48);
  return `${cardId}:${readable}-${fnv1a(canonical)}`;
}

/** `Card {job="x", instance="y"}`, as PromQL writes a label set. */
function seriesLabel(card: PromCard, labels: Record<string, string>): string {
  const pairs = Object.entries(labels)
    .filter(([k]) => k !== "__name__")
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const text = pairs.length ? `${card.label} {${pairs.join(", ")}}` : card.label;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

type Series = { labels: Record<string, string>; pairs: [number, string][] };

function seriesOf(data: PromData): Series[] {
  switch (data.resultType) {
    case "scalar":
      return [{ labels: {}, pairs: [data.result] }];
    case "vector":
      return data.result.map((r) => ({ labels: r.metric, pairs: [r.value] }));
    case "matrix":
      return data.result.map((r) => ({ labels: r.metric, pairs: r.values }));
    case "string":
      return [];
  }
}

/**
 * Turns a query answer into samples for the card's series: at most MAX_PROM_SERIES_PER_CARD
 * series (ordered by id, so the same ones are kept every run), non-finite values (`NaN`,
 * `+Inf`, `-Inf`, sent as strings) skipped and counted, warnings kept for the admin. A string
 * result has no number to chart, so it is the card's error.
 */
export function readCard(card: PromCard, answer: PromAnswer, now: Date): CardReading {
  const { data } = answer;
  const all = seriesOf(data)
    .map((s) => ({ ...s, id: promSeriesId(card.id, s.labels) }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const kept = all.slice(0, MAX_PROM_SERIES_PER_CARD);
  let nonFinite = 0;
  const samples: MetricSample[] = [];
  const newest = now.getTime();
  for (const s of kept) {
    const label = seriesLabel(card, s.labels);
    for (const [t, raw] of s.pairs) {
      const value = Number(raw);
      if (!Number.isFinite(value)) {
        nonFinite++;
        continue;
      }
      // Prometheus's clock may run ahead of ours; a point from the future would hide the card.
      const at = Math.min(Math.round(t * 1000), newest);
      samples.push({
        metric: s.id,
        label,
        unit: card.unit,
        value,
        timestamp: new Date(at).toISOString(),
      });
    }
  }
  const report: PromCardReport = {
    at: now.toISOString(),
    resultType: data.resultType,
    series: kept.length,
    droppedSeries: all.length - kept.length,
    nonFinite,
    warnings: answer.warnings.slice(0, MAX_PROM_WARNINGS).map((w) => w.slice(0, 500)),
  };
  if (data.resultType === "string")
    report.error = `the query returned a string (${JSON.stringify(data.result[1].slice(0, 100))}), not a number`;
  return { samples, report };
}
