/**
 * `npm run nab -- tune GRID_JSON`: how the detector's fixed parameters were chosen, and how
 * well that choice carries to data it was not chosen on. GRID_JSON maps parameter names to
 * lists of values; every combination is run over the shared corpus (labels are read only to
 * score, after detection). It prints the best combinations per profile and a
 * leave-one-category-out score: each category scored with the combination (threshold
 * included) that is best on the other categories.
 */
import path from "node:path";
import { createDetector, score, type DetectorParams } from "../../lib/anomaly/detector";
import { listSeries, parseStamp, readTable, readWindows } from "./corpus";
import { normalise, prepare, PROFILE_NAMES, PROFILES, scoreAt, type Prepared } from "./scorer";

type Grid = Record<string, number[]>;
type Config = Partial<DetectorParams>;

interface Series {
  rel: string;
  category: string;
  timestamps: number[];
  values: number[];
  windows: [number, number][];
}

/** Every combination of the grid's values. */
export function expand(grid: Grid): Config[] {
  let out: Record<string, number>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    out = out.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return out as Config[];
}

function run(series: readonly Series[], config: Config): Map<string, Prepared> {
  const byCategory = new Map<
    string,
    { timestamps: number[]; scores: number[]; windows: [number, number][] }[]
  >();
  for (const s of series) {
    const state = createDetector(config);
    const scores = s.values.map((v, i) => score(state, s.timestamps[i] ?? Number.NaN, v).score);
    const list = byCategory.get(s.category) ?? [];
    list.push({ timestamps: s.timestamps, scores, windows: s.windows });
    byCategory.set(s.category, list);
  }
  return new Map([...byCategory].map(([c, files]) => [c, prepare(files)]));
}

/** One line per file for a single configuration: standard raw score, windows hit, detections. */
function perFile(series: readonly Series[], config: Config): void {
  const threshold = config.threshold ?? createDetector().params.threshold;
  for (const s of series) {
    const state = createDetector(config);
    const scores = s.values.map((v, i) => score(state, s.timestamps[i] ?? Number.NaN, v).score);
    const prepared = prepare([{ timestamps: s.timestamps, scores, windows: s.windows }]);
    const hits = prepared.rows.filter((r) => r.score >= threshold);
    const fp = hits.filter((r) => r.window < 0).length;
    const tp = new Set(hits.filter((r) => r.window >= 0).map((r) => r.window)).size;
    const raw = scoreAt(prepared, PROFILES.standard, threshold).raw;
    console.log(
      `${raw.toFixed(2).padStart(6)} tp ${tp}/${prepared.scoredWindows} fp ${fp}  ${s.rel}`,
    );
  }
}

export function tune(dataDir: string, labelsFile: string, grid: Grid): void {
  const windows = readWindows(labelsFile);
  const series: Series[] = listSeries(dataDir).map((rel) => {
    const table = readTable(path.join(dataDir, rel), "value");
    return {
      rel,
      category: rel.split("/")[0] ?? "",
      timestamps: table.stamps.map(parseStamp),
      values: table.values,
      windows: windows.get(rel) ?? [],
    };
  });
  const whole = prepare(
    series.map((s) => ({ timestamps: s.timestamps, scores: [], windows: s.windows })),
  );
  const configs = expand(grid);
  if (configs.length === 1) perFile(series, configs[0] ?? {});
  // raw[profile][config][category]
  const raw = PROFILE_NAMES.map(() => configs.map(() => new Map<string, number>()));
  configs.forEach((config, k) => {
    const threshold = config.threshold ?? createDetector().params.threshold;
    for (const [category, prepared] of run(series, config)) {
      PROFILE_NAMES.forEach((name, p) => {
        raw[p]?.[k]?.set(category, scoreAt(prepared, PROFILES[name], threshold).raw);
      });
    }
  });
  const categories = [...new Set(series.map((s) => s.category))];
  const sum = (m: Map<string, number> | undefined, skip = "") =>
    [...(m ?? [])].reduce((t, [c, v]) => (c === skip ? t : t + v), 0);
  PROFILE_NAMES.forEach((name, p) => {
    const cost = PROFILES[name];
    const perConfig = raw[p] ?? [];
    const ranked = configs
      .map((c, k) => ({ c, total: sum(perConfig[k]) }))
      .sort((a, b) => b.total - a.total);
    console.log(`\n${name}: best of ${configs.length}`);
    for (const { c, total } of ranked.slice(0, 5)) {
      console.log(`  ${normalise(total, whole, cost).toFixed(2)}  ${JSON.stringify(c)}`);
    }
    let loco = 0;
    for (const held of categories) {
      let best = 0;
      perConfig.forEach((m, k) => {
        if (sum(m, held) > sum(perConfig[best], held)) best = k;
      });
      loco += perConfig[best]?.get(held) ?? 0;
      console.log(`  held out ${held}: ${JSON.stringify(configs[best])}`);
    }
    console.log(`  leave-one-category-out ${normalise(loco, whole, cost).toFixed(2)}`);
  });
}
