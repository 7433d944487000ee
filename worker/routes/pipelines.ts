import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { LimitQuery, Pipeline } from "../../schema";
import { unwrap } from "../errors";
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
      responses: { 200: json(z.object({ pipelines: z.array(Pipeline) })), ...problemResponses },
    }),
    async (c) =>
      c.json(
        { pipelines: await c.var.workspace.stub.listPipelines(c.req.valid("query").limit) },
        200,
      ),
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
