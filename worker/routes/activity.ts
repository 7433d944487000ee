import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ActivityItem, LimitQuery, SourceStatus } from "../../schema";
import { withSources } from "../lib/panel";
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
    responses: {
      200: json(z.object({ activities: z.array(ActivityItem), sources: z.array(SourceStatus) })),
      ...problemResponses,
    },
  }),
  async (c) => {
    const stub = c.var.workspace.stub;
    const [activities, sources] = await withSources(
      stub,
      "activity",
      stub.listActivity(c.req.valid("query").limit),
    );
    return c.json({ activities, sources }, 200);
  },
);
