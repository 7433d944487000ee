import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ApiToken, CreateTokenBody, IssuedToken } from "../../schema";
import { unwrap } from "../errors";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";

export const tokenRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/tokens",
      summary: "API tokens (never their secrets)",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ tokens: z.array(ApiToken) })), ...problemResponses },
    }),
    async (c) => c.json({ tokens: await c.var.workspace.stub.listTokens() }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/tokens",
      summary:
        "Mint a token; its secret is in this response only. At most 500 active per workspace (409 limit_reached)",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(CreateTokenBody) },
      responses: { 201: json(z.object({ token: IssuedToken }), "Created"), ...problemResponses },
    }),
    async (c) => {
      const token = unwrap(
        await c.var.workspace.stub.createToken(c.var.principal, c.req.valid("json")),
      );
      return c.json({ token }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/tokens/{id}",
      summary: "Revoke a token; its sessions and sockets end",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceRecordParams },
      responses: {
        200: json(z.object({ success: z.literal(true), token: ApiToken })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const token = unwrap(
        await c.var.workspace.stub.revokeToken(c.var.principal, c.req.valid("param").id),
      );
      return c.json({ success: true as const, token }, 200);
    },
  );
