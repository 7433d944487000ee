import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  DeliveriesQuery,
  NotificationDelivery,
  NotificationTestBody,
  NotificationTestResult,
  NotificationsView,
} from "../../schema";
import { unwrap } from "../errors";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json, jsonBody } from "./params";

/** Outbound notifications (Slack, signed webhook): status, test message, delivery history. */
export const notificationRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/notifications",
      summary:
        "Notification channels: active or why not, last success and error, pending messages. Email is listed as not available: it is not delivered.",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ notifications: NotificationsView })), ...problemResponses },
    }),
    async (c) => c.json({ notifications: await c.var.workspace.stub.getNotifications() }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/notifications/test",
      summary: "Send a test message to a channel now and return the provider's answer (admin)",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(NotificationTestBody) },
      responses: {
        200: json(NotificationTestResult, "The provider accepted the message"),
        ...problemResponses,
        409: { description: "not_configured: the channel has no URL (or secret), or is disabled" },
        502: {
          description: "upstream_error: the provider refused the message (its answer in detail)",
        },
        503: {
          description:
            "upstream_error: the provider could not be reached, timed out, or asked to wait (Retry-After)",
        },
      },
    }),
    async (c) => {
      const outcome = await c.var.workspace.stub.testNotification(
        c.var.principal,
        c.req.valid("json"),
        new URL(c.req.url).origin,
      );
      return c.json(unwrap(outcome), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/notifications/deliveries",
      summary:
        "Recent notification deliveries, newest first (admin): event, channel, state, attempts, last error; hosts only, never a URL or secret",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, query: DeliveriesQuery },
      responses: {
        200: json(z.object({ deliveries: z.array(NotificationDelivery) })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const { limit } = c.req.valid("query");
      return c.json(
        { deliveries: await c.var.workspace.stub.listNotificationDeliveries(limit) },
        200,
      );
    },
  );
