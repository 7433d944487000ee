import { describe, expect, it } from "vitest";
import {
  createDetector,
  DEFAULT_PARAMS,
  score,
  type DetectorState,
  type PointScore,
} from "../../lib/anomaly/detector";

/**
 * The detector runs on every series of a workspace, fed whatever arrives: it must never throw,
 * always answer a finite score in [0, 1] and a finite band, and keep its state small and
 * JSON-safe however long the series runs.
 */
const STEP = 300_000; // 5 minutes, NAB's usual step
const T0 = Date.UTC(2024, 0, 1);

function feed(points: readonly (readonly [number, number])[], state = createDetector()) {
  const out: PointScore[] = [];
  for (const [t, v] of points) out.push(score(state, t, v));
  return { out, state };
}

function expectSane(out: readonly PointScore[]): void {
  for (const r of out) {
    expect(Number.isFinite(r.score)).toBe(true);
    expect(r.score).toBeGreaterThanOrEqual(0);
    expect(r.score).toBeLessThanOrEqual(1);
    expect(Number.isFinite(r.expected.low) && Number.isFinite(r.expected.high)).toBe(true);
    expect(r.expected.low).toBeLessThanOrEqual(r.expected.high);
    expect(r.anomalous).toBe(r.score >= DEFAULT_PARAMS.threshold);
  }
}

/** A noisy daily wave, deterministic (no Math.random) so failures reproduce. */
const wave = (i: number) => 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + ((i * 7919) % 13) / 13;

const series = (n: number, f: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => [T0 + i * STEP, f(i)] as const);

describe("anomaly detector: bad input", () => {
  const cases: Record<string, (readonly [number, number])[]> = {
    "a single point": [[T0, 1]],
    "constant values": series(1000, () => 7),
    "constant then a step": series(1000, (i) => (i < 800 ? 7 : 8)),
    "gaps of days": series(600, wave).map(([t, v], i) => [t + (i > 300 ? 9 * 86_400_000 : 0), v]),
    "duplicate timestamps": series(600, wave).map(([t, v]) => [t - (t % (2 * STEP)), v]),
    "out-of-order timestamps": series(600, wave).map(([t, v], i) => [t + (i % 3) * -7 * STEP, v]),
    "NaN and infinities": series(600, (i) =>
      i % 50 === 0 ? Number.NaN : i % 77 === 0 ? Infinity : i % 91 === 0 ? -Infinity : wave(i),
    ),
    "values of 1e308": series(600, (i) => (i % 2 ? 1e308 : -1e308)),
    "1e308 spike in a normal series": series(600, (i) => (i === 400 ? 1e308 : wave(i))),
    "tiny values": series(600, (i) => wave(i) * 1e-300),
    "bad timestamps": series(600, wave).map(([t, v], i) => [i % 10 ? t : Number.NaN, v]),
  };

  it.each(Object.entries(cases))("%s: never throws, scores stay finite in [0, 1]", (_, points) => {
    const { out, state } = feed(points);
    expectSane(out);
    // Persistable: JSON keeps every number (no NaN/Infinity turning into null).
    const text = JSON.stringify(state);
    expect(text).not.toMatch(/NaN|Infinity/);
    expect(JSON.parse(text)).toEqual(state);
  });

  it("a NaN before any value scores 0 and teaches nothing", () => {
    const state = createDetector();
    expect(score(state, T0, Number.NaN).score).toBe(0);
    expect(state.n).toBe(0);
  });
});

describe("anomaly detector: behaviour", () => {
  it("flags a spike in a steady series once, then holds off", () => {
    const points = series(2000, (i) => (i === 1500 || i === 1520 ? 500 : wave(i)));
    const { out } = feed(points);
    expect(out[1500]?.anomalous).toBe(true);
    // Its first two days are all new to it (NAB's probation hides that); after them, quiet.
    expect(out.slice(576, 1500).filter((r) => r.anomalous)).toHaveLength(0);
    expect(out[1520]?.anomalous).toBe(false);
  });

  it("continues identically from persisted state", () => {
    const points = series(3000, (i) => wave(i) + (i > 2500 ? 30 : 0));
    const whole = feed(points).out.map((r) => r.score);
    const first = feed(points.slice(0, 1700));
    const revived = JSON.parse(JSON.stringify(first.state)) as DetectorState;
    const rest = feed(points.slice(1700), revived).out.map((r) => r.score);
    expect([...first.out.map((r) => r.score), ...rest]).toEqual(whole);
  });

  it("keeps state bounded after 100,000 points", () => {
    const { state } = feed(series(100_000, (i) => wave(i) * (1 + i / 1e4)));
    const bytes = new TextEncoder().encode(JSON.stringify(state)).length;
    expect(bytes).toBeLessThan(8192);
    expect(state.season).toHaveLength(288);
  });
});
