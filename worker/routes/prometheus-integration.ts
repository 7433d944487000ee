import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { PrometheusIntegration, PrometheusIntegrationInput } from "../../schema";
import { checkOutboundUrl } from "../../lib/url-policy";
import { ApiError, unwrap } from "../errors";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json, jsonBody } from "./params";

/**
 * Prometheus (or Thanos, Mimir, VictoriaMetrics) as a metrics source. Everyone in the
 * workspace may read the endpoint and its cards (never the credential); only an admin changes
 * them. The base URL passes the outbound URL policy before the object is asked anything.
 */
export const prometheusIntegrationRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations/prometheus",
      summary:
        "Prometheus source: base URL, metric cards with their last run, source health; the credential only as its kind",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: {
        200: json(z.object({ integration: PrometheusIntegration })),
        ...problemResponses,
      },
    }),
    async (c) =>
      c.json({ integration: await c.var.workspace.stub.getPrometheusIntegration() }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/integrations/prometheus",
      summary:
        "Configure the Prometheus source (admin). Each new or changed card's PromQL is checked with one instant query; Prometheus's own error comes back on json.cards.<i>.query. The credential is sealed and never returned; omit it to keep it, null clears it.",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(PrometheusIntegrationInput) },
      responses: {
        200: json(z.object({ success: z.literal(true), integration: PrometheusIntegration })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const allowLoopback = c.env.ALLOW_LOOPBACK_URLS === "true";
      const verdict = checkOutboundUrl(input.baseUrl, { allowLoopback });
      if (!verdict.ok)
        throw new ApiError(400, "url_not_allowed", `json.baseUrl: ${verdict.reason}.`, [
          { path: "json.baseUrl", message: verdict.reason },
        ]);
      if (verdict.url.search || verdict.url.hash) {
        const reason = "give the base URL without a query or fragment";
        throw new ApiError(400, "url_not_allowed", `json.baseUrl: ${reason}.`, [
          { path: "json.baseUrl", message: reason },
        ]);
      }
      const integration = unwrap(
        await c.var.workspace.stub.configurePrometheus(c.var.principal, input),
      );
      return c.json({ success: true as const, integration }, 200);
    },
  );
