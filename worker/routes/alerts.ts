import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  AcknowledgeAlertBody,
  Alert,
  AlertDetail,
  ResolveAlertBody,
  SourceStatus,
} from "../../schema";
import { unwrap } from "../errors";
import { withSources } from "../lib/panel";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";

const conflict = {
  409: { description: "The alert's state forbids it (problem+json with `current`)" },
};
const AlertResult = z.object({ success: z.literal(true), alert: Alert });

export const alertRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/alerts",
      summary: "Alerts, newest first (dismissed ones are left out)",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: {
        200: json(z.object({ alerts: z.array(Alert), sources: z.array(SourceStatus) })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const [alerts, sources] = await withSources(stub, "alerts", stub.listAlerts());
      return c.json({ alerts, sources }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/alerts/{id}",
      summary:
        "One alert (dismissed ones too), with the deployments and pipeline runs of its repository or service that finished in the 2 h before it began",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(AlertDetail), ...problemResponses },
    }),
    async (c) => c.json(unwrap(await c.var.workspace.stub.getAlert(c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/alerts/{id}/acknowledge",
      summary:
        "Acknowledge. Again on an acknowledged alert: 200, unchanged (a new note is still added); on a resolved or dismissed one: 409",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(AcknowledgeAlertBody, false) },
      responses: { 200: json(AlertResult), ...problemResponses, ...conflict },
    }),
    async (c) => {
      const { notes } = AcknowledgeAlertBody.parse(c.req.valid("json") ?? {});
      const stub = c.var.workspace.stub;
      const alert = unwrap(
        await stub.acknowledgeAlert(c.var.principal, c.req.valid("param").id, notes),
      );
      return c.json({ success: true as const, alert }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/alerts/{id}/resolve",
      summary:
        "Resolve by hand. Again on a resolved alert: 200, unchanged; on a dismissed one: 409",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(ResolveAlertBody, false) },
      responses: { 200: json(AlertResult), ...problemResponses, ...conflict },
    }),
    async (c) => {
      const { notes } = ResolveAlertBody.parse(c.req.valid("json") ?? {});
      const stub = c.var.workspace.stub;
      const alert = unwrap(
        await stub.resolveAlert(c.var.principal, c.req.valid("param").id, notes),
      );
      return c.json({ success: true as const, alert }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/alerts/{id}",
      summary:
        "Dismiss: off every list, kept for the audit trail and GET /alerts/{id}. Idempotent, in any status",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(z.object({ success: z.literal(true) })), ...problemResponses },
    }),
    async (c) => {
      unwrap(await c.var.workspace.stub.dismissAlert(c.var.principal, c.req.valid("param").id));
      return c.json({ success: true as const }, 200);
    },
  );
