// Webhook ingest into one workspace object, in the local runtime (`wrangler dev`):
//   1. Alertmanager notifications (batches of --batch alerts) and single PagerDuty-style events,
//      each for --duration seconds at a bounded --concurrency: events/s accepted, p50/p99 of the
//      time to the sender's answer (ack latency), errors by status.
//   2. The same with --sockets WebSocket clients connected (split over --clients processes):
//      probe deliveries carry a unique marker, and each client process timestamps the first
//      frame holding it on every socket: event → first and → last socket.
// Run: `node bench/ingest.mjs [--duration 20 --concurrency 16 --batch 10 --sockets 1000]`, or
// import { run } from "./bench/ingest.mjs". `--runtime workerd` runs the deploy bundle in workerd
// without wrangler's dev proxy (bench/lib/workerd-server.mjs), which otherwise relays every
// socket frame through Node. Everything it starts is stopped at the end.
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { ROOT } from "../scripts/lib/dev-server.mjs";
import { startRuntime } from "./lib/runtime.mjs";

const SELF = fileURLToPath(import.meta.url);
const HERE = path.dirname(SELF);
const OPERATOR_TOKEN = "bench-ingest-operator-token";
const SECRETS_KEY = "YmVuY2gtaW5nZXN0LTAxMjM0NTY3ODlhYmNkZWYwMTI=";
/** The platform guide for one Durable Object: simple requests per second. */
const GUIDE = "~500-1,000 simple requests/s per object (~200-500 with writes)";
/** Routing keys the PagerDuty phase spreads over: the object's per-key limit is 100/s. */
const PD_KEYS = 16;
const PROBE_EVERY_MS = 1000;
const PROBE_TIMEOUT_MS = 20_000;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile; NaN for no samples. */
function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

// ── Client process: holds sockets, timestamps marked frames ──────────────────────────

