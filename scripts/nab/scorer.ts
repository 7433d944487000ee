/**
 * NAB's scoring rules, written from its documentation (Lavin & Ahmad 2015, NAB's README and
 * `nab/sweeper.py`'s docstrings): pure functions over arrays, no I/O, so the test can feed it
 * the published results and the CLI can feed it ours.
 */

export interface CostMatrix {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export const PROFILE_NAMES = ["standard", "reward_low_FP_rate", "reward_low_FN_rate"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** NAB's `config/profiles.json` (a test checks these against the shared copy). */
export const PROFILES: Record<ProfileName, CostMatrix> = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/** One labelled file: row timestamps (ms), the detector's scores, windows as [startMs, endMs]. */
export interface ScoredFile {
  timestamps: readonly number[];
  scores: readonly number[];
  windows: readonly (readonly [number, number])[];
}

/**
 * 2·sigmoid(−5x) − 1: ≈ +0.987 at a window's left edge (x = −1), 0 at its right edge,
 * → −1 far past it; NAB clamps x ≥ 3 to −1.
 */
export function scaledSigmoid(x: number): number {
  if (x >= 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

/** The first 15% of a file, at most 750 rows (15% of 5,000), is never scored. */
export function probationLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

/**
 * A scorable row: its anomaly score, the window it lies in (−1 outside every window) and the
 * unweighted sigmoid value a detection there would earn (TP) or cost (FP).
 */
interface Row {
  score: number;
  window: number;
  value: number;
}

const MAX_TP = scaledSigmoid(-1);

/** Rows after probation with their window ids (offset by `firstId`) and sigmoid values. */
function rowsOf(file: ScoredFile, firstId: number): Row[] {
  const n = file.timestamps.length;
  const inWindow = new Int32Array(n).fill(-1);
  const bounds: [number, number][] = [];
  file.windows.forEach(([start, end], w) => {
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < n; i++) {
      const t = file.timestamps[i] ?? Number.NaN;
      if (t >= start && t <= end) {
        if (lo < 0) lo = i;
        hi = i;
        inWindow[i] = w;
      }
    }
    bounds.push([lo, hi]);
  });
  const rows: Row[] = [];
  let prev = -1; // the latest window whose right edge is behind us
  const skip = probationLength(n);
  for (let i = 0; i < n; i++) {
    const w = inWindow[i] ?? -1;
    let value: number;
    if (w >= 0) {
      const [lo, hi] = bounds[w] ?? [i, i];
      // TP value is relative to the window's width, scaled so the left edge earns exactly 1.
      value = scaledSigmoid(-(hi - i + 1) / (hi - lo + 1)) / MAX_TP;
    } else if (prev < 0) {
      value = -1;
    } else {
      const [lo, hi] = bounds[prev] ?? [0, 0];
      const width = hi - lo + 1;
      // An FP costs less the closer it follows a window (a late but real detection).
      value = width <= 1 ? -1 : scaledSigmoid(Math.abs(hi - i) / (width - 1));
    }
    if (i >= skip) {
      rows.push({ score: file.scores[i] ?? 0, window: w >= 0 ? w + firstId : -1, value });
    }
    if (w >= 0 && i === bounds[w]?.[1]) prev = w;
  }
  return rows;
}

/** A corpus prepared for scoring at any threshold under any profile. */
export interface Prepared {
  rows: Row[];
  /** Windows with at least one scorable row: the ones a miss is charged for. */
  scoredWindows: number;
  /** All labelled windows, the perfect detector's count. */
  totalWindows: number;
}

export function prepare(files: readonly ScoredFile[]): Prepared {
  const rows: Row[] = [];
  let totalWindows = 0;
  for (const file of files) {
    rows.push(...rowsOf(file, totalWindows));
    totalWindows += file.windows.length;
  }
  const scoredWindows = new Set(rows.filter((r) => r.window >= 0).map((r) => r.window)).size;
  return { rows, scoredWindows, totalWindows };
}

export interface Score {
  threshold: number;
  raw: number;
  normalised: number;
}

/** 100 · (S − S_null) / (S_perfect − S_null): null never fires, perfect fires at every window start. */
export function normalise(raw: number, prepared: Prepared, cost: CostMatrix): number {
  const nullScore = -cost.fnWeight * prepared.scoredWindows;
  const perfect = cost.tpWeight * prepared.totalWindows;
  return (100 * (raw - nullScore)) / (perfect - nullScore);
}

/** The raw and normalised score when a detection is every row whose score reaches `threshold`. */
export function scoreAt(prepared: Prepared, cost: CostMatrix, threshold: number): Score {
  let fp = 0;
  const best = new Map<number, number>();
  for (const r of prepared.rows) {
    if (!(r.score >= threshold)) continue;
    if (r.window < 0) fp += r.value * cost.fpWeight;
    else best.set(r.window, Math.max(best.get(r.window) ?? -Infinity, r.value * cost.tpWeight));
  }
  let tp = 0;
  for (const v of best.values()) tp += v;
  const raw = fp + tp - cost.fnWeight * (prepared.scoredWindows - best.size);
  return { threshold, raw, normalised: normalise(raw, prepared, cost) };
}

/**
 * NAB's threshold optimisation: sweep every distinct score from the highest down, keeping the
 * threshold with the best corpus score (the highest such threshold on ties).
 */
export function optimiseThreshold(prepared: Prepared, cost: CostMatrix): Score {
  const rows = [...prepared.rows].sort((a, b) => b.score - a.score);
  const best = new Map<number, number>();
  let fp = 0;
  let tp = 0;
  let top: Score = { threshold: 1.1, raw: -Infinity, normalised: -Infinity };
  const consider = (threshold: number): void => {
    const raw = fp + tp - cost.fnWeight * (prepared.scoredWindows - best.size);
    if (raw > top.raw) top = { threshold, raw, normalised: normalise(raw, prepared, cost) };
  };
  consider(1.1);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!r) continue;
    if (r.window < 0) fp += r.value * cost.fpWeight;
    else {
      const v = r.value * cost.tpWeight;
      const had = best.get(r.window);
      if (had === undefined || v > had) {
        tp += v - (had ?? 0);
        best.set(r.window, v);
      }
    }
    if (rows[i + 1]?.score !== r.score) consider(r.score);
  }
  return top;
}
