import { createRoute } from "@hono/zod-openapi";
import { StatusResponse, type ComponentStatus, type SourceStatus } from "../../schema";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

/** A configured source that is failing or serving old data degrades the sources component. */
function sourcesComponent(sources: SourceStatus[]): ComponentStatus {
  const troubled = sources.some((s) => s.status === "error" || s.status === "stale");
  return { id: "sources", status: troubled ? "degraded" : "operational" };
}

export const statusRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/status",
    summary: "Component and source status",
    middleware: [authorize("viewer")] as const,
    request: { params: WorkspaceParams },
    responses: { 200: json(StatusResponse), ...problemResponses },
  }),
  async (c) => {
    // Answering at all means the Worker and the workspace object are up.
    const stats = await c.var.workspace.stub.stats();
    return c.json(
      {
        workspace: stats.workspace,
        components: [
          { id: "api", status: "operational" },
          { id: "workspace-object", status: "operational" },
          sourcesComponent(stats.sources),
        ],
        sources: stats.sources,
        seq: stats.seq,
        sockets: stats.sockets,
      } satisfies StatusResponse,
      200,
    );
  },
);
