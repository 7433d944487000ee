import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { SecurityQuery, SecurityScan, SourceStatus } from "../../schema";
import { withSources } from "../lib/panel";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

export const securityRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/security",
    summary: "Security scan findings, newest first",
    middleware: [authorize("viewer")] as const,
    request: { params: WorkspaceParams, query: SecurityQuery },
    responses: {
      200: json(z.object({ scans: z.array(SecurityScan), sources: z.array(SourceStatus) })),
      ...problemResponses,
    },
  }),
  async (c) => {
    const stub = c.var.workspace.stub;
    const [scans, sources] = await withSources(
      stub,
      "security",
      stub.listSecurity(c.req.valid("query")),
    );
    return c.json({ scans, sources }, 200);
  },
);
