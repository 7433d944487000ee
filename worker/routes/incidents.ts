import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  CreateIncidentBody,
  Incident,
  IncidentDetail,
  IncidentQuery,
  IncidentUpdateBody,
  SourceStatus,
} from "../../schema";
import { unwrap } from "../errors";
import { withSources } from "../lib/panel";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";

const IncidentResult = z.object({ success: z.literal(true), incident: Incident });

export const incidentRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/incidents",
      summary: "Incidents, newest first, filtered by status and severity",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams, query: IncidentQuery },
      responses: {
        200: json(z.object({ incidents: z.array(Incident), sources: z.array(SourceStatus) })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const [incidents, sources] = await withSources(
        stub,
        "incidents",
        stub.listIncidents(c.req.valid("query")),
      );
      return c.json({ incidents, sources }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/incidents/{id}",
      summary: "One incident with its timeline and the alerts it groups",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(IncidentDetail), ...problemResponses },
    }),
    async (c) =>
      c.json(unwrap(await c.var.workspace.stub.getIncident(c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/incidents",
      summary:
        "Open an incident from one alert (alertId) or several (alertIds); 409 when an alert is already in an open incident",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceParams, ...jsonBody(CreateIncidentBody) },
      responses: {
        201: json(IncidentResult, "Created"),
        ...problemResponses,
        409: { description: "An alert is dismissed or already in an open incident" },
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const incident = unwrap(await stub.createIncident(c.var.principal, c.req.valid("json")));
      return c.json({ success: true as const, incident }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/incidents/{id}/updates",
      summary:
        "Post a timeline update: forward through investigating → identified → monitoring → resolved, the same status again, or reopen resolved → investigating",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(IncidentUpdateBody) },
      responses: {
        200: json(IncidentResult),
        ...problemResponses,
        409: { description: "invalid_transition (problem+json with `current`)" },
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const incident = unwrap(
        await stub.updateIncident(c.var.principal, c.req.valid("param").id, c.req.valid("json")),
      );
      return c.json({ success: true as const, incident }, 200);
    },
  );
