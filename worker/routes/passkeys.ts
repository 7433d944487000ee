import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import {
  AddPasskeyOptionsBody,
  JoinPasskeyOptionsBody,
  Member,
  Passkey,
  PasskeyOptions,
  PasskeyRegistrationBody,
  PasskeySignInBody,
} from "../../schema";
import { invalidInvitation } from "../../durable-objects/capabilities/members";
import { invalidPasskey } from "../../durable-objects/capabilities/passkeys";
import type { AppEnv } from "../env";
import { ApiError, unwrap } from "../errors";
import { refundLoginAttempt } from "../lib/login-limit";
import { relyingParty } from "../lib/relying-party";
import { presentedSession, setSessionCookie } from "../lib/session-cookie";
import { clientIp, workspaceStub } from "../lib/workspace-directory";
import { authorize, workspaceOfSecret, workspaceParam } from "../middleware/auth";
import { foreignOrigin } from "../middleware/cors";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";
import { loginGate } from "./session";

const SessionStarted = z.object({ member: Member, expiresAt: z.string() });
const LIMITS =
  "Rate limited like sign-in (429 with Retry-After); each challenge is single use and expires after 5 minutes; at most 200 open per workspace.";

/** Ceremonies that set a session cookie come from the Opsdeck page itself, never another site. */
function sameSiteOnly(c: Context<AppEnv>): void {
  if (foreignOrigin(c))
    throw new ApiError(403, "csrf_rejected", "Cross-site passkey ceremony refused.");
}

const client = (c: Context<AppEnv>) => ({
  address: clientIp(c.req),
  userAgent: c.req.header("User-Agent"),
  replaces: presentedSession(c),
});

/** Passkeys: joining with one, signing in with one, and one's own in the profile. */
export const passkeyRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/invitations/accept/passkey-options",
      summary: "Start accepting an invitation with a new passkey: WebAuthn creation options",
      description: `No credential but the invitation's secret, which stays unused until the passkey is registered. ${LIMITS}`,
      middleware: [loginGate] as const,
      request: { params: WorkspaceParams, ...jsonBody(JoinPasskeyOptionsBody) },
      responses: { 200: json(PasskeyOptions), ...problemResponses },
    }),
    async (c) => {
      sameSiteOnly(c);
      const workspace = workspaceParam(c);
      const body = c.req.valid("json");
      const invalid = () => ApiError.from(invalidInvitation());
      if (workspaceOfSecret(body.token) !== workspace) throw invalid();
      const stub = await workspaceStub(c.env, workspace, clientIp(c.req), invalid);
      const options = unwrap(await stub.passkeyJoinOptions(body, relyingParty(c), client(c)));
      refundLoginAttempt(clientIp(c.req));
      return c.json(options, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/invitations/accept/passkey",
      summary:
        "Accept an invitation with a verified new passkey: creates the member (or finds them, for a sign-in link), attaches the passkey and signs them in",
      description: `A registration that does not verify (wrong origin, wrong challenge, malformed) gets 401 passkey_invalid and nothing is stored. ${LIMITS}`,
      middleware: [loginGate] as const,
      request: { params: WorkspaceParams, ...jsonBody(PasskeyRegistrationBody) },
      responses: { 201: json(SessionStarted, "Created"), ...problemResponses },
    }),
    async (c) => {
      sameSiteOnly(c);
      const workspace = workspaceParam(c);
      const address = clientIp(c.req);
      const stub = await workspaceStub(c.env, workspace, address, () =>
        ApiError.from(invalidInvitation()),
      );
      const opened = unwrap(
        await stub.passkeyJoin(c.req.valid("json"), relyingParty(c), client(c)),
      );
      refundLoginAttempt(address);
      setSessionCookie(c, workspace, opened.session, opened.expiresAt);
      return c.json({ member: opened.member, expiresAt: opened.expiresAt }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/passkeys/sign-in/options",
      summary:
        "Start signing in with a passkey: WebAuthn request options for a discoverable credential",
      description: `Send {}. ${LIMITS} A challenge costs one sign-in attempt; a successful sign-in gives it back.`,
      middleware: [loginGate] as const,
      request: { params: WorkspaceParams, ...jsonBody(z.object({}).strict()) },
      responses: { 200: json(PasskeyOptions), ...problemResponses },
    }),
    async (c) => {
      sameSiteOnly(c);
      const invalid = () => ApiError.from(invalidPasskey());
      const stub = await workspaceStub(c.env, workspaceParam(c), clientIp(c.req), invalid);
      return c.json(unwrap(await stub.passkeySignInOptions(relyingParty(c), client(c))), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/passkeys/sign-in",
      summary: "Sign in with a passkey: a session cookie for its member",
      description: `An unknown passkey, a disabled member's, a wrong origin, a bad signature or a spent challenge all get the same 401 passkey_invalid. A signature counter that did not increase (a cloned authenticator) gets 401 passkey_cloned and is audited. ${LIMITS}`,
      middleware: [loginGate] as const,
      request: { params: WorkspaceParams, ...jsonBody(PasskeySignInBody) },
      responses: { 200: json(SessionStarted), ...problemResponses },
    }),
    async (c) => {
      sameSiteOnly(c);
      const workspace = workspaceParam(c);
      const address = clientIp(c.req);
      const invalid = () => ApiError.from(invalidPasskey());
      const stub = await workspaceStub(c.env, workspace, address, invalid);
      const opened = unwrap(
        await stub.passkeySignIn(c.req.valid("json"), relyingParty(c), client(c)),
      );
      // This attempt's charge and its challenge's.
      refundLoginAttempt(address);
      refundLoginAttempt(address);
      setSessionCookie(c, workspace, opened.session, opened.expiresAt);
      return c.json({ member: opened.member, expiresAt: opened.expiresAt }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/passkeys",
      summary: "The calling member's passkeys (403 member_required for a token)",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ passkeys: z.array(Passkey) })), ...problemResponses },
    }),
    async (c) => {
      const passkeys = unwrap(await c.var.workspace.stub.myPasskeys(c.var.principal));
      return c.json({ passkeys }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/passkeys/options",
      summary: "Start adding a passkey: WebAuthn creation options (at most 10 passkeys per member)",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams, ...jsonBody(AddPasskeyOptionsBody) },
      responses: { 200: json(PasskeyOptions), ...problemResponses },
    }),
    async (c) => {
      const { name } = c.req.valid("json");
      const stub = c.var.workspace.stub;
      return c.json(
        unwrap(await stub.passkeyAddOptions(c.var.principal, name, relyingParty(c))),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/passkeys",
      summary: "Add a passkey: the verified answer to an options challenge",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams, ...jsonBody(PasskeyRegistrationBody) },
      responses: { 201: json(z.object({ passkey: Passkey }), "Created"), ...problemResponses },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const passkey = unwrap(
        await stub.addPasskey(c.var.principal, c.req.valid("json"), relyingParty(c)),
      );
      return c.json({ passkey }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/passkeys/{id}",
      summary:
        "Remove one of one's passkeys; the only sign-in credential left cannot be removed (409 last_sign_in_method)",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceRecordParams },
      responses: {
        200: json(z.object({ success: z.literal(true), removed: z.string() })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { removed } = unwrap(await c.var.workspace.stub.removePasskey(c.var.principal, id));
      return c.json({ success: true as const, removed }, 200);
    },
  );
