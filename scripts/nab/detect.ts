/**
 * The detection half of `npm run nab`: runs the detector over every `<category>/<series>.csv`
 * in a data directory and writes NAB result files. It is given the data directory only and
 * never opens a label file, so nothing it writes can depend on the answers.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createDetector, DEFAULT_PARAMS, score } from "../../lib/anomaly/detector";
import { formatResult, listSeries, parseStamp, readTable, resultPath } from "./corpus";
import { PROFILE_NAMES, type ProfileName } from "./scorer";

export const DETECTOR = "opsdeck";

/**
 * Threshold per profile, fixed in code: chosen once on the shared NAB subset and never
 * re-optimised per run. One value serves all three profiles because the detector's hold-off
 * is keyed to it (DEFAULT_PARAMS.threshold). `score` is the raw NAB score it reached there,
 * as in NAB's own thresholds.json.
 */
const FIXED = DEFAULT_PARAMS.threshold;
export const THRESHOLDS: Record<ProfileName, { threshold: number; score: number }> = {
  standard: { threshold: FIXED, score: 27.557 },
  reward_low_FP_rate: { threshold: FIXED, score: 17.681 },
  reward_low_FN_rate: { threshold: FIXED, score: 18.557 },
};

export interface SeriesRun {
  /** `category/series.csv` */
  rel: string;
  timestamps: number[];
  scores: number[];
  /** Wall time of the scoring loop per point, in microseconds. */
  microsPerPoint: number;
  /** UTF-8 bytes of the detector state as JSON after the last point. */
  stateBytes: number;
}

/** Runs the detector over `dataDir` and writes `outDir/<category>/opsdeck_<series>.csv`. */
export function detectAll(dataDir: string, outDir: string): SeriesRun[] {
  const runs: SeriesRun[] = [];
  for (const rel of listSeries(dataDir)) {
    const table = readTable(path.join(dataDir, rel), "value");
    const timestamps = table.stamps.map(parseStamp);
    const state = createDetector();
    const scores = Array.from({ length: timestamps.length }, () => 0);
    const start = performance.now();
    for (let i = 0; i < timestamps.length; i++) {
      scores[i] = score(state, timestamps[i] ?? Number.NaN, table.values[i] ?? Number.NaN).score;
    }
    const micros = ((performance.now() - start) * 1000) / Math.max(1, timestamps.length);
    const file = resultPath(outDir, DETECTOR, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, formatResult(table.stamps, scores));
    runs.push({
      rel,
      timestamps,
      scores,
      microsPerPoint: micros,
      stateBytes: new TextEncoder().encode(JSON.stringify(state)).length,
    });
  }
  const thresholds = Object.fromEntries(PROFILE_NAMES.map((p) => [p, THRESHOLDS[p]]));
  writeFileSync(
    path.join(outDir, "thresholds.json"),
    `${JSON.stringify({ [DETECTOR]: thresholds }, null, 2)}\n`,
  );
  return runs;
}

/** The median of a non-empty list (0 when empty). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
