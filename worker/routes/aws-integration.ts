import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { AwsIntegration, AwsIntegrationInput, type AwsEndpoints } from "../../schema";
import { ApiError, unwrap } from "../errors";
import { checkOutboundUrl } from "../../lib/url-policy";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json, jsonBody } from "./params";

/**
 * Endpoint overrides exist so tests and local development can point the collector at a
 * stand-in. Where loopback URLs are not allowed (production) they are refused outright:
 * AWS keys must only ever be sent to AWS.
 */
function assertEndpointsAllowed(endpoints: AwsEndpoints | null | undefined, allowed: boolean) {
  if (!endpoints) return;
  for (const [service, url] of Object.entries(endpoints)) {
    if (url === undefined) continue;
    const path = `json.endpoints.${service}`;
    const verdict = allowed
      ? checkOutboundUrl(url, { allowLoopback: true })
      : {
          ok: false as const,
          reason: "endpoint overrides are only available in local development",
        };
    if (!verdict.ok)
      throw new ApiError(400, "url_not_allowed", `${path}: ${verdict.reason}.`, [
        { path, message: verdict.reason },
      ]);
  }
}

/** The AWS integration: keys (write-only), regions, services. Admin only. */
export const awsIntegrationRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations/aws",
      summary: "AWS integration: regions, services and source health; keys only as set or not",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ integration: AwsIntegration })), ...problemResponses },
    }),
    async (c) => c.json({ integration: await c.var.workspace.stub.getAwsIntegration() }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/integrations/aws",
      summary:
        "Configure AWS (admin). Keys are sealed and never returned; omit one to keep it, null clears it.",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(AwsIntegrationInput) },
      responses: {
        200: json(z.object({ success: z.literal(true), integration: AwsIntegration })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      assertEndpointsAllowed(input.endpoints, c.env.ALLOW_LOOPBACK_URLS === "true");
      const integration = unwrap(await c.var.workspace.stub.configureAws(c.var.principal, input));
      return c.json({ success: true as const, integration }, 200);
    },
  );
