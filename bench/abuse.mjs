// Abuse run: does one hostile caller slow down everyone else in the same workspace?
// A victim client measures `GET api/status` latency and acknowledge latency while the workspace is
// quiet, then again while flooders (each in this process, bounded concurrency) hammer it:
//   resumes   viewer sockets sending `resume` frames in a tight loop (reconnecting when closed)
//   logins    `POST api/session` with wrong tokens, as fast as answers come back
//   strangers hooks and public status pages of workspaces that do not exist
//   patterns  silences with catastrophic regexes, then Alertmanager alerts with 10 kB labels
// Goal (issue 14): the victim's p99 under flood within 2x of quiet. What each flooder got back
// (status codes, socket close codes) is printed too, so a limit that stopped working shows.
// Run: `node bench/abuse.mjs [--quiet-seconds 15 --flood-seconds 20 --runtime workerd|wrangler]`;
// workerd (default) serves the deploy bundle without wrangler's dev proxy, as production would.
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { ROOT } from "../scripts/lib/dev-server.mjs";
import { startRuntime } from "./lib/runtime.mjs";
import { fileURLToPath } from "node:url";
import { nowMs, percentile } from "./lib/stats.mjs";
import { startCpuProfile } from "./lib/cpu-profile.mjs";

const SELF = fileURLToPath(import.meta.url);
const OPERATOR_TOKEN = "bench-abuse-operator-token";
const SECRETS_KEY = "YmVuY2gtYWJ1c2UtMDEyMzQ1Njc4OWFiY2RlZjAxMjM=";
const WS = "abuse";
// Backtracking killers, and one (the last) that defeats RE2's DFA so it runs on the slower NFA.
const CATASTROPHIC = [
  "(.|.)*",
  "((.+))+",
  "(.*a){12}",
  "(a+)+$",
  "(a|aa)+",
  "(x+x+)+y",
  "(a|b)*a(a|b){20}",
];
/** A 10 kB label of a and b, the worst input for the last pattern. */
const mixed = (bytes) =>
  Array.from({ length: bytes }, (_, i) => ((i * 7919) % 13 < 6 ? "a" : "b")).join("");
const FLOODS = ["resumes", "logins", "strangers", "patterns"];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(base, route, token, body, method = body ? "POST" : "GET") {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return res.json();
}

function amAlerts(prefix, count, labelBytes = 0) {
  return {
    version: "4",
    groupKey: `{}:{alertname="${prefix}"}`,
    status: "firing",
    receiver: "opsdeck",
    groupLabels: { alertname: prefix },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager.example:9093",
    truncatedAlerts: 0,
    alerts: Array.from({ length: count }, (_, i) => ({
      status: "firing",
      labels: {
        alertname: prefix,
        instance: `host-${i}`,
        ...(labelBytes > 0 ? { payload: mixed(labelBytes) } : {}),
      },
      annotations: { summary: `${prefix} ${i}` },
      startsAt: new Date().toISOString(),
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.example:9090/graph",
      fingerprint: `${prefix}-${i}`.padEnd(16, "0").slice(0, 16),
    })),
  };
}

/** The victim: sequential reads and paced acknowledgements; returns latencies in ms. */
async function victim(base, token, alertIds, seconds) {
  const status = [];
  const ack = [];
  const failures = [];
  const until = nowMs() + seconds * 1000;
  const reads = (async () => {
    while (nowMs() < until) {
      const t0 = nowMs();
      const res = await fetch(`${base}/w/${WS}/api/status`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      if (res.ok) status.push(nowMs() - t0);
      else failures.push(`status ${res.status}`);
      await sleep(50);
    }
  })();
  const acks = (async () => {
    let i = 0;
    while (nowMs() < until) {
      const id = alertIds[i++ % alertIds.length];
      const t0 = nowMs();
      const res = await fetch(`${base}/w/${WS}/api/alerts/${id}/acknowledge`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: "{}",
      });
      await res.arrayBuffer();
      if (res.ok) ack.push(nowMs() - t0);
      else failures.push(`ack ${res.status}`);
      await sleep(600); // under the per-token mutation limit (2/s)
    }
  })();
  await Promise.all([reads, acks]);
  return { status, ack, failures };
}

