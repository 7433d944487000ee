import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  listSeries,
  parseStamp,
  readTable,
  readWindows,
  resultPath,
} from "../../scripts/nab/corpus";
import {
  PROFILES,
  prepare,
  probationLength,
  scaledSigmoid,
  scoreAt,
  type ProfileName,
} from "../../scripts/nab/scorer";

/**
 * The scorer is right when it gives NAB's own figures for NAB's own published results
 * (../shared/data/nab/README.md lists them for exactly these files).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const NAB = path.resolve(ROOT, "../shared/data/nab");

const PUBLISHED: Record<string, { normalised: number; raw: number }> = {
  numenta: { normalised: 75.52, raw: 32.664 },
  ARTime: { normalised: 74.51, raw: 31.371 },
  twitterADVec: { normalised: 46.63, raw: -4.308 },
  windowedGaussian: { normalised: 41.39, raw: -11.018 },
};

describe("NAB scoring rules", () => {
  it("uses NAB's sigmoid and probation", () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3)).toBe(-1);
    expect(probationLength(1000)).toBe(150);
    expect(probationLength(10_000)).toBe(750);
  });

  it("charges a miss, rewards an early hit fully and a false alarm lightly", () => {
    const timestamps = Array.from({ length: 200 }, (_, i) => i);
    const windows = [[100, 119]] as const;
    const at = (hits: number[]) =>
      scoreAt(
        prepare([
          { timestamps, windows, scores: timestamps.map((i) => (hits.includes(i) ? 1 : 0)) },
        ]),
        PROFILES.standard,
        0.5,
      );
    expect(at([]).raw).toBe(-1);
    expect(at([100]).raw).toBeCloseTo(1, 10);
    expect(at([100]).normalised).toBeCloseTo(100, 10);
    expect(at([50]).raw).toBeCloseTo(-1.11, 10); // no preceding window: full FP weight
    expect(at([100, 110]).raw).toBeCloseTo(1, 10); // only the earliest detection counts
    expect(at([10]).raw).toBe(-1); // inside the probationary period: ignored
  });
});

describe.skipIf(!existsSync(NAB))("NAB scorer on the published results", () => {
  const windows = readWindows(path.join(NAB, "labels/combined_windows.json"));
  const thresholds = JSON.parse(
    readFileSync(path.join(NAB, "published/thresholds.json"), "utf8"),
  ) as Record<string, Record<ProfileName, { threshold: number }>>;

  it("keeps NAB's cost profiles", () => {
    const json = JSON.parse(readFileSync(path.join(NAB, "profiles.json"), "utf8")) as Record<
      ProfileName,
      { CostMatrix: Record<string, number> }
    >;
    for (const [name, cost] of Object.entries(PROFILES)) {
      expect(json[name as ProfileName].CostMatrix).toMatchObject(cost);
    }
  });

  it.each(Object.entries(PUBLISHED))("reproduces %s's standard-profile score", (detector, want) => {
    const files = listSeries(path.join(NAB, "data")).map((rel) => {
      const table = readTable(
        resultPath(path.join(NAB, "published", detector), detector, rel),
        "anomaly_score",
      );
      return {
        timestamps: table.stamps.map(parseStamp),
        scores: table.values,
        windows: windows.get(rel) ?? [],
      };
    });
    const prepared = prepare(files);
    const threshold = thresholds[detector]?.standard.threshold ?? Number.NaN;
    const got = scoreAt(prepared, PROFILES.standard, threshold);
    expect(prepared.totalWindows).toBe(64);
    expect(got.raw.toFixed(3)).toBe(want.raw.toFixed(3));
    expect(got.normalised.toFixed(2)).toBe(want.normalised.toFixed(2));
  });
});
