// `npm run bench`: WebSocket fan-out of one Opsdeck workspace vs a plain Node `ws` server.
//
// Three servers run at once on loopback: a Node `ws` broadcast server, a bare Durable Object
// (the platform floor) and Opsdeck, the last two in workerd through Miniflare. Client
// processes hold N sockets to each. Rounds rotate over the servers so drift on a noisy
// machine hits all alike. A round: arm every client, note the time, POST one change, wait
// until every socket has the resulting frame. Reported per N and server: publish → last
// socket p50/p99, publish → first socket p50, first → last spread, server RSS per idle
// socket, and ratios against Node ws measured in the same run. JSON in bench/results/.
//
// Options: --levels 1000,3000,5000  --rounds 25  --warmup 3  --clients 4  --concurrency 16
//          --servers node,bare,opsdeck  --app <dir> (measure another checkout of the app)
import { fork } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openFds, totalRss } from "./lib/proc.mjs";
import { median, nowMs, percentile } from "./lib/stats.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OPERATOR_TOKEN = "bench-operator-token";
const SECRETS_KEY = "YmVuY2gta2V5LTAxMjM0NTY3ODlhYmNkZWYwMTIzNDU=";
const WORKSPACE = "bench";
const ROUND_TIMEOUT_MS = 15_000;
const OPEN_TIMEOUT_MS = 30_000;

const { values: opts } = parseArgs({
  options: {
    levels: { type: "string", default: "1000,3000,5000" },
    rounds: { type: "string", default: "25" },
    warmup: { type: "string", default: "3" },
    clients: { type: "string", default: "4" },
    concurrency: { type: "string", default: "16" },
    app: { type: "string", default: "" },
    servers: { type: "string", default: "node,bare,opsdeck" },
  },
});
const levels = opts.levels
  .split(",")
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const rounds = Number(opts.rounds);
const warmup = Number(opts.warmup);
const clientCount = Math.max(1, Number(opts.clients));
const concurrency = Math.max(1, Number(opts.concurrency));

const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Forks a helper in its own process group, so stopping it also stops what it started. */
function start(script, env = {}) {
  const child = fork(path.join(HERE, "lib", script), [], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    detached: true,
  });
  children.push(child);
  return child;
}