function tally(map, key) {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Sockets of one viewer that send `resume` frames as fast as they can. */
async function floodResumes(base, viewer, until, outcomes) {
  const url = `${base.replace("http", "ws")}/w/${WS}/ws`;
  const one = async () => {
    while (nowMs() < until) {
      await new Promise((resolve) => {
        const ws = new WebSocket(url, {
          headers: { Authorization: `Bearer ${viewer}` },
          perMessageDeflate: false,
        });
        let timer;
        ws.on("open", () => {
          timer = setInterval(() => {
            if (ws.readyState === WebSocket.OPEN)
              ws.send(JSON.stringify({ type: "resume", lastSeq: 0 }));
          }, 2);
        });
        ws.on("unexpected-response", (_req, res) => {
          tally(outcomes, `resume upgrade ${res.statusCode}`);
          resolve();
        });
        ws.on("close", (code) => {
          clearInterval(timer);
          tally(outcomes, `resume close ${code}`);
          resolve();
        });
        ws.on("error", () => {
          clearInterval(timer);
          resolve();
        });
        setTimeout(() => ws.terminate(), Math.max(0, until - nowMs())).unref();
      });
      await sleep(100);
    }
  };
  await Promise.all(Array.from({ length: 8 }, one));
}

/** Concurrent request loops until `until`, counting answers by status. */
async function floodRequests(name, concurrency, until, outcomes, request, rate) {
  let n = 0;
  const start = nowMs();
  const loop = async () => {
    while (nowMs() < until) {
      // Paced to `rate` requests/s in all (0: as fast as answers come back).
      const ticket = n++;
      if (rate > 0) {
        const due = start + (ticket * 1000) / rate;
        if (due > nowMs()) await sleep(due - nowMs());
        if (nowMs() >= until) break;
      }
      try {
        const res = await request(ticket);
        await res.arrayBuffer();
        tally(outcomes, `${name} ${res.status}`);
      } catch {
        tally(outcomes, `${name} error`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

function summary(values) {
  return { n: values.length, p50: percentile(values, 50), p99: percentile(values, 99) };
}

const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : "n/a");

/** The flooders' process: every flood at once for `seconds`, then the outcomes to the parent. */
async function flooderMain({ base, viewer, amk, seconds, rate, floods }) {
  const on = (name) => floods.includes(name);
  const outcomes = new Map();
  const until = nowMs() + seconds * 1000;
  const wrongToken = `odk.${WS}.${"x".repeat(43)}`;
  const amPost = (body) =>
    fetch(`${base}/w/${WS}/hooks/alertmanager`, {
      method: "POST",
      headers: { Authorization: `Bearer ${amk}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  await Promise.all([
    on("resumes") && floodResumes(base, viewer, until, outcomes),
    on("logins") &&
      floodRequests(
        "login",
        4,
        until,
        outcomes,
        () =>
          fetch(`${base}/w/${WS}/api/session`, {
            method: "POST",
            headers: { "Content-Type": "application/json", Origin: base },
            body: JSON.stringify({ token: wrongToken }),
          }),
        rate,
      ),
    on("strangers") &&
      floodRequests(
        "stranger",
        4,
        until,
        outcomes,
        (n) =>
          n % 2
            ? fetch(`${base}/status/nobody-${n % 500}.json`)
            : fetch(`${base}/w/nobody-${n % 500}/hooks/alertmanager`, {
                method: "POST",
                headers: { Authorization: `Bearer amk.nobody.${"y".repeat(43)}` },
                body: "{}",
              }),
        rate,
      ),
    on("patterns") &&
      floodRequests(
        "pattern-alerts",
        2,
        until,
        outcomes,
        (n) => amPost(amAlerts(`Flood${n % 50}`, 5, 10_240)),
        rate > 0 ? rate / 10 : 0,
      ),
  ]);
  process.send(Object.fromEntries(outcomes), () => process.exit(0));
}

export async function run(options = {}) {
  const quietSeconds = options.quietSeconds ?? 15;
  const floodSeconds = options.floodSeconds ?? 20;
  // Requests/s per flood (sign-ins, strangers; pattern alerts get a tenth): on one machine an
  // unpaced flood measures the CPU the flooders and workerd share, not what a limit costs.
  const floodRate = options.floodRate ?? 100;
  const floods = options.floods ?? FLOODS;
  process.env.PATH = `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`;
  const persist = mkdtempSync(path.join(tmpdir(), "opsdeck-bench-abuse-"));
  // --profile: a V8 CPU profile of workerd during the flood (workerd runtime only).
  const inspectorPort = options.profile ? 9400 + Math.floor(Math.random() * 500) : undefined;
  const server = await startRuntime(
    options.runtime ?? "workerd",
    {
      OPERATOR_TOKEN,
      SECRETS_KEY,
      ENVIRONMENT: "development",
      ...(inspectorPort ? { BENCH_INSPECTOR_PORT: String(inspectorPort) } : {}),
    },
    persist,
  );
  try {
    const base = server.url;
    const { adminToken } = await api(base, "/api/workspaces", OPERATOR_TOKEN, {
      id: WS,
      name: "Abuse bench",
    });
    const admin = adminToken.token;
    const mint = async (name, role) =>
      (await api(base, `/w/${WS}/api/tokens`, admin, { name, role })).token.token;
    const victimToken = await mint("victim", "operator");
    const viewer = await mint("flooder-viewer", "viewer");
    const flooder = await mint("flooder-operator", "operator");
    const amk = (
      await api(base, `/w/${WS}/api/integrations/webhooks`, admin, {
        kind: "alertmanager",
        name: "abuse-am",
      })
    ).credential;
    const amPost = (body) =>
      fetch(`${base}/w/${WS}/hooks/alertmanager`, {
        method: "POST",
        headers: { Authorization: `Bearer ${amk}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    await (await amPost(amAlerts("VictimAlert", 20))).arrayBuffer();
    const { alerts } = await api(base, `/w/${WS}/api/alerts`, victimToken);
    const alertIds = alerts.map((a) => a.id).slice(0, 20);
    if (alertIds.length === 0) throw new Error("no alerts to acknowledge");

    console.log(`… quiet: victim alone for ${quietSeconds} s`);
    const quiet = await victim(base, victimToken, alertIds, quietSeconds);

    // Pattern silences first: they stay, and every flood alert is matched against them.
    const outcomes = new Map();
    for (const [i, pattern] of CATASTROPHIC.entries()) {
      const res = await fetch(`${base}/w/${WS}/api/silences`, {
        method: "POST",
        headers: { Authorization: `Bearer ${flooder}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          matchers: [{ name: "payload", op: "=~", value: pattern }],
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          comment: `abuse ${i}`,
        }),
      });
      await res.arrayBuffer();
      tally(outcomes, `silence ${res.status}`);
    }
    console.log(
      `… flood: victim for ${floodSeconds} s while ${floods.join(", ")} flood (${floodRate > 0 ? `${floodRate}/s each` : "unpaced"})`,
    );
    // The flooders run in their own process, so their event loop does not delay the victim's.
    const flood = fork(SELF, ["--flooder"], { stdio: "inherit" });
    const floodDone = new Promise((resolve, reject) => {
      flood.once("message", resolve);
      flood.once("exit", (code) => reject(new Error(`flooder exited with ${code}`)));
    });
    flood.send({ base, viewer, amk, seconds: floodSeconds, rate: floodRate, floods });
    await sleep(500); // let the flood ramp up before measuring
    const profiler = inspectorPort ? await startCpuProfile(inspectorPort) : undefined;
    const flooded = await victim(base, victimToken, alertIds, floodSeconds - 1);
    const profile = await profiler?.stop();
    for (const [k, v] of Object.entries(await floodDone))
      outcomes.set(k, (outcomes.get(k) ?? 0) + v);
    const q = { status: summary(quiet.status), ack: summary(quiet.ack) };
    const f = { status: summary(flooded.status), ack: summary(flooded.ack) };
    console.log(
      "\nvictim                    quiet p50   quiet p99   flood p50   flood p99   p99 ratio (goal <= 2x)",
    );
    for (const key of ["status", "ack"]) {
      const ratio = f[key].p99 / q[key].p99;
      const label = key === "status" ? "GET api/status" : "POST alerts/:id/acknowledge";
      console.log(
        `${label.padEnd(26)}${ms(q[key].p50).padStart(9)}   ${ms(q[key].p99).padStart(9)}   ${ms(f[key].p50).padStart(9)}   ${ms(f[key].p99).padStart(9)}   ${ratio.toFixed(2)}x`,
      );
    }
    console.log(`victim samples: quiet ${q.status.n}/${q.ack.n}, flood ${f.status.n}/${f.ack.n}`);
    const victimFailures = [...quiet.failures, ...flooded.failures];
    console.log(
      `victim failures: ${victimFailures.length === 0 ? "none" : victimFailures.join(", ")}`,
    );
    console.log("\nflooders got:");
    for (const [k, v] of [...outcomes].sort()) console.log(`  ${k.padEnd(28)} ${v}`);
    if (profile) {
      console.log(
        `\nworkerd CPU during the flood: ${profile.busyMs.toFixed(0)} ms busy of ${profile.wallMs.toFixed(0)} ms (self time, top functions):`,
      );
      for (const t of profile.top)
        console.log(
          `  ${t.ms.toFixed(0).padStart(7)} ms ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.fn}`,
        );
      console.log("charged to the app's nearest functions (innermost < callers):");
      for (const t of profile.callers)
        console.log(
          `  ${t.ms.toFixed(0).padStart(7)} ms ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.fn}`,
        );
    }
    return { quiet: q, flood: f, outcomes: Object.fromEntries(outcomes), victimFailures };
  } finally {
    await server.stop();
    rmSync(persist, { recursive: true, force: true });
  }
}

if (process.argv.includes("--flooder")) {
  process.once("message", (config) => void flooderMain(config));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      "quiet-seconds": { type: "string" },
      "flood-seconds": { type: "string" },
      runtime: { type: "string" },
      "flood-rate": { type: "string" },
      floods: { type: "string" },
      profile: { type: "boolean" },
    },
  });
  run({
    quietSeconds: values["quiet-seconds"] ? Number(values["quiet-seconds"]) : undefined,
    floodSeconds: values["flood-seconds"] ? Number(values["flood-seconds"]) : undefined,
    runtime: values.runtime,
    floodRate: values["flood-rate"] ? Number(values["flood-rate"]) : undefined,
    floods: values.floods?.split(","),
    profile: values.profile,
  }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
