/**
 * `npm run nab`: detect (scripts/nab/detect.ts, no labels), then score with NAB's rules
 * (scripts/nab/scorer.ts) and print, per profile, the normalised score at the fixed
 * threshold, the best threshold in hindsight, a leave-one-category-out score, and the cost
 * per point and state per series.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { listSeries, parseStamp, readTable, readWindows } from "./corpus";
import type { CostSeries } from "./cost";
import { detectAll, median, THRESHOLDS, type SeriesRun } from "./detect";
import {
  normalise,
  optimiseThreshold,
  prepare,
  PROFILE_NAMES,
  PROFILES,
  scoreAt,
  type CostMatrix,
  type ScoredFile,
} from "./scorer";

const USAGE =
  "usage: npm run nab -- [--data DIR] [--out DIR] [--labels combined_windows.json] [--runtime workerd]";

interface Options {
  data: string;
  out: string;
  labels: string;
}

function parseArgs(argv: readonly string[], root: string): Options | string {
  const opts: Options = {
    data: path.resolve(root, "../shared/data/nab/data"),
    out: path.resolve(root, ".nab-results"),
    labels: "",
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) return `${flag ?? ""} needs a value. ${USAGE}`;
    if (flag === "--data") opts.data = path.resolve(value);
    else if (flag === "--out") opts.out = path.resolve(value);
    else if (flag === "--labels") opts.labels = path.resolve(value);
    else return `unknown option ${flag ?? ""}. ${USAGE}`;
  }
  // NAB keeps labels/ next to data/; the scoring step looks there unless told otherwise.
  opts.labels ||= path.join(path.dirname(opts.data), "labels", "combined_windows.json");
  return opts;
}

/**
 * Leave-one-category-out: each category scored at the threshold that is best on the other
 * categories, so the figure says how the threshold carries to data it was not chosen on.
 */
function leaveOneCategoryOut(files: readonly (ScoredFile & { rel: string })[], cost: CostMatrix) {
  const categories = [...new Set(files.map((f) => f.rel.split("/")[0] ?? ""))];
  let raw = 0;
  for (const c of categories) {
    const others = prepare(files.filter((f) => !f.rel.startsWith(`${c}/`)));
    const held = prepare(files.filter((f) => f.rel.startsWith(`${c}/`)));
    raw += scoreAt(held, cost, optimiseThreshold(others, cost).threshold).raw;
  }
  return normalise(raw, prepare(files), cost);
}

function report(runs: readonly SeriesRun[], labelsFile: string): void {
  const windows = readWindows(labelsFile);
  const files = runs.map((r) => ({ ...r, windows: windows.get(r.rel) ?? [] }));
  const prepared = prepare(files);
  const us = median(runs.map((r) => r.microsPerPoint));
  const bytes = Math.max(...runs.map((r) => r.stateBytes));
  console.log(`\n${runs.length} files, ${prepared.totalWindows} windows (labels: ${labelsFile})`);
  console.log("profile              fixed-thr  score   best-thr  best    LOCO    µs/pt  bytes");
  for (const name of PROFILE_NAMES) {
    const cost = PROFILES[name];
    const fixed = scoreAt(prepared, cost, THRESHOLDS[name].threshold);
    const best = optimiseThreshold(prepared, cost);
    const loco = leaveOneCategoryOut(files, cost);
    console.log(
      [
        name.padEnd(20),
        fixed.threshold.toFixed(4).padStart(9),
        fixed.normalised.toFixed(2).padStart(6),
        best.threshold.toFixed(4).padStart(9),
        best.normalised.toFixed(2).padStart(6),
        loco.toFixed(2).padStart(7),
        us.toFixed(2).padStart(7),
        String(bytes).padStart(6),
      ].join(" "),
    );
    console.log(`  raw ${fixed.raw.toFixed(3)} at the fixed threshold`);
  }
}

/** Runs the CLI; `root` is the repository (defaults are relative to it). Returns the exit code. */
export async function main(argv: readonly string[], root: string): Promise<number> {
  const opts = parseArgs(argv, root);
  if (typeof opts === "string") {
    console.error(opts);
    return 2;
  }
  if (!existsSync(opts.data)) {
    console.error(`no data directory at ${opts.data}. ${USAGE}`);
    return 2;
  }
  mkdirSync(opts.out, { recursive: true });
  const runs = detectAll(opts.data, opts.out);
  const points = runs.reduce((n, r) => n + r.timestamps.length, 0);
  console.log(`scored ${points} points in ${runs.length} files; results in ${opts.out}`);
  if (!existsSync(opts.labels)) {
    console.log(`no labels at ${opts.labels}: detection only, not scored`);
    console.log(
      `median ${median(runs.map((r) => r.microsPerPoint)).toFixed(2)} µs/point, state ≤ ${Math.max(0, ...runs.map((r) => r.stateBytes))} bytes/series`,
    );
    return 0;
  }
  report(runs, opts.labels);
  return 0;
}

/**
 * The series `--runtime workerd` times (scripts/nab/workerd.mjs), read as the detection step
 * reads them (none for options `main` already refused).
 */
export function costInputs(
  argv: readonly string[],
  root: string,
): (CostSeries & { rel: string })[] {
  const opts = parseArgs(argv, root);
  if (typeof opts === "string") return [];
  return listSeries(opts.data).map((rel) => {
    const table = readTable(path.join(opts.data, rel), "value");
    return { rel, t: table.stamps.map(parseStamp), v: table.values };
  });
}

export { scoreSeries } from "./cost";
