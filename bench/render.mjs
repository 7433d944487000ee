// Server render time and page weight of the dashboard (issue 5), in the local runtime.
//   1. Seeds one workspace with typical data through the real ingestion paths: 20 PagerDuty-
//      style alerts, 8 metrics with an hour of history, 10 deployments and 5 pipeline runs as
//      signed GitHub webhooks.
//   2. Requests every page --rounds times with the session of an operator: p50/p95 of the time
//      to the whole response (the Worker's render plus its reads from the workspace object,
//      through wrangler's dev proxy), raw and gzip bytes. Budget: first HTML ≤ 14 KB gzip.
//   3. Renders the overview in Node with the same components (bundled by esbuild) from the
//      snapshot the page embeds: the render's own CPU time, without I/O.
//   4. The client bundle's size (budget ≤ 30 KB gzip).
// Run: `node bench/render.mjs [--rounds 40]`, or import { run } from "./bench/render.mjs".
// Everything it starts is stopped at the end; JSON goes to bench/results/render-<date>.json.
import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { ROOT, startDevServer } from "../scripts/lib/dev-server.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OPERATOR_TOKEN = "bench-render-operator-token";
const SECRETS_KEY = "YmVuY2gtcmVuZGVyLTAxMjM0NTY3ODlhYmNkZWYwMTI=";
const HTML_BUDGET = 14 * 1024;
const JS_BUDGET = 30 * 1024;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

async function call(url, init = {}, what = url) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

const jsonPost = (token, body, method = "POST") => ({
  method,
  headers: {
    "Content-Type": "application/json",
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
  },
  body: JSON.stringify(body),
});

function fixture(event) {
  const file = path.join(ROOT, "test/fixtures/github", `${event}.json`);
  return structuredClone(JSON.parse(readFileSync(file, "utf8")).examples[0].payload);
}

