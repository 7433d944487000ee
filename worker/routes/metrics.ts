import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  ChartDataPoint,
  Metric,
  MetricSamplesBody,
  MetricsQuery,
  RecordId,
  SourceStatus,
} from "../../schema";
import { unwrap } from "../errors";
import { withSources } from "../lib/panel";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json, jsonBody } from "./params";

export const metricsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      summary: "Metric cards with change over the time range",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams, query: MetricsQuery },
      responses: {
        200: json(z.object({ metrics: z.array(Metric), sources: z.array(SourceStatus) })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const { timeRange } = c.req.valid("query");
      const [metrics, sources] = await withSources(stub, "metrics", stub.listMetrics(timeRange));
      return c.json({ metrics, sources }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/charts/{metricId}",
      summary: "A metric's history, bucketed for the time range",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams.extend({ metricId: RecordId }), query: MetricsQuery },
      responses: { 200: json(z.object({ data: z.array(ChartDataPoint) })), ...problemResponses },
    }),
    async (c) => {
      const { metricId } = c.req.valid("param");
      const { timeRange } = c.req.valid("query");
      return c.json({ data: unwrap(await c.var.workspace.stub.chart(metricId, timeRange)) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/metrics/samples",
      summary: "Push metric samples (custom metrics from scripts or exporters)",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceParams, ...jsonBody(MetricSamplesBody) },
      responses: {
        202: json(z.object({ accepted: z.number() }), "Accepted"),
        422: { description: "The workspace's metric series limit is reached" },
        ...problemResponses,
      },
    }),
    async (c) => {
      const result = unwrap(
        await c.var.workspace.stub.ingestMetricSamples(c.var.principal, c.req.valid("json")),
      );
      return c.json(result, 202);
    },
  );
