// Runs a Worker in workerd through Miniflare, without wrangler's dev proxy: under
// `wrangler dev` each socket holds ~5 descriptors across proxy and workerd and the 20,000-fd
// limit stops it near 3,500 sockets; here a socket costs workerd two.
//
// BENCH_APP=opsdeck (default): the Opsdeck bundle, exactly what `wrangler deploy` would upload,
// with its wrangler.toml. BENCH_APP=bare: bench/lib/bare-worker.mjs, the platform floor.
// Started by bench/run.mjs as a child process (IPC): sends {ready, url, workerdPids}; on
// {cmd:"stop"} disposes Miniflare (which stops workerd) and exits.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "../../scripts/lib/dev-server.mjs";
import {
  appOptions,
  newMiniflare,
  opsdeckWorker,
  requiredSecrets,
  serveToParent,
  workDir,
} from "./miniflare.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BARE = process.env.BENCH_APP === "bare";
// The app to measure: this checkout, or another one (`--app <dir>`, e.g. an exported commit).
const APP = path.resolve(process.env.BENCH_APP_ROOT || ROOT);

function bareWorker() {
  const w = appOptions(APP);
  return {
    compatibilityDate: w.compatibilityDate,
    compatibilityFlags: w.compatibilityFlags,
    durableObjects: { ROOM: { className: "Room", useSQLite: true } },
    scriptPath: path.join(HERE, "bare-worker.mjs"),
    modulesRoot: HERE,
  };
}

const work = workDir("opsdeck-bench-");
// Socket caps from the caller's environment: the fan-out benches hold every socket on one
// token and lift them, as a wall of dashboards would; the abuse bench keeps the defaults.
const caps = Object.fromEntries(
  ["SOCKET_CAP_PER_PRINCIPAL", "SOCKET_CAP_PER_WORKSPACE"]
    .filter((key) => process.env[key])
    .map((key) => [key, process.env[key]]),
);
const worker = BARE ? bareWorker() : opsdeckWorker(APP, work, { ...requiredSecrets(), ...caps });
// `BENCH_INSPECTOR_PORT`: expose V8's inspector there, for a CPU profile (bench/lib/cpu-profile.mjs).
const inspector = process.env.BENCH_INSPECTOR_PORT
  ? { inspectorPort: Number(process.env.BENCH_INSPECTOR_PORT) }
  : {};
await serveToParent(newMiniflare(work, worker, inspector));
