/**
 * Streaming anomaly detector for one metric series: pure, runtime-neutral, O(1) per point,
 * with plain-JSON state so a Durable Object can persist it between points.
 *
 * The score is context novelty (./novelty.ts): has this value, after the few values before
 * it, been seen before? It is discounted by how common novelty has been lately, so a noisy
 * series needs more of it. Alongside, three predictors guess each value — the previous value,
 * a slow level and a time-of-day profile — whose errors give the `expected` band, gate the
 * novelty (a novel value that the previous value or the slow level predicted well does not
 * count) and feed an optional prediction-error "anomaly likelihood" term (Numenta's idea; its
 * weight is 0 by default because on NAB it added false positives, not detections, as did the
 * same likelihood over the novelty itself, and a time-of-day novelty). After a detection the
 * detector holds off for a while: one anomaly should raise one alarm, not one per point.
 *
 * @example
 * const state = createDetector(); // persist JSON.stringify(state) between points
 * const { score: s, expected, anomalous } = score(state, Date.parse(sample.at), sample.value);
 */
import { createNovelty, novelty, type NoveltyParams, type NoveltyState } from "./novelty";
import { clampValue, finiteOr, normalTailLog10 } from "./stats";

export interface DetectorParams extends NoveltyParams {
  /** Weights of the prediction-error likelihood and of context novelty in the score (max). */
  likelihoodWeight: number;
  noveltyWeight: number;
  /** Rate of the running share of novel points; novelty is discounted by that share. */
  noveltyRate: number;
  /**
   * Error, in error scales, that the previous value or the slow level must make on a novel
   * point for it to count: a new context whose value both predicted well is noise (on NAB
   * half of the false positives were under 4, three quarters of the detections over it).
   * A new level is evidence already and needs less (`levelGate`) than a new context (`gate`).
   */
  gate: number;
  levelGate: number;
  /** Points before any score above 0 (the statistics are not yet meaningful). */
  warmup: number;
  /** Rate of the error scales and of the slow level. */
  alpha: number;
  /** Time-of-day bins of the daily profile and its learning rate. */
  seasonBins: number;
  seasonAlpha: number;
  /** Rate of the short surprise average and of its long-run mean and variance. */
  shortAlpha: number;
  longAlpha: number;
  /** Points after a detection during which the score stays below the threshold. */
  holdoff: number;
  /** Score at or above which a point is anomalous (also NAB's standard-profile threshold). */
  threshold: number;
  /** Band half-width in error scales for `expected`. */
  band: number;
}

/**
 * Chosen once on the shared NAB subset, never per series: coarse grids over the novelty
 * parameters, hold-off and threshold (`npm run nab -- tune GRID`), keeping round values.
 */
export const DEFAULT_PARAMS: DetectorParams = {
  warmup: 150,
  alpha: 0.02,
  seasonBins: 288,
  seasonAlpha: 0.1,
  shortAlpha: 0.3,
  longAlpha: 0.002,
  holdoff: 100,
  threshold: 0.8,
  band: 4,
  levels: 8,
  spread: 2,
  confirm: 5,
  context: 3,
  bits: 2048,
  learnAfter: 100,
  contextWeight: 0.85,
  coarse: 2,
  likelihoodWeight: 0,
  noveltyWeight: 1,
  noveltyRate: 0.01,
  gate: 5,
  levelGate: 3,
};

const DAY_MS = 86_400_000;
const PREDICTORS = 3;

/** Everything the detector remembers about one series; JSON-safe (no NaN, no Infinity). */
export interface DetectorState {
  params: DetectorParams;
  /** Finite points seen. */
  n: number;
  /** Timestamp of the latest point (ms), 0 before the first. */
  lastT: number;
  prev: number;
  level: number;
  /** Profile value per time-of-day bin (5 minutes at 288 bins); null until seen. */
  season: (number | null)[];
  /** Mean absolute error per predictor: previous value, level, profile. */
  scale: number[];
  /** Short average of surprise, and the long-run mean and variance of that average. */
  short: number;
  mean: number;
  variance: number;
  /** Points left in the hold-off after a detection. */
  hold: number;
  novelty: NoveltyState;
  /** Running share of novelty (see noveltyRate). */
  usual: number;
}

export interface PointScore {
  /** 0..1; ≥ params.threshold means anomalous. */
  score: number;
  /** The band the value was expected in. */
  expected: { low: number; high: number };
  anomalous: boolean;
}

/** A fresh detector; `params` overrides the defaults. @example const s = createDetector(); */
export function createDetector(params: Partial<DetectorParams> = {}): DetectorState {
  const p = { ...DEFAULT_PARAMS, ...params };
  return {
    params: p,
    n: 0,
    lastT: 0,
    prev: 0,
    level: 0,
    season: Array.from({ length: Math.max(1, Math.floor(p.seasonBins)) }, () => null),
    scale: Array.from({ length: PREDICTORS }, () => 0),
    short: 0,
    mean: 0,
    variance: 0,
    hold: 0,
    novelty: createNovelty(p),
    usual: 0,
  };
}

