import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { LimitQuery, Pipeline, SourceStatus } from "../../schema";
import { unwrap } from "../errors";
import { withSources } from "../lib/panel";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json } from "./params";

export const pipelineRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/pipelines",
      summary: "Recent pipeline runs",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams, query: LimitQuery },
      responses: {
        200: json(z.object({ pipelines: z.array(Pipeline), sources: z.array(SourceStatus) })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const [pipelines, sources] = await withSources(
        stub,
        "pipelines",
        stub.listPipelines(c.req.valid("query").limit),
      );
      return c.json({ pipelines, sources }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/pipeline/{id}",
      summary: "One pipeline run with its stages",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(z.object({ pipeline: Pipeline })), ...problemResponses },
    }),
    async (c) =>
      c.json(
        { pipeline: unwrap(await c.var.workspace.stub.getPipeline(c.req.valid("param").id)) },
        200,
      ),
  );
