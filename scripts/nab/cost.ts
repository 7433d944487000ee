/**
 * What `npm run nab -- --runtime workerd` times, in both runtimes: the detector over one
 * series from a fresh state, exactly as scripts/nab/detect.ts runs it. Pure (no I/O), so the
 * same code is bundled into the Node CLI and into the Worker that runs inside workerd.
 */
import { createDetector, score } from "../../lib/anomaly/detector";

/** One series as the cost run ships it: timestamps (ms) and values, NaN sent as null. */
export interface CostSeries {
  t: number[];
  v: (number | null)[];
}

/**
 * Scores the series `reps` times, each from a fresh detector, and returns a checksum of the
 * scores so the work cannot be optimised away (and so both runtimes can be seen to agree).
 */
export function scoreSeries(series: CostSeries, reps: number): number {
  let sum = 0;
  for (let r = 0; r < reps; r++) {
    const state = createDetector();
    for (let i = 0; i < series.t.length; i++) {
      sum += score(state, series.t[i] ?? Number.NaN, series.v[i] ?? Number.NaN).score;
    }
  }
  return sum;
}
