// Anomaly detection cost (issue 15), in the local runtime (workerd through Miniflare, no dev
// proxy; bench/lib/collect-runtime.mjs): 1,000 live series (5 workspaces × 200, the per-
// workspace series cap), each scored as its points arrive.
//   1. Throughput: --rounds rounds of one `POST api/metrics/samples` per workspace, each with
//      5 points for each of its 200 series (1,000 samples); points/s stored and scored.
//   2. Latency: --requests single-sample pushes (one series), p50/p95 wall time.
// Both run with detection on, then again after `PUT api/metrics/:id/detection {enabled:false}`
// on every series, and the ratio is printed. Writes bench/results/anomaly-<timestamp>.json.
// Run: `npm run bench -- --only anomaly [--rounds 20 --requests 200]`.
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median, nowMs, percentile } from "./lib/stats.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OPERATOR_TOKEN = "bench-anomaly-operator-token";
const SECRETS_KEY = Buffer.from("bench-anomaly-0123456789abcdef01").toString("base64");
const WORKSPACES = 5;
const SERIES = 200;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "20" },
    requests: { type: "string", default: "200" },
  },
});

async function startRuntime() {
  const child = fork(path.join(HERE, "lib", "collect-runtime.mjs"), [], {
    env: { ...process.env, OPERATOR_TOKEN, SECRETS_KEY },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    detached: true,
  });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("runtime not ready in 180 s")), 180_000);
    child.once("exit", (code) => reject(new Error(`runtime exited with ${code}`)));
    child.on("message", (msg) => {
      if (!msg?.ready) return;
      clearTimeout(timer);
      resolve(msg);
    });
  });
  const stop = async () => {
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
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // all gone
    }
  };
  return { url: ready.url, stop };
}

async function api(base, method, url, token, body) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status === 429 && attempt < 10) {
      await sleep(1000 * Number(res.headers.get("retry-after") ?? 1));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }
}

/** Minute-spaced points ending now, a saw with a little noise, so the detector has work. */
let clock = Date.now() - 25 * 86_400_000;
const value = (s, i) => 50 + ((i + s) % 10) + Math.random();

async function round(base, spaces) {
  const t0 = nowMs();
  await Promise.all(
    spaces.map(({ id, token }) => {
      const samples = [];
      for (let k = 0; k < 5; k++) {
        const at = new Date(clock + k * 60_000).toISOString();
        for (let s = 0; s < SERIES; s++)
          samples.push({ metric: `s${s}`, value: value(s, clock / 60_000 + k), timestamp: at });
      }
      return api(base, "POST", `/w/${id}/api/metrics/samples`, token, { samples });
    }),
  );
  clock += 5 * 60_000;
  return nowMs() - t0;
}

async function measure(base, spaces, label) {
  const walls = [];
  for (let r = 0; r < Number(opts.rounds); r++) walls.push(await round(base, spaces));
  const points = WORKSPACES * SERIES * 5;
  // Let the rounds' deferred work (frames, activity) finish so it does not land in a push.
  await sleep(2000);
  const latencies = [];
  for (let r = 0; r < Number(opts.requests); r++) {
    const t0 = nowMs();
    const at = new Date(clock).toISOString();
    clock += 60_000;
    await api(base, "POST", `/w/${spaces[0].id}/api/metrics/samples`, spaces[0].token, {
      samples: [{ metric: "s0", value: value(0, r), timestamp: at }],
    });
    latencies.push(nowMs() - t0);
  }
  const result = {
    label,
    pointsPerSecond: Math.round(points / (median(walls) / 1000)),
    roundMsMedian: median(walls),
    pushP50Ms: percentile(latencies, 50),
    pushP95Ms: percentile(latencies, 95),
  };
  console.log(
    `${label.padEnd(14)} ${String(result.pointsPerSecond).padStart(10)} points/s` +
      `   round ${result.roundMsMedian.toFixed(1)} ms   push p50 ${result.pushP50Ms.toFixed(2)} ms  p95 ${result.pushP95Ms.toFixed(2)} ms`,
  );
  return result;
}

const runtime = await startRuntime();
process.on("SIGINT", () => void runtime.stop().then(() => process.exit(130)));
try {
  const base = runtime.url;
  const spaces = [];
  for (let w = 0; w < WORKSPACES; w++) {
    const id = `bench-anomaly-${w}`;
    const made = await api(base, "POST", "/api/workspaces", OPERATOR_TOKEN, { id, name: id });
    spaces.push({ id, token: made.adminToken.token });
  }
  console.log(`warming ${WORKSPACES * SERIES} series past the detector's warm-up…`);
  for (let r = 0; r < 40; r++) await round(base, spaces);
  const on = await measure(base, spaces, "detection on");
  for (const { id, token } of spaces)
    for (let s = 0; s < SERIES; s++)
      await api(base, "PUT", `/w/${id}/api/metrics/s${s}/detection`, token, { enabled: false });
  const off = await measure(base, spaces, "detection off");
  const ratio = {
    throughputOnOverOff: on.pointsPerSecond / off.pointsPerSecond,
    pushP50OnOverOff: on.pushP50Ms / off.pushP50Ms,
    addedPushP50Ms: on.pushP50Ms - off.pushP50Ms,
  };
  console.log(
    `on/off: throughput ×${ratio.throughputOnOverOff.toFixed(2)}, push p50 ×${ratio.pushP50OnOverOff.toFixed(2)} (+${ratio.addedPushP50Ms.toFixed(2)} ms)`,
  );
  const dir = path.join(HERE, "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `anomaly-${new Date().toISOString().replaceAll(":", "-")}.json`);
  writeFileSync(file, JSON.stringify({ series: WORKSPACES * SERIES, on, off, ratio }, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
} finally {
  await runtime.stop();
}
