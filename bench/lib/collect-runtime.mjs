// The Opsdeck deploy bundle in workerd through Miniflare, without wrangler's dev proxy, set up
// for the collection bench (bench/collect.mjs): loopback integration URLs allowed (the stand-ins
// and anvil listen on 127.0.0.1) and Miniflare's trigger handler on, so the bench can fire the
// cron (`GET <entryUrl>/cdn-cgi/local/scheduled?cron=…`) the way the platform would. The cron
// trigger itself is left out: it fires only when the bench says so.
//
// Forked by bench/collect.mjs (IPC): sends {ready, url, entryUrl, workerdPids}; on {cmd:"stop"}
// disposes Miniflare (which stops workerd) and exits; exits too when the parent goes away.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ROOT } from "../../scripts/lib/dev-server.mjs";
import { descendants } from "./proc.mjs";

const { OPERATOR_TOKEN, SECRETS_KEY } = process.env;
if (!OPERATOR_TOKEN || !SECRETS_KEY) throw new Error("OPERATOR_TOKEN and SECRETS_KEY are required");

// Wrangler's own Miniflare (and so its workerd): the runtime `wrangler dev` runs.
const { Log, LogLevel, Miniflare, convertV4MiniflareOptions } = await import(
  pathToFileURL(path.join(ROOT, "node_modules/wrangler/node_modules/miniflare/dist/src/index.js"))
    .href
);

const work = mkdtempSync(path.join(tmpdir(), "opsdeck-bench-collect-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

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
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: "error" },
  },
);
if (build.status !== 0) {
  throw new Error(`wrangler deploy --dry-run failed:\n${build.stdout}\n${build.stderr}`);
}
const { workerOptions: w } = unstable_getMiniflareWorkerOptions(path.join(ROOT, "wrangler.toml"));

const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    resourcePersistencePath: path.join(work, "state"),
    cf: false,
    telemetry: { enabled: false },
    logRequests: false,
    unsafeTriggerHandlers: true,
    log: new Log(LogLevel.WARN),
    workers: [
      {
        name: "app",
        modules: true,
        compatibilityDate: w.compatibilityDate,
        compatibilityFlags: w.compatibilityFlags,
        durableObjects: w.durableObjects,
        assets: w.assets,
        scriptPath: path.join(outdir, "index.js"),
        modulesRoot: outdir,
        bindings: {
          ...w.bindings,
          ENVIRONMENT: "development",
          ALLOW_LOOPBACK_URLS: "true",
          OPERATOR_TOKEN,
          SECRETS_KEY,
        },
        // API calls go straight to the Worker, as in production; the cron goes through
        // Miniflare's entry worker (its trigger handler), which runs in the same workerd.
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
process.on("disconnect", () => void stop(1));

const entryUrl = (await mf.ready).toString().replace(/\/$/, "");
const url = (await mf.unsafeGetDirectURL("app")).toString().replace(/\/$/, "");
const workerdPids = descendants(process.pid)
  .filter((p) => p.comm === "workerd")
  .map((p) => p.pid);
process.send({ ready: true, url, entryUrl, workerdPids });
