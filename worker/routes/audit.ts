import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { AuditEntry, AuditQuery, type Actor, type AuditRecord } from "../../schema";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json } from "./params";

export const auditRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/audit",
    summary:
      "Audit trail, newest first; page with ?before=<id of the last entry seen>; ?actor=<member or token id> keeps one person's (or machine's) entries",
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
    const entries = records.map(({ actorKind, actorId, ...r }) => {
      const by = actorOf({ ...r, actorKind, actorId });
      return AuditEntry.parse({
        ...r,
        before: parse(r.before),
        after: parse(r.after),
        ...(by ? { by } : {}),
      });
    });
    const last = entries.at(-1);
    return c.json(
      { entries, next: entries.length === query.limit && last ? last.id : undefined },
      200,
    );
  },
);

/** Who, from the row's recorded kind and id; rows older than members name only a token. */
function actorOf(row: AuditRecord): Actor | undefined {
  if (row.actorId === null) return undefined;
  if (row.actorKind === "member") return { kind: "member", memberId: row.actorId, name: row.actor };
  if (row.actorKind === "token") return { kind: "token", tokenId: row.actorId, name: row.actor };
  return undefined;
}

function parse(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}
