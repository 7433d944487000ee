// `npm run nab -- --runtime workerd`: the detector's cost per point inside workerd (the
// runtime Workers deploy to, via wrangler's own Miniflare, as bench/lib/miniflare.mjs starts
// it) beside the same loop in Node, over every series of the NAB data directory.
//
// A Worker's clock stands still while it computes, so workerd's figure is taken from outside:
// for each series, the fastest of ROUNDS round trips that score it REPS times, minus the
// fastest round trip with the same body that scores it 0 times (parsing cancels out), over
// REPS × points. Node's figure is the fastest of ROUNDS timings of the same REPS runs.
import { build } from "esbuild";
import path from "node:path";
import {
  appOptions,
  convertV4MiniflareOptions,
  Log,
  LogLevel,
  Miniflare,
} from "../../bench/lib/miniflare.mjs";

const REPS = 5;
const ROUNDS = 5;

/** Bundles `entry` to one ES module for `platform`; returns its source text. */
async function bundle(entry, platform) {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform,
    target: "es2022",
    logLevel: "warning",
  });
  return out.outputFiles[0].text;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Measures every series under `dataDir` (series: [{ rel, t, v }], loaded by the caller with the
 * CLI's own reader) and prints median and worst µs/point per runtime. Returns the figures.
 */
export async function measureCost(root, series, scoreSeries) {
  const script = await bundle(path.join(root, "scripts/nab/cost-worker.ts"), "neutral");
  // Wrangler warns about the app's secrets while reading its config; none are needed here.
  const logLevel = process.env.WRANGLER_LOG;
  process.env.WRANGLER_LOG = "error";
  const app = appOptions(root);
  if (logLevel === undefined) delete process.env.WRANGLER_LOG;
  else process.env.WRANGLER_LOG = logLevel;
  // The app's compatibility date and flags, so the engine is configured as Opsdeck's is.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      log: new Log(LogLevel.WARN),
      cf: false,
      workers: [
        {
          name: "nab",
          modules: true,
          script,
          compatibilityDate: app.compatibilityDate,
          compatibilityFlags: app.compatibilityFlags,
        },
      ],
    }),
  );
  const rows = [];
  try {
    await mf.ready;
    for (const s of series) {
      const body = JSON.stringify({ t: s.t, v: s.v.map((x) => (Number.isNaN(x) ? null : x)) });
      const trip = async (reps) => {
        const start = performance.now();
        const res = await mf.dispatchFetch(`http://nab.local/?reps=${reps}`, {
          method: "POST",
          body,
        });
        const { checksum } = await res.json();
        return { ms: performance.now() - start, checksum };
      };
      let work = Infinity;
      let empty = Infinity;
      let remote = 0;
      for (let r = 0; r < ROUNDS; r++) {
        empty = Math.min(empty, (await trip(0)).ms);
        const t = await trip(REPS);
        work = Math.min(work, t.ms);
        remote = t.checksum;
      }
      let node = Infinity;
      let local = 0;
      const parsed = JSON.parse(body);
      for (let r = 0; r < ROUNDS; r++) {
        const start = performance.now();
        local = scoreSeries(parsed, REPS);
        node = Math.min(node, performance.now() - start);
      }
      const points = REPS * Math.max(1, s.t.length);
      rows.push({
        rel: s.rel,
        workerd: (Math.max(0, work - empty) * 1000) / points,
        node: (node * 1000) / points,
        agree: Math.abs(remote - local) <= 1e-9 * Math.max(1, Math.abs(local)),
      });
    }
  } finally {
    await mf.dispose();
  }
  const fig = (key) => ({
    median: median(rows.map((r) => r[key])),
    max: Math.max(...rows.map((r) => r[key])),
  });
  const result = { files: rows.length, workerd: fig("workerd"), node: fig("node") };
  const disagree = rows.filter((r) => !r.agree).map((r) => r.rel);
  console.log(
    `\ncost per point over ${rows.length} files (fastest of ${ROUNDS}, ${REPS} runs each)`,
  );
  console.log("runtime   median µs/pt   worst file µs/pt");
  for (const key of ["node", "workerd"]) {
    console.log(
      `${key.padEnd(9)} ${result[key].median.toFixed(2).padStart(12)} ${result[key].max.toFixed(2).padStart(18)}`,
    );
  }
  if (disagree.length) console.log(`scores differ between runtimes on: ${disagree.join(", ")}`);
  return result;
}