function waitReady(child, name, timeoutMs) {
  return new Promise((resolve, reject) => {
    const done = (fn, value) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      child.off("message", onMessage);
      fn(value);
    };
    const timer = setTimeout(
      () => done(reject, new Error(`${name} not ready in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onExit = (code) => done(reject, new Error(`${name} exited with ${code}`));
    const onMessage = (msg) => msg?.ready && done(resolve, msg);
    child.on("exit", onExit);
    child.on("message", onMessage);
  });
}

/** The message with this id from a helper; rejects if the helper dies first. */
function reply(child, id) {
  return new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg?.id !== id) return;
      off();
      if (msg.error) reject(new Error(msg.error));
      else resolve(msg);
    };
    const onExit = (code) => {
      off();
      reject(new Error(`client process ${child.pid} exited with ${code}`));
    };
    const off = () => {
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

let nextId = 0;
function ask(child, body) {
  const id = `m${++nextId}`;
  const answer = reply(child, id);
  child.send({ id, ...body });
  return answer;
}

/** Arms a client: `acked` once it listens, `result` when its sockets all have the frame. */
function armClient(child, target) {
  const id = `m${++nextId}`;
  const acked = reply(child, id);
  const result = reply(child, `${id}:result`);
  child.send({ id, cmd: "arm", target, timeoutMs: ROUND_TIMEOUT_MS });
  return { acked, result };
}

/** Asks every helper to stop, then kills the process group of any still running. */
async function stopAll() {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      try {
        child.send({ cmd: "stop" });
      } catch {
        // IPC already closed
      }
      await Promise.race([exited, sleep(8000)]);
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }),
  );
}

function fdLimit() {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  return Number(line?.split(/\s+/)[3]);
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} → ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

async function main() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    throw new Error(
      `Node ${process.version}: run through \`npm run bench\` (Node 22 from node_modules)`,
    );
  }
  const limit = fdLimit();
  const maxN = levels.at(-1);
  // Each client process holds its share of every server's sockets; each server holds maxN.
  const perClient = Math.ceil((opts.servers.split(",").length * maxN) / clientCount) + 100;
  if (perClient > limit || maxN + 500 > limit) {
    throw new Error(`open-file limit ${limit} is too low for ${maxN} sockets per server`);
  }
  const loadStart = loadavg();
  console.log(
    `levels ${levels.join(", ")} · ${rounds} rounds (+${warmup} warm-up) · ${clientCount} client processes · fd limit ${limit}`,
  );

  const wanted = new Set(opts.servers.split(","));
  // One token holds every socket here: lift the socket caps, as a wall of dashboards would.
  const caps = { SOCKET_CAP_PER_PRINCIPAL: "32768", SOCKET_CAP_PER_WORKSPACE: "32768" };
  const env = { OPERATOR_TOKEN, SECRETS_KEY, BENCH_APP_ROOT: opts.app, ...caps };
  const servers = {
    node: wanted.has("node") ? start("node-ws-server.mjs") : undefined,
    bare: wanted.has("bare")
      ? start("workerd-server.mjs", { ...env, BENCH_APP: "bare" })
      : undefined,
    opsdeck: wanted.has("opsdeck")
      ? start("workerd-server.mjs", { ...env, BENCH_APP: "opsdeck" })
      : undefined,
  };
  const ready = {};
  await Promise.all(
    Object.entries(servers)
      .filter(([, child]) => child)
      .map(async ([name, child]) => (ready[name] = await waitReady(child, name, 180_000))),
  );

  let value = 0;
  const targets = {};
  if (ready.node) {
    targets.node = {
      pids: [servers.node.pid],
      wsUrl: `${ready.node.url.replace("http", "ws")}/ws`,
      headers: {},
      publish: () => post(`${ready.node.url}/publish`, { value: ++value }),
    };
  }
  if (ready.bare) {
    targets.bare = {
      pids: ready.bare.workerdPids,
      wsUrl: `${ready.bare.url.replace("http", "ws")}/ws`,
      headers: {},
      publish: () => post(`${ready.bare.url}/publish`, { value: ++value }),
    };
  }
  if (ready.opsdeck) {
    const url = ready.opsdeck.url;
    const created = await post(
      `${url}/api/workspaces`,
      { id: WORKSPACE, name: "Bench" },
      { authorization: `Bearer ${OPERATOR_TOKEN}` },
    );
    const auth = { authorization: `Bearer ${created.adminToken.token}` };
    // Writes are rate-limited per token (a product feature, not under test here): spread the
    // publishes over enough operator tokens that no round is ever refused.
    const publishes = levels.length * (warmup + rounds) + 1;
    const publishers = [];
    for (let i = 0; i < Math.ceil(publishes / 60); i++) {
      const minted = await post(
        `${url}/w/${WORKSPACE}/api/tokens`,
        { name: `bench-${i}`, role: "operator" },
        auth,
      );
      publishers.push({ authorization: `Bearer ${minted.token.token}` });
    }
    let turn = 0;
    targets.opsdeck = {
      pids: ready.opsdeck.workerdPids,
      wsUrl: `${url.replace("http", "ws")}/w/${WORKSPACE}/ws`,
      headers: auth,
      publish: () =>
        post(
          `${url}/w/${WORKSPACE}/api/metrics/samples`,
          { samples: [{ metric: "bench", value: ++value }] },
          publishers[turn++ % publishers.length],
        ),
    };
  }
  for (const t of Object.values(targets)) {
    if (t.pids.length === 0) throw new Error("no workerd process found under Miniflare");
  }

  // The first sample creates the series, so every timed frame carries the same one card.
  for (const t of Object.values(targets)) await t.publish();

  const clients = Array.from({ length: clientCount }, () => start("client.mjs"));
  await sleep(1500);
  const baseRss = {};
  for (const [name, t] of Object.entries(targets)) baseRss[name] = totalRss(t.pids);

  const results = [];
  const names = Object.keys(targets);
  const prevRss = { ...baseRss };
  const open = Object.fromEntries(names.map((name) => [name, 0]));
  let stopReason;
  for (const n of levels) {
    const level = { n, servers: {} };
    for (const [name, t] of Object.entries(targets)) {
      const before = open[name];
      const want = n - before;
      const started = nowMs();
      const replies = await Promise.all(
        clients.map((client, i) =>
          ask(client, {
            cmd: "open",
            target: name,
            url: t.wsUrl,
            headers: t.headers,
            count: Math.floor(want / clientCount) + (i < want % clientCount ? 1 : 0),
            concurrency,
            timeoutMs: OPEN_TIMEOUT_MS,
          }),
        ),
      );
      const seconds = (nowMs() - started) / 1000;
      open[name] = replies.reduce((s, r) => s + r.open, 0);
      const failed = replies.reduce((s, r) => s + r.failed, 0);
      const errors = Object.assign({}, ...replies.map((r) => r.errors));
      level.servers[name] = {
        open: open[name],
        added: open[name] - before,
        failed,
        errors,
        connectPerSec: want / seconds,
      };
      console.log(
        `  ${name}: ${open[name]} sockets open (${failed} failed) · ${Math.round(want / seconds)} connects/s`,
      );
      if (failed > 0) console.log(`    errors: ${JSON.stringify(errors)}`);
    }
    await sleep(2500);
    for (const [name, t] of Object.entries(targets)) {
      const rss = totalRss(t.pids);
      const s = level.servers[name];
      Object.assign(s, {
        rssBytes: rss,
        rssPerSocket: (rss - baseRss[name]) / open[name],
        // What the sockets added since the previous level: connect-time garbage of the first
        // level (JIT, caches) weighs less here.
        rssPerSocketMarginal: s.added > 0 ? (rss - prevRss[name]) / s.added : Number.NaN,
        fds: t.pids.map(openFds).reduce((s, f) => s + (f ?? 0), 0),
        samples: [],
      });
    }

    for (let r = 0; r < warmup + rounds; r++) {
      // Rotate who goes first so no server always follows another's burst.
      const order = names.map((_, i) => names[(i + r) % names.length]);
      for (const name of order) {
        const arms = clients.map((client) => armClient(client, name));
        await Promise.all(arms.map((a) => a.acked));
        const t0 = nowMs();
        await targets[name].publish();
        const tResponse = nowMs();
        const parts = await Promise.all(arms.map((a) => a.result));
        const count = parts.reduce((s, p) => s + p.count, 0);
        const sample = {
          last: Math.max(...parts.map((p) => p.last)) - t0,
          first: Math.min(...parts.filter((p) => p.count > 0).map((p) => p.first)) - t0,
          response: tResponse - t0,
          count,
          expected: open[name],
          bytes: parts.find((p) => p.bytes > 0)?.bytes ?? 0,
        };
        if (r >= warmup) level.servers[name].samples.push(sample);
        await sleep(50);
      }
    }

    for (const [name, t] of Object.entries(targets)) {
      const s = level.servers[name];
      s.rssAfterRounds = totalRss(t.pids);
      prevRss[name] = s.rssBytes;
      const complete = s.samples.filter((x) => x.count === x.expected);
      s.incompleteRounds = s.samples.length - complete.length;
      s.p50 = median(complete.map((x) => x.last));
      s.p99 = percentile(
        complete.map((x) => x.last),
        99,
      );
      s.firstP50 = median(complete.map((x) => x.first));
      // first → last socket: the fan-out itself, without the fixed cost of reaching the server.
      s.spreadP50 = median(complete.map((x) => x.last - x.first));
      s.responseP50 = median(complete.map((x) => x.response));
      s.frameBytes = complete[0]?.bytes;
    }
    results.push(level);
    printLevel(level);
    if (names.some((name) => open[name] < n)) {
      stopReason = `could not hold ${n} sockets: ${JSON.stringify(open)}`;
      break;
    }
  }

  await Promise.all(clients.map((c) => ask(c, { cmd: "close" }).catch(() => undefined)));
  printSummary(results, stopReason);
  console.log(
    `load average at start ${loadStart.join(" ")}, at end ${loadavg().join(" ")} (${cpus().length} CPUs)`,
  );
  const dir = path.join(HERE, "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, node: process.version },
        options: { levels, rounds, warmup, clients: clientCount, concurrency },
        loadAverage: { start: loadStart, end: loadavg() },
        baseRss,
        stopReason,
        results,
      },
      null,
      2,
    ),
  );
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : "—");
const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "—");
const kib = (x) => (Number.isFinite(x) ? `${(x / 1024).toFixed(1)} KiB` : "—");

