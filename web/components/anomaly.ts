import type { Alert } from "../../schema";
import { html } from "../html";
import { Badge } from "./common";
import { formatValue } from "./format";

/**
 * Anomalies are alerts with `source: "anomaly"` (capabilities/anomalies.ts), so the alerts
 * list in the snapshot and its frames carry them: these helpers read their score and band
 * from the alert's annotations, with no list of their own to keep in step.
 */
const OPEN = new Set<Alert["status"]>(["firing", "acknowledged", "suppressed"]);

/** The open anomaly alert on a metric series, if any. */
export function openAnomaly(alerts: readonly Alert[], metricId: string): Alert | undefined {
  return alerts.find(
    (a) => a.source === "anomaly" && a.labels.metric === metricId && OPEN.has(a.status),
  );
}

/** "score 0.98 · expected 50.6–64.4" under an anomaly alert's row. */
export function AnomalyLine({ alert }: { alert: Alert }) {
  const { score, expected_low: low, expected_high: high } = alert.annotations;
  if (score === undefined || low === undefined || high === undefined) return null;
  const band = `${formatValue(Number(Number(low).toPrecision(4)))}–${formatValue(Number(Number(high).toPrecision(4)))}`;
  return html`<small class="meta anomaly" data-score=${score}>
    anomaly score ${score} · expected ${band}
  </small>`;
}

/** The badge on a metric card whose series has an open anomaly. */
export function AnomalyBadge({ alert }: { alert: Alert | undefined }) {
  if (!alert) return null;
  return html`<span title=${alert.message}><${Badge} status="warning" label="anomaly" /></span>`;
}
