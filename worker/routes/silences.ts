import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { CreateMaintenanceBody, CreateSilenceBody, Silence, SilenceQuery } from "../../schema";
import { unwrap } from "../errors";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";

/**
 * Silences (Alertmanager-style label matchers) and maintenance windows (a time range,
 * optionally narrowed by matchers). Alerts matching an active one are `suppressed`, and
 * return to firing when it ends. Viewers read; operators create and expire (`DELETE`
 * expires early, as Alertmanager's does, and is idempotent). Every change is audited.
 */
export const silenceRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/silences",
      summary: "Silences, newest first (?state=pending|active|expired)",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams, query: SilenceQuery },
      responses: { 200: json(z.object({ silences: z.array(Silence) })), ...problemResponses },
    }),
    async (c) => {
      const silences = await c.var.workspace.stub.listSilences("silence", c.req.valid("query"));
      return c.json({ silences }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/silences/{id}",
      summary: "One silence",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(z.object({ silence: Silence })), ...problemResponses },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const silence = unwrap(await stub.getSilence("silence", c.req.valid("param").id));
      return c.json({ silence }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/silences",
      summary: "Silence alerts matching label matchers until endsAt (comment required)",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceParams, ...jsonBody(CreateSilenceBody) },
      responses: {
        201: json(z.object({ success: z.literal(true), silence: Silence }), "Created"),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const silence = unwrap(
        await stub.createSilence(c.var.principal, "silence", c.req.valid("json")),
      );
      return c.json({ success: true as const, silence }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/silences/{id}",
      summary: "Expire a silence now (idempotent)",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams },
      responses: {
        200: json(z.object({ success: z.literal(true), silence: Silence })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const silence = unwrap(
        await stub.expireSilence(c.var.principal, "silence", c.req.valid("param").id),
      );
      return c.json({ success: true as const, silence }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/maintenance",
      summary: "Maintenance windows, newest first (?state=pending|active|expired)",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams, query: SilenceQuery },
      responses: { 200: json(z.object({ windows: z.array(Silence) })), ...problemResponses },
    }),
    async (c) => {
      const windows = await c.var.workspace.stub.listSilences("maintenance", c.req.valid("query"));
      return c.json({ windows }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/maintenance/{id}",
      summary: "One maintenance window",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(z.object({ window: Silence })), ...problemResponses },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const window = unwrap(await stub.getSilence("maintenance", c.req.valid("param").id));
      return c.json({ window }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/maintenance",
      summary: "Schedule a maintenance window; without matchers it suppresses every alert",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceParams, ...jsonBody(CreateMaintenanceBody) },
      responses: {
        201: json(z.object({ success: z.literal(true), window: Silence }), "Created"),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const window = unwrap(
        await stub.createSilence(c.var.principal, "maintenance", c.req.valid("json")),
      );
      return c.json({ success: true as const, window }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/maintenance/{id}",
      summary: "End a maintenance window now (idempotent)",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams },
      responses: {
        200: json(z.object({ success: z.literal(true), window: Silence })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const window = unwrap(
        await stub.expireSilence(c.var.principal, "maintenance", c.req.valid("param").id),
      );
      return c.json({ success: true as const, window }, 200);
    },
  );
