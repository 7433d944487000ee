// Runs a Worker in workerd through Miniflare, without wrangler's dev proxy: under
// `wrangler dev` each socket holds ~5 descriptors across proxy and workerd and the 20,000-fd
// limit stops it near 3,500 sockets; here a socket costs workerd two.
//
// BENCH_APP=opsdeck (default): the Opsdeck bundle, exactly what `wrangler deploy` would upload,
// with its wrangler.toml. BENCH_APP=bare: bench/lib/bare-worker.mjs, the platform floor.
// Started by bench/run.mjs as a child process (IPC): sends {ready, url, workerdPids}; on
// {cmd:"stop"} disposes Miniflare (which stops workerd) and exits.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ROOT } from "../../scripts/lib/dev-server.mjs";
import { descendants } from "./proc.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BARE = process.env.BENCH_APP === "bare";
// The app to measure: this checkout, or another one (`--app <dir>`, e.g. an exported commit).
const APP = path.resolve(process.env.BENCH_APP_ROOT || ROOT);
const { OPERATOR_TOKEN, SECRETS_KEY } = process.env;
if (!OPERATOR_TOKEN || !SECRETS_KEY) throw new Error("OPERATOR_TOKEN and SECRETS_KEY are required");

// Wrangler's own Miniflare (and so its workerd), the one `wrangler dev` runs, not the copy
// the test plugin pins; its v4-style options go through the same converter wrangler uses.
const { Log, LogLevel, Miniflare, convertV4MiniflareOptions } = await import(
  pathToFileURL(path.join(ROOT, "node_modules/wrangler/node_modules/miniflare/dist/src/index.js"))
    .href
);

const work = mkdtempSync(path.join(tmpdir(), "opsdeck-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

/** Bundles the app as `wrangler deploy` would and returns the worker options for it. */
function opsdeckWorker() {
  const outdir = path.join(work, "bundle");
  const build = spawnSync(
    process.execPath,
    [
      path.join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
      "deploy",
      "--dry-run",
      "--outdir",
      outdir,
    ],
    {
      cwd: APP,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: "error" },
    },
  );
  if (build.status !== 0) {
    throw new Error(`wrangler deploy --dry-run failed:\n${build.stdout}\n${build.stderr}`);
  }
  // Vars, DO classes (SQLite), assets and compatibility settings come from wrangler.toml. The
  // cron trigger is left out: it would add unrelated work in the middle of a measurement.
  const { workerOptions: w } = unstable_getMiniflareWorkerOptions(path.join(APP, "wrangler.toml"));
  return {
    compatibilityDate: w.compatibilityDate,
    compatibilityFlags: w.compatibilityFlags,
    durableObjects: w.durableObjects,
    assets: w.assets,
    scriptPath: path.join(outdir, "index.js"),
    modulesRoot: outdir,
    bindings: { ...w.bindings, ENVIRONMENT: "development", OPERATOR_TOKEN, SECRETS_KEY },
  };
}

function bareWorker() {
  const { workerOptions: w } = unstable_getMiniflareWorkerOptions(path.join(APP, "wrangler.toml"));
  return {
    compatibilityDate: w.compatibilityDate,
    compatibilityFlags: w.compatibilityFlags,
    durableObjects: { ROOM: { className: "Room", useSQLite: true } },
    scriptPath: path.join(HERE, "bare-worker.mjs"),
    modulesRoot: HERE,
  };
}

const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    resourcePersistencePath: path.join(work, "state"),
    cf: false,
    telemetry: { enabled: false },
    logRequests: false,
    log: new Log(LogLevel.WARN),
    workers: [
      {
        name: "app",
        modules: true,
        ...(BARE ? bareWorker() : opsdeckWorker()),
        // Straight to the Worker, as in production, skipping Miniflare's entry worker.
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
    ],
  }),
);

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await mf.dispose();
  } finally {
    process.exit(code);
  }
}
process.on("message", (msg) => {
  if (msg?.cmd === "stop") void stop(0);
});
// If the orchestrator dies, IPC closes: never leave workerd behind.
process.on("disconnect", () => void stop(1));

await mf.ready;
const url = (await mf.unsafeGetDirectURL("app")).toString().replace(/\/$/, "");
const workerdPids = descendants(process.pid)
  .filter((p) => p.comm === "workerd")
  .map((p) => p.pid);
process.send({ ready: true, url, workerdPids });
