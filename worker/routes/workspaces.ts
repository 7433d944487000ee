import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { DIRECTORY_NAME } from "../../durable-objects/directory";
import { CreateWorkspaceBody, IssuedInvitation, IssuedToken, WorkspaceInfo } from "../../schema";
import { unwrap } from "../errors";
import { requireOperator } from "../middleware/operator";
import { problemResponses, router } from "../openapi";
import { json, jsonBody } from "./params";
import { issued } from "./members";
import { rememberWorkspace } from "../lib/workspace-directory";
import { edgeRemember } from "../lib/directory-edge-cache";

export const workspaceRoutes = router().openapi(
  createRoute({
    method: "post",
    path: "/",
    summary:
      "Create a workspace (operator credential); returns its first admin token once, and with `admin.email` an admin invitation whose acceptance makes that person the first admin member",
    middleware: [requireOperator] as const,
    request: jsonBody(CreateWorkspaceBody),
    responses: {
      201: json(
        z.object({
          workspace: WorkspaceInfo,
          adminToken: IssuedToken,
          adminInvitation: IssuedInvitation.optional(),
        }),
        "Created",
      ),
      409: { description: "A workspace with that id exists" },
      ...problemResponses,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    // Registered first: untrusted requests reach a workspace only once the directory knows it
    // (lib/workspace-directory.ts), so it must never exist unregistered. Registering is
    // idempotent, so POSTing an existing id again (409) also registers one that predates it.
    await c.env.DIRECTORY.getByName(DIRECTORY_NAME).register(body.id);
    // Over a negative answer this location may hold: reachable at once from any isolate here.
    await edgeRemember(body.id, true);
    const stub = c.env.WORKSPACE.getByName(body.id);
    const adminToken = unwrap(await stub.create({ id: body.id, name: body.name }, body.adminName));
    rememberWorkspace(body.id);
    const workspace = (await stub.info())!;
    if (!body.admin) return c.json({ workspace, adminToken }, 201);
    // Invited by the first admin token, which the creator holds: the same invitation any
    // admin can send, so the first admin member joins exactly as every later member does.
    const creator = { tokenId: adminToken.id, name: adminToken.name, role: adminToken.role };
    const invitation = unwrap(
      await stub.createInvitation(creator, { email: body.admin.email, role: "admin" }),
    );
    return c.json({ workspace, adminToken, adminInvitation: issued(c, body.id, invitation) }, 201);
  },
);
