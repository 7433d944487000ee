import {
  ANOMALY_POINTS_MAX,
  type AnomalyRecord,
  type ExpectedWindow,
  type ScoredPoint,
  type SeriesDetectionRecord,
} from "../../schema";
import { DEFAULT_PARAMS, score, type DetectorState } from "../../lib/anomaly/detector";
import { alertIdFor, type IncomingAlert } from "./alert-ingest";
import { breachAlert } from "./breach-alert";

/** Points in a row back inside the expected band that close an open anomaly. */
export const CLOSE_AFTER_IN_BAND = 5;
/** Threshold added per false positive, and the most feedback may add. */
export const FALSE_POSITIVE_STEP = 0.02;
export const ADJUSTMENT_MAX = 0.1;
/** How far sensitivity moves the threshold either side of the detector's fixed one. */
const SENSITIVITY_SPAN = 0.4;

/**
 * The detector threshold for a series: the fixed NAB threshold at sensitivity 0.5, lower
 * (more anomalies) up to sensitivity 1, higher down to 0, plus false-positive feedback.
 * @example thresholdFor(0.5, 0) // 0.8, DEFAULT_PARAMS.threshold
 */
export function thresholdFor(sensitivity: number, adjustment: number): number {
  const t = DEFAULT_PARAMS.threshold + (0.5 - sensitivity) * SENSITIVITY_SPAN + adjustment;
  return Math.min(1, Math.max(0.05, Number(t.toFixed(4))));
}

export function inExpectedWindow(windows: readonly ExpectedWindow[], at: number): boolean {
  return windows.some((w) => at >= Date.parse(w.start) && at <= Date.parse(w.end));
}

export type SeriesInfo = { id: string; label: string; unit?: string; source: string };

/** What scoring a series' new points changed; the caller stores it and applies `incoming`. */
export type SeriesScoring = {
  detection: SeriesDetectionRecord;
  /** Anomalies opened or updated (at most two: one closed, one opened). */
  anomalies: AnomalyRecord[];
  incoming: IncomingAlert[];
  scored: number;
};

/** The alert for an anomaly: dedup key is the series, so one open anomaly alert per series. */
export function anomalyAlert(a: AnomalyRecord, info: SeriesInfo, open: boolean, now: Date) {
  const unit = info.unit ? ` ${info.unit}` : "";
  const first = a.points[0];
  const incoming = breachAlert({
    fingerprint: `anomaly:${a.seriesId}`,
    startsAt: a.openedAt,
    over: open,
    now,
    title: `Anomaly on ${info.label}`,
    message: `${first ? `${first.value}${unit} at ${first.timestamp}` : "A value"} outside the expected ${fmt(a.expected.low)}–${fmt(a.expected.high)}${unit} (score ${a.score.toFixed(2)}).`,
    severity: "warning",
    labels: {
      alertname: "anomaly",
      metric: a.seriesId,
      source: info.source,
      ...hostOf(a.seriesId),
    },
    group: `anomaly:${a.seriesId}`,
  });
  return {
    ...incoming,
    id: a.id,
    annotations: {
      ...incoming.annotations,
      score: a.score.toFixed(3),
      expected_low: String(a.expected.low),
      expected_high: String(a.expected.high),
      series: a.seriesId,
    },
  };
}

/** The host agent names its series `<reading>.host.<host>`: silences may match on `host`. */
function hostOf(seriesId: string): { host?: string } {
  const host = /\.host\.([^]+)$/.exec(seriesId)?.[1];
  return host ? { host } : {};
}

/** The id an anomaly (and its alert) gets when it opens at `openedAt`. */
export const anomalyId = (seriesId: string, openedAt: string) =>
  alertIdFor("anomaly", `anomaly:${seriesId}`, openedAt);

const fmt = (x: number) => Number(x.toPrecision(4)).toString();

/**
 * Scores a series' new points, oldest first, with its detector (updated in place). Points at
 * or before the last one learned (a resend) and points inside an expected window are skipped,
 * so they neither alert nor teach. An anomaly opens on a flagged point when none is open,
 * collects the points outside the band, and closes after CLOSE_AFTER_IN_BAND points in a row
 * inside it. Pure apart from the detector state.
 */
export function scoreSeries(args: {
  info: SeriesInfo;
  detection: SeriesDetectionRecord;
  detector: DetectorState;
  open: AnomalyRecord | undefined;
  points: { at: number; value: number }[];
  now: Date;
}): SeriesScoring {
  const { info, detector, now } = args;
  const detection = { ...args.detection };
  let open = args.open;
  const touched = new Map<string, AnomalyRecord>();
  const incoming: IncomingAlert[] = [];
  let scored = 0;
  for (const { at, value } of args.points) {
    if (detector.n > 0 && at <= detector.lastT) continue;
    if (inExpectedWindow(detection.expectedWindows, at)) continue;
    const result = score(detector, at, value);
    scored++;
    const point: ScoredPoint = {
      timestamp: new Date(at).toISOString(),
      value,
      score: Number(result.score.toFixed(4)),
      expected: result.expected,
    };
    const inBand = value >= result.expected.low && value <= result.expected.high;
    if (!open) {
      if (!result.anomalous) continue;
      open = {
        id: anomalyId(info.id, point.timestamp),
        seriesId: info.id,
        source: info.source,
        label: info.label,
        score: point.score,
        expected: result.expected,
        points: [point],
        pointCount: 1,
        openedAt: point.timestamp,
      };
      detection.openId = open.id;
      detection.inBand = 0;
      touched.set(open.id, open);
      incoming.push(anomalyAlert(open, info, true, now));
      continue;
    }
    if (inBand && !result.anomalous) {
      detection.inBand++;
      if (detection.inBand < CLOSE_AFTER_IN_BAND) continue;
      open = { ...open, closedAt: point.timestamp };
      touched.set(open.id, open);
      incoming.push(anomalyAlert(open, info, false, now));
      detection.openId = undefined;
      detection.inBand = 0;
      open = undefined;
      continue;
    }
    detection.inBand = 0;
    open = {
      ...open,
      score: Math.max(open.score, point.score),
      points: open.points.length < ANOMALY_POINTS_MAX ? [...open.points, point] : open.points,
      pointCount: open.pointCount + 1,
    };
    touched.set(open.id, open);
  }
  return { detection, anomalies: [...touched.values()], incoming, scored };
}
