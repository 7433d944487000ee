import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ActivityItem, LimitQuery } from "../../schema";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

export const activityRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/activity",
    summary: "Activity feed, newest first",
    middleware: [authorize("viewer")] as const,
    request: { params: WorkspaceParams, query: LimitQuery },
    responses: { 200: json(z.object({ activities: z.array(ActivityItem) })), ...problemResponses },
  }),
  async (c) =>
    c.json(
      { activities: await c.var.workspace.stub.listActivity(c.req.valid("query").limit) },
      200,
    ),
);
