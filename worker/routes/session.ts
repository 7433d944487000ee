import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { LoginBody, Principal } from "../../schema";
import type { AppEnv } from "../env";
import {
  clearSessionCookie,
  heldSessions,
  presentedSession,
  setSessionCookie,
} from "../lib/session-cookie";
import { ApiError, unwrap } from "../errors";
import { authorize, workspaceOfSecret, workspaceParam } from "../middleware/auth";
import { foreignOrigin } from "../middleware/cors";
import { LOGIN_BODY_MAX_BYTES, chargeLoginAttempt, refundLoginAttempt } from "../lib/login-limit";
import { readJsonBody } from "../middleware/json-body";
import { createMiddleware } from "hono/factory";
import { clientIp, workspaceStub } from "../lib/workspace-directory";
import { invalidLogin } from "../../durable-objects/capabilities/login-guard";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json, jsonBody } from "./params";

/** Charges the address's sign-in allowance, and only then reads the body. */
export const loginGate = createMiddleware<AppEnv>(async (c, next) => {
  chargeLoginAttempt(clientIp(c.req));
  await readJsonBody(c, LOGIN_BODY_MAX_BYTES);
  await next();
});

/** Browser sign-in: a token is exchanged for an HttpOnly session cookie scoped to the workspace. */
export const sessionRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/session",
      summary: "Sign in: exchange an API token for a session cookie",
      description:
        "Unauthenticated, so rate limited: 429 with Retry-After beyond 10 failed attempts at once (then one per 10 s) per client address and workspace, 60 at once (then one per second) per workspace, and 20 at once (then one per 5 s) per address at each edge isolate; a successful sign-in does not count. Failures are counted (GET /metrics), never stored one by one.",
      // Sign-in needs no credential, so the work before the token is judged is small and
      // fixed: the address is charged, then the body read (at most 8 kB) and parsed.
      middleware: [loginGate] as const,
      request: { params: WorkspaceParams, ...jsonBody(LoginBody) },
      responses: {
        200: json(z.object({ principal: Principal, expiresAt: z.string() })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const workspace = workspaceParam(c);
      // A session cookie is for the Opsdeck page itself; other origins send bearer tokens.
      if (foreignOrigin(c))
        throw new ApiError(
          403,
          "csrf_rejected",
          "Cross-site sign-in refused: from another origin, send 'Authorization: Bearer <token>' on each request.",
        );
      const { token } = c.req.valid("json");
      // A token of the wrong shape, or for a workspace that does not exist, gets the object's
      // own answer to a wrong token without any object being touched.
      const client = clientIp(c.req);
      const invalid = () => ApiError.from(invalidLogin());
      if (workspaceOfSecret(token) !== workspace) throw invalid();
      const stub = await workspaceStub(c.env, workspace, client, invalid);
      // The session the browser already held ends, so sign-in always changes the id.
      const opened = unwrap(await stub.openSession(token, client, presentedSession(c)));
      refundLoginAttempt(client);
      setSessionCookie(c, workspace, opened.session, opened.expiresAt);
      return c.json({ principal: opened.principal, expiresAt: opened.expiresAt }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/session",
      summary: "Sign out: the session ends on the server too",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ success: z.literal(true) })), ...problemResponses },
    }),
    async (c) => {
      for (const session of heldSessions(c))
        await c.var.workspace.stub.closeSession(c.var.principal, session);
      clearSessionCookie(c, c.var.workspace.id);
      return c.json({ success: true as const }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/ws-ticket",
      summary: "A single-use, 60-second ticket for opening the live socket (?ticket=…)",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: {
        200: json(z.object({ ticket: z.string(), expiresAt: z.string() })),
        ...problemResponses,
      },
    }),
    async (c) => {
      // A browser's ticket is tied to its session, so signing out closes the socket too.
      const session = c.var.credentialKind === "session" ? presentedSession(c) : undefined;
      return c.json(await c.var.workspace.stub.issueSocketTicket(c.var.principal, session), 200);
    },
  );