async function clientMain() {
  /** @type {WebSocket[]} */
  const sockets = [];
  /** Close code and reason → how many sockets closed with it. */
  const closes = new Map();
  /** marker → { buf, first, last, count } */
  const armed = new Map();
  const onFrame = (ws, data) => {
    if (armed.size === 0) return;
    const at = nowMs();
    // The newest alert (and an activity item's title) sit at the start of the frame.
    const head = data.length > 16_384 ? data.subarray(0, 16_384) : data;
    for (const probe of armed.values()) {
      if (probe.seen.has(ws) || !head.includes(probe.buf)) continue;
      probe.seen.add(ws);
      probe.count += 1;
      probe.first ??= at;
      probe.last = at;
    }
  };
  process.on("message", async (msg) => {
    try {
      if (msg.cmd === "open") {
        const opened = [];
        for (let i = 0; i < msg.count; i++) {
          const ws = new WebSocket(msg.url, {
            headers: { Authorization: `Bearer ${msg.token}` },
            perMessageDeflate: false,
          });
          sockets.push(ws);
          opened.push(
            new Promise((resolve, reject) => {
              ws.once("open", resolve);
              ws.once("error", reject);
            }),
          );
          ws.on("message", (data) => onFrame(ws, data));
          ws.on("close", (code, reason) => {
            closes.set(`${code} ${reason}`, (closes.get(`${code} ${reason}`) ?? 0) + 1);
          });
          if (i % 50 === 49) await Promise.all(opened.splice(0));
        }
        await Promise.all(opened);
        await sleep(500);
        process.send({
          id: msg.id,
          open: sockets.filter((s) => s.readyState === 1).length,
          closes: Object.fromEntries(closes),
        });
      } else if (msg.cmd === "arm") {
        // `seen` is per socket: count a socket once even if several frames carry the marker.
        armed.set(msg.marker, { buf: Buffer.from(msg.marker), count: 0, seen: new WeakSet() });
        process.send({ id: msg.id });
      } else if (msg.cmd === "peek") {
        process.send({ id: msg.id, count: armed.get(msg.marker)?.count ?? 0 });
      } else if (msg.cmd === "collect") {
        const probe = armed.get(msg.marker);
        armed.delete(msg.marker);
        process.send({
          id: msg.id,
          first: probe?.first,
          last: probe?.last,
          count: probe?.count ?? 0,
        });
      } else if (msg.cmd === "stop") {
        for (const ws of sockets) ws.terminate();
        process.exit(0);
      }
    } catch (error) {
      process.send({ id: msg.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  process.send({ ready: true });
}

// ── Driver ────────────────────────────────────────────────────────────────────────────

function ask(child, body) {
  const id = `${Math.random()}`;
  return new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg?.id !== id) return;
      child.off("message", onMessage);
      if (msg.error) reject(new Error(msg.error));
      else resolve(msg);
    };
    child.on("message", onMessage);
    child.send({ id, ...body });
  });
}

async function api(base, pathname, token, body) {
  const res = await fetch(`${base}${pathname}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  return res.json();
}

function amBatch(group, size, marker = "") {
  const startsAt = "2026-01-01T00:00:00Z";
  return JSON.stringify({
    version: "4",
    groupKey: `{}:{alertname="Bench${group}"}`,
    truncatedAlerts: 0,
    status: "firing",
    receiver: "opsdeck",
    groupLabels: { alertname: `Bench${group}` },
    commonLabels: { alertname: `Bench${group}`, severity: "warning" },
    commonAnnotations: {},
    externalURL: "http://alertmanager.bench:9093",
    alerts: Array.from({ length: size }, (_, i) => ({
      status: "firing",
      labels: { alertname: `Bench${group}`, severity: "warning", instance: `host-${i}:9100` },
      annotations: {
        summary: `${marker}Bench group ${group} instance ${i}`,
        description: "Synthetic load from bench/ingest.mjs",
      },
      startsAt,
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.bench:9090/graph",
      fingerprint: (group * 1000 + i).toString(16).padStart(16, "0"),
    })),
  });
}

function pdEvent(routingKey, dedup, marker = "") {
  return JSON.stringify({
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: dedup,
    payload: {
      summary: `${marker}Bench event ${dedup}`,
      source: "bench.local",
      severity: "warning",
      custom_details: { bench: true },
    },
  });
}

/**
 * Sends for `durationMs` with `concurrency` requests in flight; `next(i)` builds request i.
 * `probe()` (optional) runs every PROBE_EVERY_MS alongside.
 */
async function load({ url, durationMs, concurrency, next, eventsPer, probe, method = "POST" }) {
  const latencies = [];
  const statuses = new Map();
  let sent = 0;
  const start = nowMs();
  const end = start + durationMs;
  const worker = async () => {
    while (nowMs() < end) {
      const { body, headers } = next(sent++);
      const t0 = nowMs();
      try {
        const res = await fetch(url, { method, headers, body });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status < 300) latencies.push(nowMs() - t0);
      } catch {
        statuses.set("network", (statuses.get("network") ?? 0) + 1);
      }
    }
  };
  const probes = [];
  const prober = async () => {
    if (!probe) return;
    while (nowMs() + PROBE_EVERY_MS < end) {
      await sleep(PROBE_EVERY_MS);
      probes.push(await probe());
    }
  };
  await Promise.all([...Array.from({ length: concurrency }, worker), prober()]);
  const seconds = (nowMs() - start) / 1000;
  const ok = latencies.length;
  return {
    seconds,
    requests: sent,
    accepted: ok,
    reqPerSec: ok / seconds,
    eventsPerSec: (ok * eventsPer) / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: Object.fromEntries([...statuses].filter(([s]) => s === "network" || s >= 300)),
    probes: probes.filter(Boolean),
  };
}

/** One marked delivery; resolves with ack time and event → first/last socket. */
async function probeFanOut(clients, sockets, send) {
  const marker = `P${Math.random().toString(36).slice(2, 10)}X`;
  await Promise.all(clients.map((c) => ask(c, { cmd: "arm", marker })));
  const t0 = nowMs();
  const res = await send(marker);
  const ack = nowMs() - t0;
  await res.arrayBuffer();
  const reached = async () =>
    (await Promise.all(clients.map((c) => ask(c, { cmd: "peek", marker })))).reduce(
      (n, r) => n + r.count,
      0,
    );
  while (res.status < 300 && nowMs() < t0 + PROBE_TIMEOUT_MS && (await reached()) < sockets)
    await sleep(50);
  const results = await Promise.all(clients.map((c) => ask(c, { cmd: "collect", marker })));
  if (res.status >= 300) return undefined;
  const count = results.reduce((n, r) => n + r.count, 0);
  const firsts = results.map((r) => r.first).filter((x) => x !== undefined);
  const lasts = results.map((r) => r.last).filter((x) => x !== undefined);
  return {
    ack,
    reached: count,
    first: firsts.length ? Math.min(...firsts) - t0 : Number.NaN,
    last: count >= sockets ? Math.max(...lasts) - t0 : Number.NaN,
  };
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "—");

function printTable(rows) {
  const header = [
    "phase",
    "sockets",
    "requests",
    "events/s",
    "req/s",
    "ack p50 ms",
    "ack p99 ms",
    "errors",
    "→first p50",
    "→last p50",
    "→last p99",
    "probes",
  ];
  const lines = rows.map((r) => {
    const lasts = r.probes.map((p) => p.last).filter(Number.isFinite);
    const firsts = r.probes.map((p) => p.first).filter(Number.isFinite);
    return [
      r.phase,
      String(r.sockets),
      String(r.requests),
      r.eventsPer === 0 ? "" : fmt(r.eventsPerSec),
      fmt(r.reqPerSec),
      fmt(r.p50, 1),
      fmt(r.p99, 1),
      Object.entries(r.errors)
        .map(([s, n]) => `${s}×${n}`)
        .join(" ") || "0",
      r.sockets ? fmt(percentile(firsts, 50), 1) : "",
      r.sockets ? fmt(percentile(lasts, 50), 1) : "",
      r.sockets ? fmt(percentile(lasts, 99), 1) : "",
      r.sockets ? `${lasts.length}/${r.probes.length}` : "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(row(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(row(l));
}

/**
 * @param {{ duration?: number, concurrency?: number, batch?: number, sockets?: number,
 *   clients?: number, runtime?: "wrangler" | "workerd", quiet?: boolean }} options
 */
export async function run(options = {}) {
  const durationMs = (options.duration ?? 20) * 1000;
  const concurrency = options.concurrency ?? 16;
  const batch = options.batch ?? 10;
  const socketCount = options.sockets ?? 1000;
  const clientCount = Math.max(1, options.clients ?? 4);
  // wrangler needs Node 22, which npm scripts take from node_modules/.bin.
  process.env.PATH = `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`;
  const persist = mkdtempSync(path.join(tmpdir(), "opsdeck-bench-ingest-"));
  const runtime = options.runtime ?? "wrangler";
  // One token holds every socket here: lift the socket caps, as a wall of dashboards would.
  const caps = { SOCKET_CAP_PER_PRINCIPAL: "32768", SOCKET_CAP_PER_WORKSPACE: "32768" };
  const server = await startRuntime(
    runtime,
    { OPERATOR_TOKEN, SECRETS_KEY, ENVIRONMENT: "development", ...caps },
    persist,
  );
  const clients = [];
  const rows = [];
  try {
    const base = server.url;
    const ws = "bench-ingest";
    const { adminToken } = await api(base, "/api/workspaces", OPERATOR_TOKEN, {
      id: ws,
      name: "Ingest bench",
    });
    const admin = adminToken.token;
    const hooks = `/w/${ws}/api/integrations/webhooks`;
    const amk = (await api(base, hooks, admin, { kind: "alertmanager", name: "bench-am" }))
      .credential;
    const pdks = [];
    for (let i = 0; i < PD_KEYS; i++)
      pdks.push(
        (await api(base, hooks, admin, { kind: "pagerduty", name: `bench-pd-${i}` })).credential,
      );

    const amUrl = `${base}/w/${ws}/hooks/alertmanager`;
    const amHeaders = { "Content-Type": "application/json", Authorization: `Bearer ${amk}` };
    const groups = 500;
    const amBodies = Array.from({ length: groups }, (_, g) => amBatch(g, batch));
    const amNext = (i) => ({ body: amBodies[i % groups], headers: amHeaders });
    const pdUrl = `${base}/v2/enqueue`;
    const pdHeaders = { "Content-Type": "application/json" };
    const pdNext = (i) => ({
      body: pdEvent(pdks[i % PD_KEYS], `bench-${i % 2000}`),
      headers: pdHeaders,
    });

    // Same machine, same object, same concurrency: an authenticated read, as the yardstick
    // for what this machine serves right now (it is often shared and busy).
    const statusUrl = `${base}/w/${ws}/api/status`;
    const readHeaders = { Authorization: `Bearer ${admin}` };
    if (!options.quiet) console.log(`… reference: GET api/status, ${durationMs / 4000} s`);
    rows.push({
      phase: "Reference: GET api/status",
      sockets: 0,
      eventsPer: 0,
      ...(await load({
        url: statusUrl,
        durationMs: durationMs / 4,
        concurrency,
        next: () => ({ headers: readHeaders }),
        eventsPer: 0,
        method: "GET",
      })),
    });
    const phases = [
      ["Alertmanager, batches of " + batch, amUrl, amNext, batch],
      ["PagerDuty-style, single events", pdUrl, pdNext, 1],
    ];
    for (const [phase, url, next, eventsPer] of phases) {
      if (!options.quiet) console.log(`… ${phase}, no sockets, ${durationMs / 1000} s`);
      rows.push({
        phase,
        sockets: 0,
        eventsPer,
        ...(await load({ url, durationMs, concurrency, next, eventsPer })),
      });
    }

    if (socketCount > 0) {
      if (!options.quiet)
        console.log(`… opening ${socketCount} sockets over ${clientCount} processes`);
      for (let i = 0; i < clientCount; i++) {
        const child = fork(SELF, ["--client"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
        clients.push(child);
        await new Promise((resolve) => child.once("message", resolve));
      }
      const wsUrl = `${base.replace("http", "ws")}/w/${ws}/ws`;
      const per = Math.ceil(socketCount / clientCount);
      const opened = await Promise.all(
        clients.map((c, i) =>
          ask(c, {
            cmd: "open",
            url: wsUrl,
            token: admin,
            count: Math.min(per, socketCount - i * per),
          }),
        ),
      );
      const open = opened.reduce((n, r) => n + r.open, 0);
      if (open !== socketCount) {
        const why = opened.map((r) => JSON.stringify(r.closes)).join(" ");
        throw new Error(`only ${open} of ${socketCount} sockets stayed open; closes: ${why}`);
      }
      let probeGroup = 100_000;
      const amProbe = () =>
        probeFanOut(clients, socketCount, (marker) =>
          fetch(amUrl, {
            method: "POST",
            headers: amHeaders,
            body: amBatch(probeGroup++, batch, marker),
          }),
        );
      let probeKey = 0;
      const pdProbe = () =>
        probeFanOut(clients, socketCount, (marker) =>
          fetch(pdUrl, {
            method: "POST",
            headers: pdHeaders,
            body: pdEvent(pdks[probeKey++ % PD_KEYS], `probe-${probeKey}`, marker),
          }),
        );
      // Unloaded fan-out first: one marked delivery at a time.
      const idle = [];
      for (let i = 0; i < 10; i++) idle.push(await pdProbe());
      rows.push({
        phase: "PagerDuty-style, one at a time",
        sockets: socketCount,
        seconds: 0,
        requests: idle.length,
        accepted: idle.filter(Boolean).length,
        reqPerSec: Number.NaN,
        eventsPerSec: Number.NaN,
        p50: percentile(
          idle.filter(Boolean).map((p) => p.ack),
          50,
        ),
        p99: percentile(
          idle.filter(Boolean).map((p) => p.ack),
          99,
        ),
        errors: {},
        probes: idle.filter(Boolean),
      });
      for (const [phase, url, next, eventsPer, probe] of [
        [phases[0][0], amUrl, amNext, batch, amProbe],
        [phases[1][0], pdUrl, pdNext, 1, pdProbe],
      ]) {
        if (!options.quiet)
          console.log(`… ${phase}, ${socketCount} sockets, ${durationMs / 1000} s`);
        rows.push({
          phase,
          sockets: socketCount,
          ...(await load({ url, durationMs, concurrency, next, eventsPer, probe })),
        });
      }
    }
    const where = runtime === "wrangler" ? "wrangler dev" : "workerd (no dev proxy)";
    const load1 = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
    console.log(
      `\nOne workspace object in ${where}; concurrency ${concurrency}, ${durationMs / 1000} s per loaded phase; ${cpus().length} CPUs, load average ${load1} at the end.`,
    );
    printTable(rows);
    const ingest = rows.filter((r) => r.sockets === 0 && r.eventsPer > 0);
    const best = Math.max(...ingest.map((r) => r.reqPerSec));
    const share = (100 * best) / rows[0].reqPerSec;
    console.log(
      `\nBest ingest rate without sockets: ${fmt(best)} requests/s, ${fmt(share)}% of the authenticated-read reference measured here and now (platform guide: ${GUIDE}).`,
    );
    const out = path.join(
      HERE,
      "results",
      `ingest-${new Date().toISOString().replaceAll(":", "-")}.json`,
    );
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify(
        {
          bench: "ingest",
          runtime,
          durationMs,
          concurrency,
          batch,
          sockets: socketCount,
          cpus: cpus().length,
          loadavg: load1,
          rows,
        },
        null,
        2,
      ),
    );
    if (!options.quiet) console.log(`Results: ${path.relative(ROOT, out)}`);
    return rows;
  } finally {
    for (const child of clients) {
      try {
        child.send({ cmd: "stop" });
      } catch {
        // already gone
      }
    }
    await sleep(200);
    for (const child of clients) if (child.exitCode === null) child.kill("SIGKILL");
    await server.stop();
    rmSync(persist, { recursive: true, force: true });
  }
}

if (process.argv.includes("--client")) {
  await clientMain();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "20" },
      concurrency: { type: "string", default: "16" },
      batch: { type: "string", default: "10" },
      sockets: { type: "string", default: "1000" },
      clients: { type: "string", default: "4" },
      runtime: { type: "string", default: "wrangler" },
    },
  });
  await run({
    duration: Number(values.duration),
    concurrency: Number(values.concurrency),
    batch: Number(values.batch),
    sockets: Number(values.sockets),
    clients: Number(values.clients),
    runtime: values.runtime === "workerd" ? "workerd" : "wrangler",
  });
}
