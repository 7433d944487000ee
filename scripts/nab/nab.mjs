// `npm run nab [-- --data DIR --out DIR --labels FILE]`: runs the anomaly detector over a
// NAB-layout data directory, writes NAB result files, then scores them (scripts/nab/main.ts).
// The detector and scorer are TypeScript with bundler-style imports, which plain Node cannot
// load, so esbuild bundles them into a temporary file first (about 50 ms).
import { build } from "esbuild";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// `npm run nab -- tune GRID_JSON` runs the parameter search (scripts/nab/tune.ts) instead.
const tuning = process.argv[2] === "tune";
// `--runtime workerd` adds the cost per point inside workerd beside Node's (scripts/nab/workerd.mjs).
const args = process.argv.slice(2);
const at = args.indexOf("--runtime");
const runtime = at >= 0 ? args.splice(at, 2)[1] : "node";
const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), "opsdeck-nab-"));
const outfile = path.join(tmp, "main.mjs");
try {
  await build({
    entryPoints: [path.join(here, tuning ? "tune.ts" : "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    logLevel: "warning",
  });
  const mod = await import(pathToFileURL(outfile).href);
  const root = path.resolve(here, "..", "..");
  if (tuning) {
    const nab = path.resolve(root, "../shared/data/nab");
    const grid = JSON.parse(process.argv[3] ?? "{}");
    mod.tune(path.join(nab, "data"), path.join(nab, "labels", "combined_windows.json"), grid);
  } else if (runtime !== "node" && runtime !== "workerd") {
    console.error(`--runtime takes node or workerd, not ${runtime ?? "nothing"}`);
    process.exitCode = 2;
  } else {
    process.exitCode = await mod.main(args, root);
    if (runtime === "workerd" && process.exitCode === 0) {
      const { measureCost } = await import("./workerd.mjs");
      await measureCost(root, mod.costInputs(args, root), mod.scoreSeries);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