/** The two profile bins around `t` and the weight of the first (linear interpolation). */
function bins(s: DetectorState, t: number): [number, number, number] {
  const b = s.season.length;
  const phase = ((((t % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS) * b - 0.5;
  const i0 = Math.floor(phase);
  const w1 = phase - i0;
  return [(i0 + b) % b, (i0 + 1) % b, 1 - w1];
}

function seasonal(s: DetectorState, t: number): number | undefined {
  const [i0, i1, w0] = bins(s, t);
  const a = s.season[i0];
  const c = s.season[i1];
  if (a === null || a === undefined || c === null || c === undefined) return undefined;
  return w0 * a + (1 - w0) * c;
}

function learnSeason(s: DetectorState, t: number, x: number): void {
  const [i0, i1, w0] = bins(s, t);
  for (const [i, w] of [
    [i0, w0],
    [i1, 1 - w0],
  ] as const) {
    const old = s.season[i];
    // The nearest point sets an unseen bin; later ones move it at a rate scaled by proximity.
    let next: number | undefined;
    if (old === null || old === undefined) next = w >= 0.5 ? x : undefined;
    else next = finiteOr(old + s.params.seasonAlpha * w * (x - old), old);
    // Six significant digits are plenty for a profile and halve the persisted JSON.
    if (next !== undefined) s.season[i] = Number(next.toPrecision(6));
  }
}

/**
 * Scores one point and learns from it. Never throws: NaN is skipped (score 0), ±Infinity and
 * huge values are clamped, duplicate and out-of-order timestamps are scored but do not move
 * the clock.
 * @example const { score, anomalous } = score(state, Date.now(), 42.5);
 */
export function score(s: DetectorState, t: number, value: number): PointScore {
  const p = s.params;
  const x = clampValue(value);
  const time = Number.isFinite(t) ? t : s.lastT;
  if (x === undefined) return quiet(s, s.n > 0 ? s.prev : 0);
  if (s.n === 0) {
    s.prev = x;
    s.level = x;
  }
  const guesses = [s.prev, s.level, seasonal(s, time) ?? s.level];
  let best = 0;
  for (let k = 1; k < PREDICTORS; k++) {
    if ((s.scale[k] ?? 0) < (s.scale[best] ?? 0)) best = k;
  }
  const errors = guesses.map((g) => Math.abs(x - g));
  const tiny = 1e-9 * Math.max(1, Math.abs(s.level));
  const z = errors.map((e, k) => e / ((s.scale[k] ?? 0) + tiny));
  const surprise = Math.log1p(Math.min(z[best] ?? 0, 1e6));

  s.short += p.shortAlpha * (surprise - s.short);
  const sd = Math.sqrt(s.variance) + 1e-6;
  const u = (s.short - s.mean) / sd;
  const fresh = novelty(s.novelty, p, x);
  const surprising = Math.max(z[0] ?? 0, z[1] ?? 0) >= (fresh >= 1 ? p.levelGate : p.gate);
  // A series where novelty is common (noise) needs more of it to be surprising.
  const nov = surprising ? fresh * (1 - s.usual) : 0;
  s.usual += p.noveltyRate * (fresh - s.usual);
  // −log10 of the tail probability over 10: 0.5 is a 1-in-100,000 average surprise.
  const lik = Math.min(1, normalTailLog10(u) / 10);
  let out =
    s.n < p.warmup ? 0 : Math.min(1, Math.max(p.likelihoodWeight * lik, p.noveltyWeight * nov));
  if (s.hold > 0) {
    s.hold--;
    out = Math.min(out, p.threshold * 0.99);
  } else if (out >= p.threshold) s.hold = p.holdoff;

  const d = s.short - s.mean;
  s.mean += p.longAlpha * d;
  s.variance = (1 - p.longAlpha) * (s.variance + p.longAlpha * d * d);
  for (let k = 0; k < PREDICTORS; k++) {
    const sc = s.scale[k] ?? 0;
    // Clip the error so one spike cannot inflate the scale; a lasting shift still moves it.
    const e = s.n < 10 ? (errors[k] ?? 0) : Math.min(errors[k] ?? 0, 5 * sc + tiny);
    s.scale[k] = finiteOr(sc + p.alpha * (e - sc), sc);
  }
  const center = guesses[best] ?? x;
  const half = p.band * ((s.scale[best] ?? 0) + tiny);
  s.level = finiteOr(s.level + p.alpha * (x - s.level), x);
  learnSeason(s, time, x);
  s.prev = x;
  s.n++;
  if (time > s.lastT) s.lastT = time;
  return {
    score: finiteOr(out, 0),
    expected: { low: center - half, high: center + half },
    anomalous: out >= p.threshold,
  };
}

function quiet(s: DetectorState, center: number): PointScore {
  const half = s.params.band * (s.scale[0] ?? 0);
  return { score: 0, expected: { low: center - half, high: center + half }, anomalous: false };
}
