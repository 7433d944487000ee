// What the bench's runtime children share: wrangler's own Miniflare (and so its workerd, the one
// `wrangler dev` runs, not the copy the test plugin pins), the Opsdeck bundle exactly as
// `wrangler deploy` would upload it, and the IPC handshake with the parent bench.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ROOT } from "../../scripts/lib/dev-server.mjs";
import { descendants } from "./proc.mjs";

// Its v4-style options go through the same converter wrangler uses.
export const { Log, LogLevel, Miniflare, convertV4MiniflareOptions } = await import(
  pathToFileURL(path.join(ROOT, "node_modules/wrangler/node_modules/miniflare/dist/src/index.js"))
    .href
);

/** A scratch folder removed when the process exits. */
export function workDir(prefix) {
  const work = mkdtempSync(path.join(tmpdir(), prefix));
  process.on("exit", () => rmSync(work, { recursive: true, force: true }));
  return work;
}

/** The secrets every Opsdeck bundle needs, from the parent's environment. */
export function requiredSecrets() {
  const { OPERATOR_TOKEN, SECRETS_KEY } = process.env;
  if (!OPERATOR_TOKEN || !SECRETS_KEY)
    throw new Error("OPERATOR_TOKEN and SECRETS_KEY are required");
  return { OPERATOR_TOKEN, SECRETS_KEY };
}

/** The app's wrangler.toml settings (compatibility, DO classes, vars, assets). */
export const appOptions = (app) =>
  unstable_getMiniflareWorkerOptions(path.join(app, "wrangler.toml")).workerOptions;

/**
 * Bundles the app at `app` as `wrangler deploy` would and returns worker options for it. The
 * cron trigger is left out: it would add unrelated work in the middle of a measurement.
 */
export function opsdeckWorker(app, work, bindings) {
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
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: "error" },
    },
  );
  if (build.status !== 0) {
    throw new Error(`wrangler deploy --dry-run failed:\n${build.stdout}\n${build.stderr}`);
  }
  const w = appOptions(app);
  return {
    compatibilityDate: w.compatibilityDate,
    compatibilityFlags: w.compatibilityFlags,
    durableObjects: w.durableObjects,
    assets: w.assets,
    scriptPath: path.join(outdir, "index.js"),
    modulesRoot: outdir,
    bindings: { ...w.bindings, ENVIRONMENT: "development", ...bindings },
  };
}

/** Common Miniflare options around one worker named "app" reached by a direct socket. */
export function newMiniflare(work, worker, extra = {}) {
  return new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      resourcePersistencePath: path.join(work, "state"),
      cf: false,
      telemetry: { enabled: false },
      logRequests: false,
      log: new Log(LogLevel.WARN),
      ...extra,
      workers: [
        {
          name: "app",
          modules: true,
          ...worker,
          // Straight to the Worker, as in production, skipping Miniflare's entry worker.
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
      ],
    }),
  );
}

/**
 * The child side of the bench's IPC: sends {ready, url, entryUrl, workerdPids} once Miniflare
 * is up; on {cmd:"stop"} disposes it (which stops workerd) and exits. If the parent dies, IPC
 * closes: never leave workerd behind.
 */
export async function serveToParent(mf) {
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
}