/** The typical workspace of issue 5, through the same paths real senders use. */
async function seed(base) {
  const ws = `render-${Date.now().toString(36)}`;
  const created = await call(
    `${base}/api/workspaces`,
    jsonPost(OPERATOR_TOKEN, { id: ws, name: "Render bench" }),
    "workspace",
  );
  const admin = created.adminToken.token;
  const operator = (
    await call(
      `${base}/w/${ws}/api/tokens`,
      jsonPost(admin, { name: "bench-op", role: "operator" }),
      "token",
    )
  ).token.token;
  const pd = await call(
    `${base}/w/${ws}/api/integrations/webhooks`,
    jsonPost(admin, { kind: "pagerduty", name: "pd" }),
    "pd",
  );
  const severities = ["critical", "error", "warning", "info"];
  for (let i = 0; i < 20; i++) {
    await call(
      `${base}/v2/enqueue`,
      jsonPost(undefined, {
        routing_key: pd.credential,
        event_action: "trigger",
        dedup_key: `disk-${i}`,
        payload: {
          summary: `Disk usage above 90% on db-${i}`,
          source: `db-${i}.prod`,
          severity: severities[i % 4],
        },
        links: [{ href: `https://grafana.example/d/disk?var-host=db-${i}`, text: "dashboard" }],
      }),
      `alert ${i}`,
    );
  }
  const now = Date.now();
  const series = [
    ["cpu", "CPU", "%", 42, 18],
    ["memory", "Memory", "%", 61, 6],
    ["disk", "Disk", "%", 70, 2],
    ["latency_p95", "API latency p95", "ms", 180, 60],
    ["rps", "Requests", "req/s", 1200, 300],
    ["errors", "Error rate", "%", 0.4, 0.3],
    ["queue", "Queue depth", "", 12, 10],
    ["db_conn", "DB connections", "", 40, 10],
  ];
  const samples = series.flatMap(([metric, label, unit, mid, amp]) =>
    Array.from({ length: 60 }, (_, i) => ({
      metric,
      label,
      ...(unit ? { unit } : {}),
      value: Math.round((mid + amp * Math.sin(i / 6)) * 100) / 100,
      timestamp: new Date(now - (59 - i) * 60_000 - 5_000).toISOString(),
    })),
  );
  await call(`${base}/w/${ws}/api/metrics/samples`, jsonPost(operator, { samples }), "samples");
  const secret = `bench-render-${now}`;
  await call(
    `${base}/w/${ws}/api/integrations/webhooks`,
    jsonPost(admin, { kind: "github", name: "gh", secret }),
    "github",
  );
  const deliver = async (event, payload) => {
    const body = JSON.stringify(payload);
    await call(
      `${base}/w/${ws}/hooks/github`,
      {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-GitHub-Event": event,
          "X-GitHub-Delivery": crypto.randomUUID(),
          "X-Hub-Signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
        },
        body,
      },
      `github ${event}`,
    );
  };
  for (let i = 0; i < 10; i++) {
    const p = fixture("deployment_status");
    const at = new Date(now - (12 - i) * 300_000).toISOString();
    Object.assign(p.deployment, {
      id: 7000 + i,
      environment: i % 3 ? "production" : "staging",
      created_at: at,
      updated_at: at,
    });
    Object.assign(p.deployment_status, {
      id: 8000 + i,
      state: "success",
      created_at: at,
      updated_at: at,
    });
    await deliver("deployment_status", p);
  }
  for (let i = 0; i < 5; i++) {
    const p = fixture("workflow_run");
    const at = new Date(now - (10 - i) * 60_000).toISOString();
    Object.assign(p.workflow_run, {
      id: 910_000 + i,
      name: `CI ${i}`,
      run_attempt: 1,
      run_started_at: at,
      updated_at: at,
      created_at: at,
    });
    await deliver("workflow_run", p);
  }
  const session = await fetch(
    `${base}/w/${ws}/api/session`,
    jsonPost(undefined, { token: operator }),
  );
  const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0];
  const alerts = (
    await call(`${base}/w/${ws}/api/alerts`, { headers: { Authorization: `Bearer ${operator}` } })
  ).alerts;
  const deployments = (
    await call(`${base}/w/${ws}/api/deployments`, {
      headers: { Authorization: `Bearer ${operator}` },
    })
  ).deployments;
  const pipelines = (
    await call(`${base}/w/${ws}/api/pipelines`, {
      headers: { Authorization: `Bearer ${operator}` },
    })
  ).pipelines;
  return {
    ws,
    cookie,
    alertId: alerts[0]?.id,
    deploymentId: deployments[0]?.id,
    pipelineId: pipelines[0]?.id,
  };
}

/** Bundles the server components so Node can render the overview without the runtime. */
async function loadRenderer() {
  const dir = mkdtempSync(path.join(tmpdir(), "opsdeck-render-"));
  const entry = path.join(dir, "entry.ts");
  writeFileSync(
    entry,
    `export { DashboardPage } from ${JSON.stringify(path.join(ROOT, "web/pages/dashboard.ts"))};\nexport { renderPage } from ${JSON.stringify(path.join(ROOT, "web/render.ts"))};\n`,
  );
  const outfile = path.join(dir, "render.mjs");
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    logLevel: "warning",
  });
  const mod = await import(pathToFileURL(outfile).href);
  rmSync(dir, { recursive: true, force: true });
  return mod;
}

function islandSnapshot(html) {
  const match = /<script id="snapshot" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error("the overview has no snapshot island");
  return JSON.parse(match[1]);
}

