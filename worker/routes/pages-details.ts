import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import type { Context } from "hono";
import { render } from "preact-render-to-string";
import { RecordId, type ChartDataPoint, type TimeRange } from "../../schema";
import { LineChart, RANGE_LABEL, RANGE_MS } from "../../web/components/chart";
import { MAX_CHARTS } from "../../web/components/charts-panel";
import { thresholdKey } from "../../web/components/metrics";
import { AlertDetailView } from "../../web/pages/alert";
import { ChartsConfigView } from "../../web/pages/charts-config";
import { ContractsView } from "../../web/pages/contracts";
import { DeploymentDetailView } from "../../web/pages/deployment";
import { IncidentDetailView } from "../../web/pages/incident";
import {
  AwsServiceView,
  AwsServicesView,
  NetworkDetailView,
  serviceMetric,
} from "../../web/pages/inventory";
import { MetricDetail } from "../../web/pages/metric";
import { PipelineDetailView } from "../../web/pages/pipeline";
import type { AppEnv } from "../env";
import { authorize } from "../middleware/auth";
import { chosenCharts } from "./dashboard";
import {
  CHARTS_COOKIE,
  assertSameOrigin,
  rangeOf,
  sendDetail,
  sendProblem,
  signInFirst,
} from "./pages-common";

type Ctx = Context<AppEnv>;

/** Every page here is for a signed-in person; without a session the browser goes to sign-in. */
const page = signInFirst();

/** The record id in the path, or a 404 page for one that could not be an id. */
function recordId(c: Ctx): string | undefined {
  const parsed = RecordId.safeParse(c.req.param("id"));
  return parsed.success ? parsed.data : undefined;
}

const notFound = (c: Ctx, what: string) =>
  sendProblem(c, { status: 404, detail: `No ${what} with that id in this workspace.` });

/** Exports are named after the series and range: `cpu-24h.csv`. Ids are filename-safe. */
function attachment(c: Ctx, name: string) {
  c.header("Content-Disposition", `attachment; filename="${name}"`);
  c.header("Cache-Control", "no-store");
}

/** CSV of a chart series: ISO timestamp and value per line (numbers only: no formula risk). */
export function seriesCsv(points: readonly ChartDataPoint[]): string {
  return `timestamp,value\r\n${points.map((p) => `${p.timestamp},${p.value}`).join("\r\n")}\r\n`;
}

/** A self-contained SVG file: it carries its own colours, as no stylesheet goes with it. */
const EXPORT_STYLE =
  ".chart-line{fill:none;stroke:#2f55d4;stroke-width:2}.chart-area{fill:rgba(47,85,212,.12)}" +
  ".chart-grid{stroke:#e6e9ed}.chart-threshold{stroke:#c4232d;stroke-dasharray:4 4}" +
  ".chart-axis,.chart-empty{fill:#545d68;font:11px system-ui,sans-serif}.chart-dot{fill:#2f55d4}";

async function metricData(c: Ctx, id: string, range: TimeRange) {
  const stub = c.var.workspace.stub;
  const since = new Date(Date.now() - RANGE_MS[range]).toISOString();
  const [metrics, chart, settings, rules, anomalies, detection] = await Promise.all([
    stub.listMetrics(range),
    stub.chart(id, range),
    stub.getSettings(),
    stub.listAlertRules({ metric: id }),
    stub.listAnomalies({ series: id, since }),
    stub.getDetection(id),
  ]);
  const metric = metrics.find((m) => m.id === id);
  return {
    metric,
    chart,
    settings,
    rules,
    anomalies,
    detection: detection.ok ? detection.value : undefined,
  };
}

