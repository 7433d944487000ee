import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Incident, IncidentQuery } from "../../schema";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

export const incidentRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/incidents",
    summary: "Incidents, filtered by status and severity",
    middleware: [authorize("viewer")] as const,
    request: { params: WorkspaceParams, query: IncidentQuery },
    responses: { 200: json(z.object({ incidents: z.array(Incident) })), ...problemResponses },
  }),
  async (c) =>
    c.json({ incidents: await c.var.workspace.stub.listIncidents(c.req.valid("query")) }, 200),
);