export async function run(options = {}) {
  const rounds = Number(options.rounds ?? 40);
  const persistTo = mkdtempSync(path.join(tmpdir(), "opsdeck-render-state-"));
  const server = await startDevServer({
    persistTo,
    vars: { OPERATOR_TOKEN: OPERATOR_TOKEN, SECRETS_KEY, ENVIRONMENT: "development" },
  });
  try {
    const base = server.url;
    const seeded = await seed(base);
    const w = `/w/${seeded.ws}`;
    const pages = [
      ["overview", w],
      ["overview, 24h", `${w}?range=24h`],
      ["metric detail", `${w}/metrics/cpu?range=24h`],
      ["metric dialog", `${w}/metrics/cpu`, { "X-Opsdeck-Fragment": "1" }],
      ["alert detail", `${w}/alerts/${encodeURIComponent(seeded.alertId)}`],
      ["deployment detail", `${w}/deployments/${encodeURIComponent(seeded.deploymentId)}`],
      ["pipeline detail", `${w}/pipelines/${encodeURIComponent(seeded.pipelineId)}`],
      ["settings", `${w}/settings`],
      ["sign-in", `${w}/login`],
    ];
    const results = [];
    let overviewHtml = "";
    for (const [name, url, extra] of pages) {
      const times = [];
      let body = "";
      for (let i = 0; i < rounds + 3; i++) {
        const t0 = nowMs();
        const res = await fetch(base + url, {
          headers: { Cookie: seeded.cookie, ...extra },
          redirect: "manual",
        });
        body = await res.text();
        if (res.status !== 200) throw new Error(`${name}: ${res.status}`);
        if (i >= 3) times.push(nowMs() - t0);
      }
      if (name === "overview") overviewHtml = body;
      const bytes = Buffer.byteLength(body);
      results.push({
        page: name,
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        bytes,
        gzip: gzipSync(body).length,
      });
    }

    const { DashboardPage, renderPage } = await loadRenderer();
    const snapshot = islandSnapshot(overviewHtml);
    const principal = { tokenId: "bench", name: "bench-op", role: "operator" };
    const charts = await Promise.all(
      snapshot.metrics.slice(0, 4).map(async (m) => ({
        metricId: m.id,
        label: m.label,
        unit: m.unit,
        range: "1h",
        points: (
          await call(`${base}${w}/api/charts/${m.id}?timeRange=1h`, {
            headers: { Cookie: seeded.cookie },
          })
        ).data,
      })),
    );
    const cpuTimes = [];
    for (let i = 0; i < rounds * 5 + 20; i++) {
      const t0 = nowMs();
      renderPage(DashboardPage({ snapshot, principal, now: Date.now(), range: "1h", charts }));
      if (i >= 20) cpuTimes.push(nowMs() - t0);
    }
    const js = readFileSync(path.join(ROOT, "web/public/assets/live.js"));
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      rounds,
      pages: results,
      nodeRender: {
        page: "overview",
        p50: percentile(cpuTimes, 50),
        p95: percentile(cpuTimes, 95),
      },
      client: { bytes: js.length, gzip: gzipSync(js).length },
      budgets: { firstHtmlGzip: HTML_BUDGET, clientGzip: JS_BUDGET },
    };
    print(report);
    const dir = path.join(HERE, "results");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `render-${report.date.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`results: ${path.relative(process.cwd(), file)}`);
    return report;
  } finally {
    await server.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

function print(report) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const rows = [["page", "p50", "p95", "bytes", "gzip"]];
  for (const r of report.pages)
    rows.push([
      r.page,
      `${r.p50.toFixed(1)} ms`,
      `${r.p95.toFixed(1)} ms`,
      kb(r.bytes),
      kb(r.gzip),
    ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log("\nresponse time through wrangler dev (render + object reads), operator session");
  for (const row of rows)
    console.log(row.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  "));
  const overview = report.pages[0];
  console.log(
    `\noverview render alone in Node: p50 ${report.nodeRender.p50.toFixed(2)} ms, p95 ${report.nodeRender.p95.toFixed(2)} ms`,
  );
  console.log(
    `first HTML ${kb(overview.gzip)} gzip (budget ${kb(report.budgets.firstHtmlGzip)})${overview.gzip > report.budgets.firstHtmlGzip ? " OVER BUDGET" : ""}; client ${kb(report.client.gzip)} gzip (budget ${kb(report.budgets.clientGzip)})${report.client.gzip > report.budgets.clientGzip ? " OVER BUDGET" : ""}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "40" } } });
  run({ rounds: Number(values.rounds) }).catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
