import {
  ANOMALY_EXAMPLES_MAX,
  ANOMALY_PANEL,
  type AnomalyCard,
  fail,
  ok,
  type Alert,
  type Anomaly,
  type AnomalyFeedbackBody,
  type AnomalyQuery,
  type AnomalyRecord,
  type AnomalyStatus,
  type DetectionSettingsBody,
  type Outcome,
  type Principal,
  type SeriesDetection,
  type SeriesDetectionRecord,
} from "../../schema";
import type { BatchChanges, IncomingAlert } from "../domain/alert-ingest";
import {
  ADJUSTMENT_MAX,
  FALSE_POSITIVE_STEP,
  scoreSeries,
  thresholdFor,
} from "../domain/anomaly-detect";
import type { IngestObserver, Metrics } from "../domain/metrics";
import { AnomalyStore, defaultDetection } from "../store/anomalies";
import type { Alerts } from "./alerts";
import type { Host } from "./host";

/** Anomalies one `GET api/anomaly` returns, newest first. */
export const ANOMALY_LIST_MAX = 200;

type Action = "acknowledge" | "resolve" | "dismiss";

/**
 * Streaming anomaly detection on every metric series: each stored batch (any source) is
 * scored as it arrives by the series' own detector (lib/anomaly, fixed parameters; state
 * persisted per series, a few kB), and what it flags becomes an alert with `source: anomaly`
 * in the shared lifecycle. Admins tune a series (off, sensitivity, expected windows); members
 * judge anomalies, and false positives make that series less sensitive (bounded).
 */
export class Anomalies {
  readonly store: AnomalyStore;

  constructor(
    private readonly host: Host,
    private readonly deps: { alerts: Alerts; metrics: Metrics },
  ) {
    this.store = new AnomalyStore(host.sql);
  }

  /** Scores a stored batch; runs inside the ingest's transaction (see Metrics.observe). */
  readonly observe: IngestObserver = (samples, source, now) => {
    const bySeries = new Map<string, { at: number; value: number }[]>();
    for (const s of samples) {
      const list = bySeries.get(s.metric) ?? [];
      list.push({ at: s.at, value: s.value });
      bySeries.set(s.metric, list);
    }
    const incoming: IncomingAlert[] = [];
    let sparkChanged = false;
    for (const [id, points] of bySeries) {
      const stored = this.store.series.get(id);
      const detection = stored ?? defaultDetection(id, now);
      if (!detection.enabled) continue;
      const before = { openId: detection.openId, inBand: detection.inBand };
      points.sort((a, b) => a.at - b.at);
      const described = this.deps.metrics.describe(id);
      const info = { id, label: described?.label ?? id, unit: described?.unit, source };
      const threshold = thresholdFor(detection.sensitivity, detection.adjustment);
      const detector = this.store.detector(id, threshold);
      const result = scoreSeries({
        info,
        detection,
        detector,
        open: this.stillOpen(detection),
        points,
        now,
      });
      this.store.saveDetector(id, detector);
      const after = result.detection;
      // Most batches change nothing here: skip the write (one fewer row write per series).
      if (!stored || after.openId !== before.openId || after.inBand !== before.inBand)
        this.store.series.put({ ...after, updatedAt: now.toISOString() });
      for (const anomaly of result.anomalies)
        this.store.putAnomaly(anomaly, anomaly.id !== detection.openId);
      incoming.push(...result.incoming);
      // An open anomaly's card draws this series: its sparkline just grew.
      if (after.openId) sparkChanged = true;
    }
    if (sparkChanged) this.host.publish({ type: "anomalies", payload: [] }, now);
    if (incoming.length === 0) return;
    const changes = this.deps.alerts.apply("anomaly", incoming, "anomaly", now);
    this.deps.alerts.breached(changes, now, "anomaly");
  };

  /** Newest first, filtered by status (its alert's), series and opening time. */
  list(query: AnomalyQuery): Anomaly[] {
    const since = query.since ? Date.parse(query.since) : undefined;
    const out: Anomaly[] = [];
    for (const record of this.store.anomalies.list(1000, { seriesId: query.series })) {
      if (since !== undefined && Date.parse(record.openedAt) < since) break;
      const anomaly = this.view(record);
      if (query.status && !matches(anomaly.status, query.status)) continue;
      out.push(anomaly);
      if (out.length >= ANOMALY_LIST_MAX) break;
    }
    return out;
  }

