import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { AuditEntry, AuditQuery } from "../../schema";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

export const auditRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/audit",
    summary: "Audit trail, newest first; page with ?before=<id of the last entry seen>",
    middleware: [authorize("admin")] as const,
    request: { params: WorkspaceParams, query: AuditQuery },
    responses: {
      200: json(z.object({ entries: z.array(AuditEntry), next: z.number().optional() })),
      ...problemResponses,
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const records = await c.var.workspace.stub.auditPage(query);
    const entries = records.map((r) =>
      AuditEntry.parse({ ...r, before: parse(r.before), after: parse(r.after) }),
    );
    const last = entries.at(-1);
    return c.json(
      { entries, next: entries.length === query.limit && last ? last.id : undefined },
      200,
    );
  },
);

function parse(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}
