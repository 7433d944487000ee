import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Alert } from "../../schema";
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
    responses: { 200: json(z.object({ alerts: z.array(Alert) })), ...problemResponses },
  }),
  async (c) => c.json({ alerts: await c.var.workspace.stub.listAlerts() }, 200),
);
