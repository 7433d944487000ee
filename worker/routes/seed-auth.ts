import { createRoute } from "@hono/zod-openapi";
import { getCookie } from "hono/cookie";
import {
  AuthLoginBody,
  AuthRegisterBody,
  AuthRegistered,
  AuthVerified,
  IssuedJwt,
  Jwks,
} from "../../schema";
import { invalidLogin } from "../../durable-objects/capabilities/login-guard";
import { invalidInvitation } from "../../durable-objects/capabilities/members";
import { claimedWorkspace, looksLikeJwt } from "../../lib/jwt-shape";
import { ApiError, unwrap } from "../errors";
import { bearerToken } from "../lib/bearer";
import { refundLoginAttempt } from "../lib/login-limit";
import { SESSION_COOKIE, setSessionCookie } from "../lib/session-cookie";
import { clientIp, findWorkspace, workspaceStub } from "../lib/workspace-directory";
import { invalidCredential, workspaceOfSecret, workspaceParam } from "../middleware/auth";
import { foreignOrigin } from "../middleware/cors";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json, jsonBody } from "./params";
import { loginGate } from "./session";

const LIMITS =
  "Unauthenticated, so rate limited with the sign-in limits (429 with Retry-After): 10 failed attempts at once (then one per 10 s) per client address and workspace, 60 at once (then one per second) per workspace, 20 at once (then one per 5 s) per address at each edge isolate; a success does not count.";

/** Token answers are never cached (RFC 6749 §5.1). */
const NO_STORE = { "Cache-Control": "no-store" };

/**
 * The seed products' auth endpoints, kept for their clients: credentials they already hold
 * (an API token, or the member session cookie) or an invitation exchanged for a short-lived
 * ES256 JWT bearer, which `GET /auth/verify` and every `/w/:workspace/api` route accept.
 */
export const seedAuthRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/login",
      summary: "Exchange an API token (body) or the member session cookie for a JWT bearer",
      description: `Answers a JWT valid 15 minutes (refresh by calling again with the session cookie). A wrong credential, another workspace's, or an unknown workspace all get the same 401 invalid_token, after the same floor. ${LIMITS}`,
      middleware: [loginGate] as const,
      request: jsonBody(AuthLoginBody),
      responses: { 200: json(IssuedJwt), ...problemResponses },
    }),
    async (c) => {
      const { workspace, token } = c.req.valid("json");
      const client = clientIp(c.req);
      const invalid = () => ApiError.from(invalidLogin());
      const session = token === undefined ? getCookie(c, SESSION_COOKIE) : undefined;
      // The cookie is ours alone: another origin must not turn it into a bearer it can read.
      if (session !== undefined && foreignOrigin(c))
        throw new ApiError(403, "csrf_rejected", "Cross-site refresh refused: send a token.");
      const secret = token ?? session;
      if (secret === undefined || looksLikeJwt(secret) || workspaceOfSecret(secret) !== workspace)
        throw invalid();
      const stub = await workspaceStub(c.env, workspace, client, invalid);
      const credential = token !== undefined ? { token } : { session: secret };
      const issued = unwrap(await stub.jwtLogin(credential, client));
      refundLoginAttempt(client);
      return c.json(issued, 200, NO_STORE);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/register",
      summary: "Become a member with an invitation: a session cookie and a JWT bearer",
      description: `The same acceptance as POST /w/{workspace}/api/invitations/accept: an unknown, used, revoked, expired or other workspace's invitation gets 410 invitation_invalid and nothing is stored. ${LIMITS}`,
      middleware: [loginGate] as const,
      request: jsonBody(AuthRegisterBody),
      responses: { 201: json(AuthRegistered, "Created"), ...problemResponses },
    }),
    async (c) => {
      const { workspace, invitation, name } = c.req.valid("json");
      if (foreignOrigin(c))
        throw new ApiError(403, "csrf_rejected", "Cross-site registration refused.");
      const client = clientIp(c.req);
      const invalid = () => ApiError.from(invalidInvitation());
      if (workspaceOfSecret(invitation) !== workspace) throw invalid();
      const stub = await workspaceStub(c.env, workspace, client, invalid);
      const held = getCookie(c, SESSION_COOKIE);
      const { session, ...registered } = unwrap(
        await stub.jwtRegister(
          { token: invitation, name },
          {
            address: client,
            userAgent: c.req.header("User-Agent"),
            ...(held && workspaceOfSecret(held) === workspace ? { replaces: held } : {}),
          },
        ),
      );
      refundLoginAttempt(client);
      setSessionCookie(c, workspace, session, registered.sessionExpiresAt);
      return c.json(registered, 201, NO_STORE);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/auth/verify",
      summary: "Who a JWT bearer (or the session cookie) speaks for: member or token, role, expiry",
      responses: { 200: json(AuthVerified), ...problemResponses },
    }),
    async (c) => {
      const header = c.req.header("Authorization");
      const jwt = header === undefined ? undefined : bearerToken(header);
      const session = header === undefined ? getCookie(c, SESSION_COOKIE) : undefined;
      if (jwt === undefined && session === undefined) throw invalidCredential();
      if (jwt !== undefined && !looksLikeJwt(jwt)) throw invalidCredential();
      const workspace =
        jwt !== undefined ? claimedWorkspace(jwt) : workspaceOfSecret(session ?? "");
      if (workspace === undefined) throw invalidCredential();
      const stub = await workspaceStub(c.env, workspace, clientIp(c.req), invalidCredential);
      const verified = await stub.jwtVerify(
        jwt !== undefined ? { jwt } : { session: session ?? "" },
      );
      if (!verified) throw invalidCredential();
      return c.json(verified, 200, NO_STORE);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/w/{workspace}/.well-known/jwks.json",
      summary: "The workspace's JWT public keys (ES256), current and recently rotated",
      description:
        "Public. Cache it for at most 5 minutes: keys rotate daily and a retired key is listed until the last token it signed has expired. An unknown workspace lists no keys.",
      request: { params: WorkspaceParams },
      responses: { 200: json(Jwks), ...problemResponses },
    }),
    async (c) => {
      const stub = await findWorkspace(c.env, workspaceParam(c), clientIp(c.req));
      const cache = { "Cache-Control": "public, max-age=300" };
      // Unknown and brand-new look alike: no keys (existence is not disclosed here).
      if (!stub) return c.json({ keys: [] }, 200, cache);
      return c.json(unwrap(await stub.jwks()), 200, cache);
    },
  );
