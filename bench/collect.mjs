// Collection cost (issue 4), in the local runtime (workerd through Miniflare, no dev proxy;
// bench/lib/collect-runtime.mjs) against the tests' own stand-ins and a real anvil:
//   1. One workspace with 10 GitHub repositories (runs, jobs, deployments, alerts seeded in the
//      GitHub stand-in), 3 EVM networks (3 entries on one anvil, behind a counting proxy) and 3
//      AWS regions (the SigV4-checking AWS stand-in, when this checkout has it): --cycles runs of
//      `POST api/refresh`, each with its wall time, the runtime's CPU time (workerd, all
//      threads, from /proc) and its subrequests, counted where they arrive (GitHub stand-in call
//      log, AWS stand-in per-key stats, the anvil proxy). Cycle 1 is cold: the first alarm runs
//      of GitHub and AWS are made to fail on credentials (the stand-ins learn the keys only
//      afterwards), so nothing was read before it.
//   2. Cron fan-out: 10, 100 and 1,000 workspaces (grown in place), each watching one network
//      on the same anvil through the proxy. For each size: the steady collection load before
//      the cron, one cron invocation per WAKE_BUDGET slice (wall time, runtime CPU, wake RPCs),
//      and the load in the --window seconds after it (RPC calls/s at the proxy, collections/s,
//      runtime CPU s per s, workerd RSS).
// Run: `node bench/collect.mjs [--cycles 10 --fanout 10,100,1000 --window 15]`, or
// import { run } from "./bench/collect.mjs". Prints a table and writes
// bench/results/collect-<timestamp>.json. Everything it starts is stopped at the end.
import { fork, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { ROOT } from "../scripts/lib/dev-server.mjs";
import { startAnvil } from "../scripts/lib/anvil.mjs";
import {
  cpuMs,
  startAwsStandin,
  statCpuMs,
  startCountingProxy,
  startGithubStandin,
} from "./lib/collect-peers.mjs";
import { totalRss } from "./lib/proc.mjs";
import { median, nowMs, percentile } from "./lib/stats.mjs";

const SELF = fileURLToPath(import.meta.url);
const HERE = path.dirname(SELF);
const OPERATOR_TOKEN = "bench-collect-operator-token";
const SECRETS_KEY = Buffer.from("bench-collect-0123456789abcdef01").toString("base64");
const GH_OWNER = "bench-org";
const GH_TOKEN = `ghp_bench${"0".repeat(27)}`;
const AWS_KEY = { accessKeyId: "AKIABENCHCOLLECT01", secretAccessKey: "b".repeat(40) };
const AWS_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"];
const CHAIN_ID = 31337;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Stops whatever the current run started (for a signal that ends the process early). */
let activeStop = async () => {};

/** WAKE_BUDGET as the cron code states it (one wake RPC per workspace, this many per tick). */
function wakeBudget() {
  const src = readFileSync(path.join(ROOT, "worker/jobs/wake-workspaces.ts"), "utf8");
  const m = /export const WAKE_BUDGET\s*=\s*([\d_]+)/.exec(src);
  return m ? Number(m[1].replaceAll("_", "")) : Number.NaN;
}

// ── Runtime ──────────────────────────────────────────────────────────────────────────

async function startRuntime() {
  const child = fork(path.join(HERE, "lib", "collect-runtime.mjs"), [], {
    env: { ...process.env, OPERATOR_TOKEN, SECRETS_KEY },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    detached: true,
  });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("runtime not ready in 180 s")), 180_000);
    child.once("exit", (code) => reject(new Error(`collect-runtime exited with ${code}`)));
    child.on("message", (msg) => {
      if (!msg?.ready) return;
      clearTimeout(timer);
      resolve(msg);
    });
  });
  return {
    ...ready,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        try {
          child.send({ cmd: "stop" });
        } catch {
          // IPC already closed
        }
        await Promise.race([exited, sleep(8000)]);
      }
      try {
        process.kill(-child.pid, "SIGKILL"); // the group: anything left of Miniflare/workerd
      } catch {
        // all gone
      }
    },
  };
}

