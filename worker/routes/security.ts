import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { SecurityQuery, SecurityScan } from "../../schema";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

export const securityRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/security",
    summary: "Security scan findings",
    middleware: [authorize("viewer")] as const,
    request: { params: WorkspaceParams, query: SecurityQuery },
    responses: { 200: json(z.object({ scans: z.array(SecurityScan) })), ...problemResponses },
  }),
  async (c) =>
    c.json({ scans: await c.var.workspace.stub.listSecurity(c.req.valid("query")) }, 200),
);