  /**
   * The Anomalies panel: open anomalies (their alerts firing, acknowledged or silenced; read
   * from the alerts list the dashboard already carries, so at most ANOMALY_PANEL.cards lookups),
   * each with its series' sparkline from a while before it opened to now (bounded: at most
   * ANOMALY_PANEL.afterMs past the opening, so a card never reads more than 2 h of points).
   */
  cards(alerts: readonly Alert[], now: Date): AnomalyCard[] {
    const open = alerts.filter((a) => a.source === "anomaly" && OPEN.includes(a.status));
    const cards: AnomalyCard[] = [];
    for (const alert of open.slice(0, ANOMALY_PANEL.cards)) {
      const record = this.store.anomalies.get(alert.id);
      if (!record) continue;
      const opened = Date.parse(record.openedAt);
      const from = opened - ANOMALY_PANEL.beforeMs;
      const to = Math.min(now.getTime(), opened + ANOMALY_PANEL.afterMs);
      const metrics = this.deps.metrics;
      cards.push({
        ...record,
        alertId: record.id,
        status: statusOf(alert),
        unit: metrics.describe(record.seriesId)?.unit,
        spark: metrics.window(record.seriesId, from, to, ANOMALY_PANEL.sparkPoints, now),
      });
    }
    return cards;
  }

  get(id: string): Outcome<Anomaly> {
    const record = this.store.anomalies.get(id);
    return record
      ? ok(this.view(record))
      : fail(404, "not_found", `No anomaly '${id}'.`, { field: "id" });
  }

  /** Acknowledge, resolve or dismiss the anomaly's alert; resolving closes the anomaly. */
  act(actor: Principal, id: string, action: Action, notes?: string): Outcome<Anomaly> {
    const record = this.store.anomalies.get(id);
    if (!record) return fail(404, "not_found", `No anomaly '${id}'.`, { field: "id" });
    const alerts = this.deps.alerts;
    const done =
      action === "acknowledge"
        ? alerts.acknowledge(actor, id, notes)
        : action === "resolve"
          ? alerts.resolve(actor, id, notes)
          : alerts.dismiss(actor, id);
    if (!done.ok) return done;
    if (action !== "acknowledge") this.close(record, new Date());
    return this.get(id);
  }

  /**
   * A member's verdict on an anomaly (a changed verdict replaces the old one). A false
   * positive raises the series' threshold by FALSE_POSITIVE_STEP, up to ADJUSTMENT_MAX; a true
   * positive is kept as a labelled example (the newest ANOMALY_EXAMPLES_MAX). Audited.
   */
  feedback(actor: Principal, id: string, body: AnomalyFeedbackBody): Outcome<Anomaly> {
    const record = this.store.anomalies.get(id);
    if (!record) return fail(404, "not_found", `No anomaly '${id}'.`, { field: "id" });
    const now = new Date();
    const before = this.store.detection(record.seriesId, now);
    const previous = record.feedback?.verdict;
    const d: SeriesDetectionRecord = { ...before, updatedAt: now.toISOString() };
    if (previous !== body.verdict) {
      if (previous === "true_positive") {
        d.truePositives = Math.max(0, d.truePositives - 1);
        d.examples = d.examples.filter((e) => e.anomalyId !== id);
      }
      if (previous === "false_positive") {
        d.falsePositives = Math.max(0, d.falsePositives - 1);
        d.adjustment = Math.max(0, round(d.adjustment - FALSE_POSITIVE_STEP));
      }
      if (body.verdict === "true_positive") {
        d.truePositives++;
        const first = record.points[0];
        const example = {
          anomalyId: id,
          at: record.openedAt,
          score: record.score,
          value: first?.value ?? 0,
          note: body.note,
        };
        d.examples = [...d.examples, example].slice(-ANOMALY_EXAMPLES_MAX);
      } else {
        d.falsePositives++;
        d.adjustment = Math.min(ADJUSTMENT_MAX, round(d.adjustment + FALSE_POSITIVE_STEP));
      }
    }
    const after: AnomalyRecord = {
      ...record,
      feedback: { verdict: body.verdict, note: body.note, by: actor.name, at: now.toISOString() },
    };
    this.host.transaction(() => {
      this.store.anomalies.put(after);
      this.store.series.put(d);
      this.host.audit.record(
        actor,
        "anomaly.feedback",
        id,
        { before: record.feedback ?? null, after: after.feedback },
        now,
      );
    });
    // The panel shows the verdict (a list event's payload is not kept: read at flush).
    this.host.publish({ type: "anomalies", payload: [] }, now);
    return ok(this.view(after));
  }

  /** A series' detection settings, feedback and precision. */
  detection(seriesId: string): Outcome<SeriesDetection> {
    if (!this.known(seriesId))
      return fail(404, "not_found", `No metric series '${seriesId}'.`, { field: "id" });
    return ok(this.detectionView(this.store.detection(seriesId, new Date())));
  }

