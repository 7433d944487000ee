import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { AlertRule, AlertRuleQuery, CreateAlertRuleBody, UpdateAlertRuleBody } from "../../schema";
import { unwrap } from "../errors";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";

/**
 * Alert rules: a threshold (gt, gte, lt, lte) on any metric series, with a severity. A crossing
 * raises an alert through the shared lifecycle; a new or edited rule is judged at once against
 * the metric's newest value, and deleting one resolves its open alert. Viewers read; operators
 * change them. Every change is audited (`alert-rule.create|update|delete`).
 */
export const alertRuleRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/alert-rules",
      summary: "Alert rules, oldest first (?metric= for one metric's rules)",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams, query: AlertRuleQuery },
      responses: { 200: json(z.object({ rules: z.array(AlertRule) })), ...problemResponses },
    }),
    async (c) => {
      const rules = await c.var.workspace.stub.listAlertRules(c.req.valid("query"));
      return c.json({ rules }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/alert-rules",
      summary: "Create an alert rule on a metric; judged at once against its newest value",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceParams, ...jsonBody(CreateAlertRuleBody) },
      responses: {
        201: json(z.object({ success: z.literal(true), rule: AlertRule }), "Created"),
        422: { description: "The workspace's alert rule limit (200) is reached" },
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const rule = unwrap(await stub.createAlertRule(c.var.principal, c.req.valid("json")));
      return c.json({ success: true as const, rule }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/alert-rules/{id}",
      summary: "Change an alert rule (any of its fields; name null removes the name)",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(UpdateAlertRuleBody) },
      responses: {
        200: json(z.object({ success: z.literal(true), rule: AlertRule })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const { id } = c.req.valid("param");
      const rule = unwrap(await stub.updateAlertRule(c.var.principal, id, c.req.valid("json")));
      return c.json({ success: true as const, rule }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/alert-rules/{id}",
      summary: "Delete an alert rule; its open alert is resolved",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(z.object({ success: z.literal(true) })), ...problemResponses },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      unwrap(await stub.deleteAlertRule(c.var.principal, c.req.valid("param").id));
      return c.json({ success: true as const }, 200);
    },
  );
