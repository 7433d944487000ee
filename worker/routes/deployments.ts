import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Deployment, DeploymentQuery, SourceStatus } from "../../schema";
import { withSources } from "../lib/panel";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

export const deploymentRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/deployments",
    summary: "Deployments, newest first, with the status of the sources that feed them",
    middleware: [authorize("viewer")] as const,
    request: { params: WorkspaceParams, query: DeploymentQuery },
    responses: {
      200: json(z.object({ deployments: z.array(Deployment), sources: z.array(SourceStatus) })),
      ...problemResponses,
    },
  }),
  async (c) => {
    const stub = c.var.workspace.stub;
    const [deployments, sources] = await withSources(
      stub,
      "deployments",
      stub.listDeployments(c.req.valid("query")),
    );
    return c.json({ deployments, sources }, 200);
  },
);
