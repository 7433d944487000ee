import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  CreateWebhookIntegrationBody,
  IssuedWebhookIntegration,
  RotateWebhookBody,
  WebhookIntegration,
} from "../../schema";
import { unwrap } from "../errors";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";

/** Sender integrations (GitHub, Alertmanager, Grafana, PagerDuty-style): admin only. */
export const integrationRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations/webhooks",
      summary: "Webhook integrations with delivery counters and the last rejection reason",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams },
      responses: {
        200: json(z.object({ integrations: z.array(WebhookIntegration) })),
        ...problemResponses,
      },
    }),
    async (c) =>
      c.json({ integrations: await c.var.workspace.stub.listWebhookIntegrations() }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/integrations/webhooks",
      summary:
        "Create a webhook integration; its credential is in this response only. At most 50 per workspace (409 limit_reached)",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(CreateWebhookIntegrationBody) },
      responses: { 201: json(IssuedWebhookIntegration, "Created"), ...problemResponses },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      return c.json(
        unwrap(await stub.createWebhookIntegration(c.var.principal, c.req.valid("json"))),
        201,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/integrations/webhooks/{id}/rotate",
      summary: "Rotate the credential; the previous one keeps working for overlapSeconds",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(RotateWebhookBody, false) },
      responses: { 200: json(IssuedWebhookIntegration), ...problemResponses },
    }),
    async (c) => {
      const body = RotateWebhookBody.parse(c.req.valid("json") ?? {});
      const stub = c.var.workspace.stub;
      return c.json(
        unwrap(await stub.rotateWebhookIntegration(c.var.principal, c.req.valid("param").id, body)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/integrations/webhooks/{id}",
      summary: "Delete a webhook integration; its sender is refused from then on",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(z.object({ success: z.literal(true) })), ...problemResponses },
    }),
    async (c) => {
      unwrap(
        await c.var.workspace.stub.deleteWebhookIntegration(
          c.var.principal,
          c.req.valid("param").id,
        ),
      );
      return c.json({ success: true as const }, 200);
    },
  );
