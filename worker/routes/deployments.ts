import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Deployment, DeploymentQuery } from "../../schema";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

export const deploymentRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/deployments",
    summary: "Deployments, newest first",
    middleware: [authorize("viewer")] as const,
    request: { params: WorkspaceParams, query: DeploymentQuery },
    responses: { 200: json(z.object({ deployments: z.array(Deployment) })), ...problemResponses },
  }),
  async (c) =>
    c.json({ deployments: await c.var.workspace.stub.listDeployments(c.req.valid("query")) }, 200),
);
