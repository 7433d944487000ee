import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Alert, SourceStatus } from "../../schema";
import { withSources } from "../lib/panel";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

export const alertRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/alerts",
    summary: "Alerts, newest first",
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
);
