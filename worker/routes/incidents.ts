import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Incident, IncidentQuery, SourceStatus } from "../../schema";
import { withSources } from "../lib/panel";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

export const incidentRoutes = router().openapi(
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
);