function printLevel(level) {
  for (const [name, s] of Object.entries(level.servers)) {
    console.log(
      `  N=${level.n} ${name.padEnd(7)} last p50 ${ms(s.p50)} p99 ${ms(s.p99)} · first p50 ${ms(s.firstP50)} · RSS/socket ${kib(s.rssPerSocket)}${s.incompleteRounds ? ` · ${s.incompleteRounds} incomplete rounds` : ""}`,
    );
  }
}

const LABELS = { node: "node ws", bare: "bare DO", opsdeck: "opsdeck" };

function printSummary(results, stopReason) {
  const ratios = ["p50 ÷ node", "p99 ÷ node", "p50 ÷ bare"];
  const rows = [["N", "server", "p50", "p99", "first p50", "spread p50", "RSS/socket", ...ratios]];
  for (const level of results) {
    const { node: base, bare } = level.servers;
    for (const [name, s] of Object.entries(level.servers)) {
      const vsNode = base && name !== "node";
      rows.push([
        String(level.n),
        LABELS[name] ?? name,
        ms(s.p50),
        ms(s.p99),
        ms(s.firstP50),
        ms(s.spreadP50),
        kib(s.rssPerSocket),
        vsNode ? ratio(s.p50, base.p50) : "",
        vsNode ? ratio(s.p99, base.p99) : "",
        name === "opsdeck" && bare ? ratio(s.p50, bare.p50) : "",
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(
    "\np50/p99: publish → last socket · first: → first socket · spread: first → last socket\nratios against the Node ws server in the same run",
  );
  for (const row of rows) console.log(row.map((c, i) => c.padStart(widths[i])).join("  "));
  if (stopReason) console.log(`stopped early: ${stopReason}`);
}

const onSignal = () => void stopAll().then(() => process.exit(130));
process.once("SIGINT", onSignal);
process.once("SIGTERM", onSignal);
try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
} finally {
  await stopAll();
}