// ── HTTP helpers ─────────────────────────────────────────────────────────────────────

async function api(base, method, url, token, body) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // A mutation flood from one token is rate limited per token; wait as told, a few times.
    if (res.status === 429 && attempt < 5) {
      await sleep(1000 * Number(res.headers.get("retry-after") ?? 1));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 400)}`);
    return text ? JSON.parse(text) : undefined;
  }
}

async function createWorkspace(base, id) {
  const made = await api(base, "POST", "/api/workspaces", OPERATOR_TOKEN, { id, name: id });
  return made.adminToken.token;
}

const addNetwork = (base, ws, token, id, rpcUrl) =>
  api(base, "POST", `/w/${ws}/api/integrations/networks`, token, {
    id,
    name: `Anvil ${id}`,
    chainId: CHAIN_ID,
    rpcUrl,
  });

async function sources(base, ws, token) {
  const status = await api(base, "GET", `/w/${ws}/api/status`, token);
  return Object.fromEntries(status.sources.map((s) => [s.id, s]));
}

async function until(check, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Runs `fn(i)` for i in [from, to) with at most `limit` in flight. */
async function pool(from, to, limit, fn) {
  let next = from;
  await Promise.all(
    Array.from({ length: Math.min(limit, to - from) }, async () => {
      while (next < to) await fn(next++);
    }),
  );
}

// ── Seeds ────────────────────────────────────────────────────────────────────────────

function seedRepos(count) {
  const ago = (s) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const sha = (n) => n.toString(16).padStart(40, "0");
  return Array.from({ length: count }, (_, r) => {
    const base = (r + 1) * 1000;
    return {
      name: `service-${r + 1}`,
      id: 90_000 + r,
      runs: [0, 1, 2].map((k) => ({
        id: base + k,
        name: "CI",
        status: k === 2 ? "in_progress" : "completed",
        conclusion: k === 2 ? null : k === 1 ? "failure" : "success",
        head_sha: sha(base + k),
        created_at: ago(3600 - k * 600),
        updated_at: ago(3500 - k * 600),
        jobs: ["build", "test"].map((name, j) => ({
          id: base * 10 + k * 2 + j,
          name,
          status: k === 2 ? "in_progress" : "completed",
          conclusion: k === 2 ? null : "success",
          started_at: ago(3590 - k * 600),
          completed_at: k === 2 ? null : ago(3510 - k * 600),
        })),
      })),
      deployments: ["production", "staging", "preview"].map((environment, k) => ({
        id: base + 100 + k,
        sha: sha(base + k),
        ref: "main",
        environment,
        created_at: ago(3000 - k * 300),
        statuses: [
          { state: "in_progress", created_at: ago(2990 - k * 300) },
          { state: "success", created_at: ago(2900 - k * 300) },
        ],
      })),
      codeScanning: [
        {
          number: 1,
          state: "open",
          rule: "js/xss",
          description: "Cross-site scripting",
          securitySeverity: "high",
          created_at: ago(9000),
        },
        {
          number: 2,
          state: "fixed",
          rule: "js/zipslip",
          created_at: ago(9000),
          updated_at: ago(60),
        },
      ],
      dependabot: [
        {
          number: 3,
          state: "open",
          package: "lodash",
          severity: "critical",
          summary: "Prototype pollution",
          created_at: ago(8000),
        },
        {
          number: 4,
          state: "fixed",
          package: "minimist",
          severity: "medium",
          summary: "Prototype pollution",
          created_at: ago(8000),
          updated_at: ago(100),
        },
      ],
    };
  });
}

async function githubControl(gh, op) {
  const res = await fetch(`${gh.url}/__control/${GH_OWNER}`, {
    method: op ? "POST" : "GET",
    body: op ? JSON.stringify(op) : undefined,
  });
  if (!res.ok) throw new Error(`github stand-in control: ${res.status}`);
  return res.json();
}

async function awsStats(aws) {
  if (!aws) return { requests: {} };
  const res = await fetch(`${aws.url}/__stats?accessKeyId=${AWS_KEY.accessKeyId}`);
  return res.ok ? res.json() : { requests: {} };
}
const sum = (record) => Object.values(record ?? {}).reduce((a, b) => a + b, 0);

// ── Phase 1: one workspace, several cycles ───────────────────────────────────────────

async function singleWorkspace({ runtime, proxy, gh, aws, cycles, repos }) {
  const base = runtime.url;
  const ws = "bench-single";
  const token = await createWorkspace(base, ws);
  // Alarms far apart, so only the bench's own refreshes collect while it measures.
  await api(base, "PUT", `/w/${ws}/api/collection/intervals`, token, {
    metrics: 3600,
    deployments: 3600,
    web3: 3600,
    security: 86_400,
  });
  for (const id of ["net-a", "net-b", "net-c"])
    await addNetwork(base, ws, token, id, `${proxy.url}/${id}`);

  // GitHub and AWS: saving starts a run on the alarm at once. The stand-ins do not know the
  // credentials yet, so that run fails on its first answer and reads nothing; they learn them
  // after, and the bench's first refresh is a true first (cold) collection.
  await githubControl(gh, { op: "seed", token: `${GH_TOKEN}-not-yet`, repos: seedRepos(repos) });
  await api(base, "PUT", `/w/${ws}/api/integrations/github`, token, {
    enabled: true,
    token: GH_TOKEN,
    owner: GH_OWNER,
    repositories: seedRepos(repos).map((r) => r.name),
    apiUrl: gh.url,
  });
  if (aws) {
    await api(base, "PUT", `/w/${ws}/api/integrations/aws`, token, {
      enabled: true,
      accessKey: AWS_KEY.accessKeyId,
      secretKey: AWS_KEY.secretAccessKey,
      regions: AWS_REGIONS,
      endpoints: { ec2: aws.url, rds: aws.url, cloudwatch: aws.url, s3: aws.url, lambda: aws.url },
    });
  }
  await until(async () => {
    const s = await sources(base, ws, token);
    return (
      s.web3?.status === "live" &&
      s.github?.status === "error" &&
      (!aws || s.aws?.status === "error")
    );
  }, "the first alarm runs (web3 live, GitHub/AWS refused)");
  await githubControl(gh, { op: "token", token: GH_TOKEN });
  if (aws) await fetch(`${aws.url}/__keys`, { method: "POST", body: JSON.stringify(AWS_KEY) });

  const rows = [];
  for (let i = 1; i <= cycles; i++) {
    const before = {
      gh: (await githubControl(gh)).calls.length,
      aws: await awsStats(aws),
      rpc: proxy.snapshot(),
      cpu: cpuMs(runtime.workerdPids),
    };
    const t0 = nowMs();
    const { results } = await api(base, "POST", `/w/${ws}/api/refresh`, token);
    const wallMs = nowMs() - t0;
    const cpu = cpuMs(runtime.workerdPids) - before.cpu;
    const ghState = await githubControl(gh);
    const awsAfter = await awsStats(aws);
    const rpc = proxy.snapshot();
    const awsBy = Object.fromEntries(
      Object.entries(awsAfter.requests).map(([k, v]) => [k, v - (before.aws.requests[k] ?? 0)]),
    );
    const github = ghState.calls.slice(before.gh);
    rows.push({
      cycle: i,
      results,
      wallMs,
      cpuMs: cpu,
      subrequests: {
        github: github.length,
        aws: sum(awsBy),
        rpcHttp: rpc.requests - before.rpc.requests,
        rpcCalls: rpc.calls - before.rpc.calls,
      },
      githubByKind: countBy(github.map((c) => githubKind(c.path))),
      awsByService: awsBy,
      githubInvalid: ghState.invalid.length,
    });
    for (const row of rows.slice(-1))
      row.subrequests.total =
        row.subrequests.github + row.subrequests.aws + row.subrequests.rpcHttp;
  }
  return rows;
}

function githubKind(p) {
  if (p.includes("/jobs")) return "jobs";
  if (p.includes("/actions/runs")) return "runs";
  if (p.includes("/statuses")) return "deployment statuses";
  if (p.includes("/deployments")) return "deployments";
  if (p.includes("/code-scanning")) return "code scanning";
  if (p.includes("/dependabot")) return "dependabot";
  if (/^\/repos\/[^/]+\/[^/]+$/.test(p)) return "repository";
  return "other";
}

function countBy(keys) {
  const out = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

// ── Phase 2: cron fan-out ────────────────────────────────────────────────────────────

/** Samples the proxy and the runtime once a second for `seconds`. */
async function window(runtime, proxy, seconds) {
  const pids = runtime.workerdPids;
  const start = { rpc: proxy.snapshot(), cpu: cpuMs(pids), stat: statCpuMs(pids), t: nowMs() };
  const perSecond = [];
  let last = start.rpc;
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    const now = proxy.snapshot();
    perSecond.push(now.calls - last.calls);
    last = now;
  }
  const end = { rpc: proxy.snapshot(), cpu: cpuMs(pids), stat: statCpuMs(pids), t: nowMs() };
  const secs = (end.t - start.t) / 1000;
  const collections =
    (end.rpc.methods.eth_blockNumber ?? 0) - (start.rpc.methods.eth_blockNumber ?? 0);
  return {
    seconds: secs,
    rpcCallsPerSec: (end.rpc.calls - start.rpc.calls) / secs,
    rpcHttpPerSec: (end.rpc.requests - start.rpc.requests) / secs,
    collectionsPerSec: collections / secs,
    rpcErrors: end.rpc.errors - start.rpc.errors,
    cpuCores: (end.cpu - start.cpu) / 1000 / secs,
    cpuCoresStat: (end.stat - start.stat) / 1000 / secs,
    methods: Object.fromEntries(
      Object.entries(end.rpc.methods).map(([k, v]) => [k, v - (start.rpc.methods[k] ?? 0)]),
    ),
    peakRpcCallsPerSec: Math.max(...perSecond),
    perSecond,
  };
}

async function fanout({ runtime, proxy, sizes, windowSeconds, baselineSeconds, concurrency }) {
  const base = runtime.url;
  const budget = wakeBudget();
  const rows = [];
  let have = 0;
  for (const n of sizes) {
    const t0 = nowMs();
    const failures = [];
    const progress = [];
    let done = 0;
    let mark = { t: t0, done: 0, rpc: proxy.snapshot(), cpu: cpuMs(runtime.workerdPids) };
    await pool(have, n, concurrency, async (i) => {
      const ws = `fan-${String(i).padStart(5, "0")}`;
      try {
        const token = await createWorkspace(base, ws);
        // Saving verifies the URL with eth_chainId (5 s deadline); under load that may time
        // out: try again a little later, and count what still fails.
        for (let attempt = 1; ; attempt++) {
          try {
            await addNetwork(base, ws, token, "local", `${proxy.url}/fan`);
            break;
          } catch (error) {
            if (attempt >= 3) throw error;
            failures.push({ ws, attempt, error: error.message.slice(0, 160), retried: true });
            await sleep(1000 * attempt);
          }
        }
      } catch (error) {
        failures.push({ ws, error: error.message.slice(0, 160), retried: false });
      }
      done++;
      if (done % 100 === 0) {
        const now = { t: nowMs(), done, rpc: proxy.snapshot(), cpu: cpuMs(runtime.workerdPids) };
        const secs = (now.t - mark.t) / 1000;
        progress.push({
          workspaces: have + done,
          createdPerSec: (now.done - mark.done) / secs,
          rpcCallsPerSec: (now.rpc.calls - mark.rpc.calls) / secs,
          cpuCores: (now.cpu - mark.cpu) / 1000 / secs,
          workerdRssMb: totalRss(runtime.workerdPids) / 2 ** 20,
        });
        const p = progress.at(-1);
        console.log(
          `    ${p.workspaces} created: ${fmt(p.createdPerSec, 1)}/s, ${fmt(p.rpcCallsPerSec)} RPC calls/s, ${fmt(p.cpuCores, 2)} cores, RSS ${fmt(p.workerdRssMb)} MB`,
        );
        mark = now;
      }
    });
    const createMs = nowMs() - t0;
    const created = n - have;
    have = n;
    await sleep(2000);
    const before = await window(runtime, proxy, baselineSeconds);

    // One cron invocation wakes at most WAKE_BUDGET workspaces: fire as many ticks as it
    // takes to reach every one (each tick a separate invocation, as minute by minute).
    const ticks = [];
    for (let t = 0; t < Math.max(1, Math.ceil(n / budget)); t++) {
      const cpu0 = cpuMs(runtime.workerdPids);
      const rpc0 = proxy.snapshot();
      const s0 = nowMs();
      const res = await fetch(
        `${runtime.entryUrl}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("* * * * *")}&format=json`,
      );
      const outcome = await res.json().catch(() => ({ outcome: `HTTP ${res.status}` }));
      const wallMs = nowMs() - s0;
      const cpu = cpuMs(runtime.workerdPids) - cpu0;
      ticks.push({
        wallMs,
        cpuMs: cpu,
        // Collection keeps running meanwhile: take off what the runtime burnt per ms before.
        cpuMsNet: Math.max(0, cpu - before.cpuCores * wallMs),
        outcome: outcome.outcome,
        wakeRpcs: Math.min(n, budget),
        // DO RPCs are subrequests of the cron invocation: the Directory slice, then the wakes.
        subrequests: 1 + Math.min(n, budget),
        rpcCallsDuring: proxy.snapshot().calls - rpc0.calls,
      });
    }
    const after = await window(runtime, proxy, windowSeconds);
    rows.push({
      workspaces: n,
      created,
      createMs,
      createFailures: failures.filter((f) => !f.retried).length,
      createRetries: failures.filter((f) => f.retried).length,
      failures: failures.slice(0, 20),
      progress,
      ticks,
      before,
      after,
      workerdRssMb: totalRss(runtime.workerdPids) / 2 ** 20,
    });
    const last = rows.at(-1);
    console.log(
      `  ${n} workspaces: cron ${ticks.map((t) => `${fmt(t.wallMs)} ms`).join(" + ")}, ${fmt(after.rpcCallsPerSec)} RPC calls/s after, ${fmt(after.cpuCores, 2)} cores, RSS ${fmt(last.workerdRssMb)} MB`,
    );
  }
  return { budget, rows };
}

// ── Report ───────────────────────────────────────────────────────────────────────────

function fmt(x, digits = 0) {
  if (x === undefined || Number.isNaN(x)) return "-";
  return x.toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

function summarizeCycles(rows) {
  const warm = rows.slice(1);
  const stat = (pick, list) => ({
    median: median(list.map(pick)),
    p90: percentile(list.map(pick), 90),
  });
  return {
    cold: rows[0],
    warm: {
      cycles: warm.length,
      wallMs: stat((r) => r.wallMs, warm),
      cpuMs: stat((r) => r.cpuMs, warm),
      subrequests: stat((r) => r.subrequests.total, warm),
      github: stat((r) => r.subrequests.github, warm),
      aws: stat((r) => r.subrequests.aws, warm),
      rpcHttp: stat((r) => r.subrequests.rpcHttp, warm),
    },
    all: {
      wallMs: stat((r) => r.wallMs, rows),
      cpuMs: stat((r) => r.cpuMs, rows),
      subrequests: stat((r) => r.subrequests.total, rows),
    },
  };
}

function printReport(single, summary, fan, awsNote) {
  if (single.length > 0) printSingle(single, summary, awsNote);
  printFanout(fan);
}

function printSingle(single, summary, awsNote) {
  console.log("\nOne workspace: 10 repositories, 3 networks, " + awsNote);
  console.log("cycle  wall ms  CPU ms  subreq  github  aws  rpc(http/calls)  results");
  for (const r of single) {
    console.log(
      `${String(r.cycle).padStart(5)}  ${fmt(r.wallMs).padStart(7)}  ${fmt(r.cpuMs).padStart(6)}  ${String(r.subrequests.total).padStart(6)}  ${String(r.subrequests.github).padStart(6)}  ${String(r.subrequests.aws).padStart(3)}  ${`${r.subrequests.rpcHttp}/${r.subrequests.rpcCalls}`.padStart(15)}  ${Object.entries(
        r.results,
      )
        .map(([k, v]) => `${k}:${v}`)
        .join(" ")}`,
    );
  }
  const kinds = (r) =>
    `GitHub ${Object.entries(r.githubByKind)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}; AWS ${Object.entries(r.awsByService)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`;
  console.log(`cycle 1 by kind: ${kinds(single[0])}`);
  console.log(`cycle ${single.length} by kind: ${kinds(single.at(-1))}`);
  const w = summary.warm;
  console.log(
    `cold (cycle 1): ${fmt(summary.cold.wallMs)} ms wall, ${fmt(summary.cold.cpuMs)} ms CPU, ${summary.cold.subrequests.total} subrequests; warm (cycles 2-${single.length}): wall median ${fmt(w.wallMs.median)} / p90 ${fmt(w.wallMs.p90)} ms, CPU median ${fmt(w.cpuMs.median)} / p90 ${fmt(w.cpuMs.p90)} ms, subrequests median ${fmt(w.subrequests.median)} / p90 ${fmt(w.subrequests.p90)}`,
  );
}

function printFanout(fan) {
  console.log(`\nCron fan-out (WAKE_BUDGET ${fan.budget} per invocation; 1 network per workspace)`);
  console.log(
    "workspaces  create s  cron ticks: wall ms / net CPU ms / wake RPCs   load before → after (RPC calls/s, collections/s, cores)  RSS MB  add failures",
  );
  for (const r of fan.rows) {
    const ticks = r.ticks
      .map(
        (t) =>
          `${fmt(t.wallMs)}/${fmt(t.cpuMsNet)}/${t.wakeRpcs}${t.outcome === "ok" ? "" : ` (${t.outcome})`}`,
      )
      .join(" + ");
    console.log(
      `${String(r.workspaces).padStart(10)}  ${fmt(r.createMs / 1000, 1).padStart(8)}  ${ticks.padEnd(42)}  ${fmt(r.before.rpcCallsPerSec, 1)}, ${fmt(r.before.collectionsPerSec, 1)}, ${fmt(r.before.cpuCores, 2)} → ${fmt(r.after.rpcCallsPerSec, 1)}, ${fmt(r.after.collectionsPerSec, 1)}, ${fmt(r.after.cpuCores, 2)}  ${fmt(r.workerdRssMb).padStart(6)}  ${r.createFailures} (+${r.createRetries} retried)`,
    );
  }
}

// ── Entry ────────────────────────────────────────────────────────────────────────────

export async function run(options = {}) {
  const cycles = options.cycles ?? 10;
  const sizes = options.fanout ?? [10, 100, 1000];
  const windowSeconds = options.window ?? 15;
  const baselineSeconds = options.baseline ?? 8;
  const concurrency = options.concurrency ?? 12;
  const repos = options.repos ?? 10;
  const started = new Date();
  const loadavgAtStart = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  const stops = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  activeStop = stopAll;
  try {
    const anvil = await startAnvil({ blockTime: 1, chainId: CHAIN_ID });
    stops.push(anvil.stop);
    const proxy = await startCountingProxy(anvil.url);
    stops.push(proxy.stop);
    const gh = await startGithubStandin();
    stops.push(gh.stop);
    let aws;
    let awsNote;
    try {
      aws = await startAwsStandin();
      awsNote = aws
        ? `3 AWS regions (${AWS_REGIONS.join(", ")})`
        : "AWS not measured (no stand-in)";
    } catch (error) {
      awsNote = `AWS not measured (stand-in failed: ${error.message})`;
    }
    if (aws) stops.push(aws.stop);

    let runtime = await startRuntime();
    let stopRuntime = runtime.stop;
    stops.push(() => stopRuntime());
    console.log(`runtime: workerd ${runtime.workerdPids.join(",")} (no dev proxy)`);
    const single =
      cycles > 0 ? await singleWorkspace({ runtime, proxy, gh, aws, cycles, repos }) : [];
    const summary = cycles > 0 ? summarizeCycles(single) : undefined;
    if (aws && cycles > 0 && single.every((r) => r.subrequests.aws === 0))
      awsNote += " — but no AWS requests arrived";

    // A fresh runtime for the fan-out, so the directory holds exactly the fan-out workspaces.
    await runtime.stop();
    runtime = await startRuntime();
    stopRuntime = runtime.stop;
    const fan = await fanout({
      runtime,
      proxy,
      sizes,
      windowSeconds,
      baselineSeconds,
      concurrency,
    });

    printReport(single, summary, fan, awsNote);
    console.log(
      `${cpus().length} CPUs; load average ${loadavgAtStart.join(" ")} at start, ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} at end (other work on the machine included).`,
    );
    const result = {
      bench: "collect",
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      runtime: "workerd via Miniflare (wrangler's), deploy bundle, no dev proxy",
      machine: {
        cpus: cpus().length,
        node: process.version,
        loadavgAtStart,
        loadavgAtEnd: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number),
      },
      notes: [
        "CPU = sum of every workerd thread's run time (/proc/<pid>/task/*/schedstat) over the interval: the whole runtime, entry worker included, not one invocation.",
        "Subrequests are counted where they arrive: GitHub stand-in call log, AWS stand-in per-key stats, anvil proxy (HTTP requests; calls counts JSON-RPC calls in batches).",
        "Fan-out: adding a network arms the workspace's web3 alarm at once, so collection runs on alarms (every 15 s by default) before any cron; the cron only re-arms what is missing.",
        "Anvil, the stand-ins and the proxy share the machine with workerd.",
        "Cron wall = the trigger call through Miniflare's entry worker, which returns once the scheduled handler's waitUntil (the wakes) has settled; net CPU takes off the baseline collection CPU rate times that wall.",
        "Cycle 1 of the single workspace is cold (GitHub/AWS never read before); the GitHub collector spends at most 40 requests per run and takes the 10 repositories in turn, and reads alerts only when the security interval is due (not again within the bench).",
      ],
      single: { awsNote, cycles: single, summary },
      fanout: fan,
    };
    mkdirSync(path.join(HERE, "results"), { recursive: true });
    const file = path.join(
      HERE,
      "results",
      `collect-${started.toISOString().replaceAll(":", "-").replace(".", "-")}.json`,
    );
    writeFileSync(file, JSON.stringify(result, null, 2));
    console.log(`\nwrote ${path.relative(ROOT, file)}`);
    return result;
  } finally {
    await stopAll();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // wrangler and Miniflare need Node 22: run under the project's own Node when started by an
  // older one.
  if (Number(process.versions.node.split(".")[0]) < 22) {
    const node = path.join(ROOT, "node_modules", ".bin", "node");
    const res = spawnSync(node, [SELF, ...process.argv.slice(2)], { stdio: "inherit" });
    process.exit(res.status ?? 1);
  }
  const { values } = parseArgs({
    options: {
      cycles: { type: "string", default: "10" },
      fanout: { type: "string", default: "10,100,1000" },
      window: { type: "string", default: "15" },
      baseline: { type: "string", default: "8" },
      concurrency: { type: "string", default: "12" },
    },
  });
  const onSignal = () => void activeStop().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await run({
    cycles: Number(values.cycles),
    fanout: values.fanout
      .split(",")
      .map(Number)
      .filter((n) => n > 0),
    window: Number(values.window),
    baseline: Number(values.baseline),
    concurrency: Number(values.concurrency),
  });
}
