import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { SourceStatus } from "../../schema";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

const StatusResponse = z.object({
  workspace: z.object({ id: z.string(), name: z.string() }),
  components: z.array(
    z.object({ id: z.string(), status: z.enum(["operational", "degraded", "down"]) }),
  ),
  sources: z.array(SourceStatus),
  seq: z.number(),
  sockets: z.number(),
});

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
    const stub = c.var.workspace.stub;
    const [snapshot, stats] = await Promise.all([stub.snapshot(), stub.stats()]);
    const failing = snapshot.sources.filter((s) => s.status === "error").length;
    return c.json(
      {
        workspace: snapshot.workspace,
        components: [
          { id: "api", status: "operational" as const },
          { id: "workspace-object", status: "operational" as const },
          {
            id: "sources",
            status: failing === 0 ? ("operational" as const) : ("degraded" as const),
          },
        ],
        sources: snapshot.sources,
        seq: stats.seq,
        sockets: stats.sockets,
      },
      200,
    );
  },
);
