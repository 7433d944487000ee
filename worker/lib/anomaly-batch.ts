import {
  ANOMALY_RESULT_MAX,
  type DetectBody,
  type DetectResult,
  type ScoredPoint,
} from "../../schema";
import { DEFAULT_PARAMS, createDetector, score } from "../../lib/anomaly/detector";
import { thresholdFor } from "../../durable-objects/domain/anomaly-detect";

/**
 * `POST api/anomaly`: scores one series with a fresh detector (the fixed parameters, the
 * threshold from `sensitivity`) and returns the points it flags. Nothing is stored. The body
 * is already validated (at most ANOMALY_REQUEST_MAX_POINTS points, strictly increasing
 * timestamps), so the cost is bounded: ~5 µs a point.
 * @example detectBatch({ series: [{ timestamp: 0, value: 1 }] }) // { found: 0, … }
 */
export function detectBatch(body: DetectBody): DetectResult {
  const threshold = thresholdFor(body.sensitivity ?? 0.5, 0);
  const state = createDetector({ threshold });
  const anomalies: ScoredPoint[] = [];
  let found = 0;
  for (const point of body.series) {
    const at = typeof point.timestamp === "number" ? point.timestamp : Date.parse(point.timestamp);
    const result = score(state, at, point.value);
    if (!result.anomalous) continue;
    found++;
    if (anomalies.length < ANOMALY_RESULT_MAX)
      anomalies.push({
        timestamp: new Date(at).toISOString(),
        value: point.value,
        score: Number(result.score.toFixed(4)),
        expected: result.expected,
      });
  }
  return { points: body.series.length, warmup: DEFAULT_PARAMS.warmup, threshold, found, anomalies };
}