  /** Admin: turn detection off or on, set sensitivity, replace the expected windows. Audited. */
  configure(
    actor: Principal,
    seriesId: string,
    body: DetectionSettingsBody,
  ): Outcome<SeriesDetection> {
    if (!this.known(seriesId))
      return fail(404, "not_found", `No metric series '${seriesId}'.`, { field: "id" });
    const now = new Date();
    const before = this.store.detection(seriesId, now);
    const after: SeriesDetectionRecord = {
      ...before,
      enabled: body.enabled ?? before.enabled,
      sensitivity: body.sensitivity ?? before.sensitivity,
      expectedWindows: body.expectedWindows ?? before.expectedWindows,
      updatedAt: now.toISOString(),
    };
    this.host.transaction(() => {
      this.store.series.put(after);
      this.host.audit.record(actor, "anomaly.detection", seriesId, { before, after }, now);
    });
    if (!after.enabled && after.openId) {
      // Turned off with an anomaly open: it resolves, as a deleted alert rule's breach does.
      const open = this.store.anomalies.get(after.openId);
      if (open) this.resolveQuietly(open, now);
    }
    return ok(this.detectionView(this.store.detection(seriesId, now)));
  }

  /** A stored metric series, or one scored without being stored (Web3 readings). */
  private known(seriesId: string): boolean {
    return this.deps.metrics.has(seriesId) || this.store.series.get(seriesId) !== undefined;
  }

  /** The series' open anomaly, unless its alert was resolved or dismissed by hand. */
  private stillOpen(detection: SeriesDetectionRecord): AnomalyRecord | undefined {
    if (!detection.openId) return undefined;
    const open = this.store.anomalies.get(detection.openId);
    const alert = this.deps.alerts.store.get(detection.openId);
    if (!open || open.closedAt || !alert || alert.status === "resolved" || alert.dismissedAt) {
      detection.openId = undefined;
      detection.inBand = 0;
      return undefined;
    }
    return open;
  }

  private close(record: AnomalyRecord, now: Date): void {
    const detection = this.store.series.get(record.seriesId);
    this.host.transaction(() => {
      if (!record.closedAt) this.store.anomalies.put({ ...record, closedAt: now.toISOString() });
      if (detection?.openId === record.id)
        this.store.series.put({ ...detection, openId: undefined, inBand: 0 });
    });
  }

  private resolveQuietly(record: AnomalyRecord, now: Date): void {
    const alert = this.deps.alerts.store.get(record.id);
    this.close(record, now);
    if (!alert || alert.status === "resolved") return;
    const changes: BatchChanges = this.host.transaction(() =>
      this.deps.alerts.apply("anomaly", [resolvedIncoming(alert, now)], "anomaly", now),
    );
    this.deps.alerts.breached(changes, now, "anomaly");
  }

  private view(record: AnomalyRecord): Anomaly {
    const alert = this.deps.alerts.store.get(record.id);
    return { ...record, alertId: record.id, status: statusOf(alert) };
  }

  private detectionView(d: SeriesDetectionRecord): SeriesDetection {
    const { openId, inBand: _inBand, ...rest } = d;
    const judged = d.truePositives + d.falsePositives;
    const { bytes, points } = this.store.detectorBytes(d.id);
    return {
      ...rest,
      threshold: thresholdFor(d.sensitivity, d.adjustment),
      precision: judged === 0 ? null : d.truePositives / judged,
      points,
      stateBytes: bytes,
      openAnomalyId: openId,
    };
  }
}

const OPEN: readonly AnomalyStatus[] = ["firing", "acknowledged", "suppressed"];
const matches = (status: AnomalyStatus, wanted: AnomalyQuery["status"]) =>
  wanted === "open" ? OPEN.includes(status) : status === wanted;

const round = (x: number) => Number(x.toFixed(4));

function statusOf(alert: Alert | undefined): AnomalyStatus {
  if (!alert) return "resolved";
  if (alert.dismissedAt) return "dismissed";
  return alert.status;
}

/** A stored anomaly alert as the resolving incoming alert of the shared lifecycle. */
function resolvedIncoming(alert: Alert, now: Date): IncomingAlert {
  return {
    id: alert.id,
    status: "resolved",
    fingerprint: alert.fingerprint ?? alert.id,
    startsAt: alert.timestamp,
    resolvedAt: now.toISOString(),
    title: alert.title,
    message: alert.message,
    severity: alert.severity,
    labels: alert.labels,
    annotations: alert.annotations,
    links: alert.links,
    group: alert.group ?? alert.id,
  };
}