/** Detail pages (and dialog content) behind every "View Details" of the overview. */
export const detailPageRoutes = new Hono<AppEnv>()
  .get("/w/:workspace/metrics/:id", page, async (c) => {
    const id = recordId(c);
    if (!id) return notFound(c, "metric");
    const range = rangeOf(c);
    const { metric, chart, settings, rules, anomalies, detection } = await metricData(c, id, range);
    if (!metric || !chart.ok) return notFound(c, "metric");
    return sendDetail(
      c,
      metric.label,
      MetricDetail({
        workspace: c.var.workspace.id,
        metric,
        points: chart.value,
        range,
        thresholds: settings.thresholds,
        rules,
        role: c.var.principal.role,
        now: Date.now(),
        anomalies,
        detection,
      }),
    );
  })
  .get("/w/:workspace/metrics/:id/export.csv", page, async (c) => {
    const id = recordId(c);
    const range = rangeOf(c);
    const chart = id ? await c.var.workspace.stub.chart(id, range) : undefined;
    if (!id || !chart?.ok) return notFound(c, "metric");
    attachment(c, `${id}-${range}.csv`);
    return c.body(seriesCsv(chart.value), 200, { "Content-Type": "text/csv; charset=utf-8" });
  })
  .get("/w/:workspace/metrics/:id/chart.svg", page, async (c) => {
    const id = recordId(c);
    if (!id) return notFound(c, "metric");
    const range = rangeOf(c);
    const { metric, chart, settings } = await metricData(c, id, range);
    if (!metric || !chart.ok) return notFound(c, "metric");
    const key = thresholdKey(id);
    const svg = render(
      LineChart({
        id: `export-${id}`,
        label: `${metric.label} (${RANGE_LABEL[range]})`,
        unit: metric.unit,
        points: chart.value,
        range,
        now: Date.now(),
        threshold: key ? settings.thresholds[key] : undefined,
      }),
    ).replace(
      "<svg ",
      `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="200"><style>${EXPORT_STYLE}</style><g><svg `,
    );
    attachment(c, `${id}-${range}.svg`);
    return c.body(`${svg}</g></svg>`, 200, { "Content-Type": "image/svg+xml; charset=utf-8" });
  })
  .get("/w/:workspace/alerts/:id", page, async (c) => {
    const id = recordId(c);
    const detail = id ? await c.var.workspace.stub.getAlert(id) : undefined;
    if (!detail?.ok) return notFound(c, "alert");
    return sendDetail(
      c,
      detail.value.alert.title,
      AlertDetailView({
        workspace: c.var.workspace.id,
        detail: detail.value,
        role: c.var.principal.role,
        now: Date.now(),
      }),
    );
  })
  .get("/w/:workspace/incidents/:id", page, async (c) => {
    const id = recordId(c);
    const detail = id ? await c.var.workspace.stub.getIncident(id) : undefined;
    if (!detail?.ok) return notFound(c, "incident");
    return sendDetail(
      c,
      detail.value.incident.title,
      IncidentDetailView({
        workspace: c.var.workspace.id,
        detail: detail.value,
        role: c.var.principal.role,
        now: Date.now(),
      }),
    );
  })
  .get("/w/:workspace/deployments/:id", page, async (c) => {
    const id = recordId(c);
    const list = id ? await c.var.workspace.stub.listDeployments({ limit: 500 }) : [];
    const deployment = list.find((d) => d.id === id);
    if (!deployment) return notFound(c, "deployment");
    return sendDetail(
      c,
      deployment.name,
      DeploymentDetailView({
        workspace: c.var.workspace.id,
        deployment,
        role: c.var.principal.role,
        now: Date.now(),
      }),
    );
  })
  .get("/w/:workspace/pipelines/:id", page, async (c) => pipelinePage(c, false))
  .get("/w/:workspace/pipelines/:id/logs", page, async (c) => pipelinePage(c, true))
  .get("/w/:workspace/aws", page, async (c) =>
    sendDetail(
      c,
      "AWS services",
      AwsServicesView({
        workspace: c.var.workspace.id,
        services: await c.var.workspace.stub.listAwsServices(),
        now: Date.now(),
      }),
    ),
  )
  .get("/w/:workspace/aws/:id", page, async (c) => {
    const id = recordId(c);
    const stub = c.var.workspace.stub;
    const range = rangeOf(c);
    const [services, metrics] = await Promise.all([
      stub.listAwsServices(),
      stub.listMetrics(range),
    ]);
    const service = services.find((s) => s.id === id);
    if (!service) return notFound(c, "AWS service");
    const metric = serviceMetric(service, metrics);
    const chart = metric ? await stub.chart(metric.id, range) : undefined;
    return sendDetail(
      c,
      service.name,
      AwsServiceView({
        workspace: c.var.workspace.id,
        service,
        metric,
        points: chart?.ok ? chart.value : [],
        range,
        now: Date.now(),
      }),
    );
  })
  .get("/w/:workspace/networks/:id", page, async (c) => {
    const id = recordId(c);
    const stub = c.var.workspace.stub;
    const [networks, configs] = await Promise.all([stub.listWeb3(), stub.listNetworks()]);
    const network = networks.find((n) => n.id === id);
    if (!network) return notFound(c, "network");
    return sendDetail(
      c,
      network.name,
      NetworkDetailView({
        workspace: c.var.workspace.id,
        network,
        config: configs.find((n) => n.id === id),
        role: c.var.principal.role,
        now: Date.now(),
      }),
    );
  })
  .get("/w/:workspace/networks/:id/contracts", page, async (c) => {
    const id = recordId(c);
    const stub = c.var.workspace.stub;
    const [listed, configs, cards] = await Promise.all([
      id ? stub.listContracts(id) : undefined,
      stub.listNetworks(),
      stub.listWeb3(),
    ]);
    const config = configs.find((n) => n.id === id);
    if (!listed?.ok || !config) return notFound(c, "network");
    return sendDetail(
      c,
      `Contracts on ${config.name}`,
      ContractsView({
        workspace: c.var.workspace.id,
        config,
        network: cards.find((n) => n.id === id),
        contracts: listed.value.contracts,
        explorerUrl: listed.value.explorerUrl,
        role: c.var.principal.role,
        now: Date.now(),
      }),
    );
  })
  .get("/w/:workspace/charts/configure", page, async (c) => {
    const metrics = await c.var.workspace.stub.listMetrics("1h");
    const chosen = chosenCharts(getCookie(c, CHARTS_COOKIE), metrics).map((m) => m.id);
    return sendDetail(
      c,
      "Configure charts",
      ChartsConfigView({ workspace: c.var.workspace.id, metrics, chosen }),
    );
  })
  // A preference of this browser, not workspace state: a cookie, read when the page renders.
  .post("/w/:workspace/charts/configure", authorize("viewer"), async (c) => {
    assertSameOrigin(c);
    const form = await c.req.parseBody({ all: true });
    const raw = form.metric;
    const ids = (Array.isArray(raw) ? raw : [raw])
      .filter((v): v is string => typeof v === "string" && RecordId.safeParse(v).success)
      .slice(0, MAX_CHARTS);
    const ws = c.var.workspace.id;
    c.header(
      "Set-Cookie",
      `${CHARTS_COOKIE}=${ids.join(",")}; Path=/w/${ws}; Max-Age=31536000; SameSite=Lax`,
    );
    return c.redirect(`/w/${ws}`, 303);
  });

async function pipelinePage(c: Ctx, allLogs: boolean) {
  const id = recordId(c);
  const run = id ? await c.var.workspace.stub.getPipeline(id) : undefined;
  if (!run?.ok) return notFound(c, "pipeline run");
  return sendDetail(
    c,
    allLogs ? `Logs: ${run.value.name}` : run.value.name,
    PipelineDetailView({
      workspace: c.var.workspace.id,
      run: run.value,
      role: c.var.principal.role,
      now: Date.now(),
      allLogs,
    }),
  );
}
