import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import {
  AcceptInvitationBody,
  CreateInvitationBody,
  Invitation,
  IssuedInvitation,
  Me,
  Member,
  MemberSession,
  UpdateMemberBody,
  type Invitation as InvitationRecord,
} from "../../schema";
import { invalidInvitation } from "../../durable-objects/capabilities/members";
import type { AppEnv } from "../env";
import { ApiError, unwrap } from "../errors";
import { refundLoginAttempt } from "../lib/login-limit";
import { clearSessionCookie, presentedSession, setSessionCookie } from "../lib/session-cookie";
import { clientIp, workspaceStub } from "../lib/workspace-directory";
import { authorize, workspaceOfSecret, workspaceParam } from "../middleware/auth";
import { foreignOrigin } from "../middleware/cors";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";
import { loginGate } from "./session";

/**
 * The page an invitation link opens: `PUBLIC_URL` when set, else the address the admin
 * called from. The secret rides in the query of a page whose Referer never leaves the origin.
 */
export function invitationLink(c: Context<AppEnv>, workspace: string, token: string): string {
  const base = c.env.PUBLIC_URL || new URL(c.req.url).origin;
  return `${base.replace(/\/+$/, "")}/w/${workspace}/join?invitation=${encodeURIComponent(token)}`;
}

/** An invitation as issued: its secret and link appear in this response only. */
export function issued(
  c: Context<AppEnv>,
  workspace: string,
  value: { invitation: InvitationRecord; token: string },
) {
  return {
    ...value.invitation,
    token: value.token,
    link: invitationLink(c, workspace, value.token),
  };
}

const SessionStarted = z.object({ member: Member, expiresAt: z.string() });

/** Members and invitations (admin), accepting an invitation (no credential), and oneself. */
export const memberRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/members",
      summary: "The workspace's members, disabled ones too",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ members: z.array(Member) })), ...problemResponses },
    }),
    async (c) => c.json({ members: await c.var.workspace.stub.listMembers() }, 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/members/{id}",
      summary:
        "Change a member's role or disable them (their sessions and sockets end at once); the last admin cannot be demoted or disabled (409 last_admin)",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(UpdateMemberBody) },
      responses: { 200: json(z.object({ member: Member })), ...problemResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const stub = c.var.workspace.stub;
      const member = unwrap(await stub.updateMember(c.var.principal, id, c.req.valid("json")));
      return c.json({ member }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/invitations",
      summary:
        "Invite an address to a role: a single-use link, valid 7 days, shown in this response only. At most 100 open (409 limit_reached)",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(CreateInvitationBody) },
      responses: {
        201: json(z.object({ invitation: IssuedInvitation }), "Created"),
        ...problemResponses,
      },
    }),
    async (c) => {
      const { stub, id } = c.var.workspace;
      const value = unwrap(await stub.createInvitation(c.var.principal, c.req.valid("json")));
      return c.json({ invitation: issued(c, id, value) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/invitations",
      summary: "Open invitations (never their secrets)",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams },
      responses: {
        200: json(z.object({ invitations: z.array(Invitation) })),
        ...problemResponses,
      },
    }),
    async (c) => c.json({ invitations: await c.var.workspace.stub.listInvitations() }, 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/invitations/{id}",
      summary: "Revoke an open invitation; its link stops working",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceRecordParams },
      responses: {
        200: json(z.object({ success: z.literal(true), invitation: Invitation })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const { stub } = c.var.workspace;
      const invitation = unwrap(
        await stub.revokeInvitation(c.var.principal, c.req.valid("param").id),
      );
      return c.json({ success: true as const, invitation }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/invitations/accept",
      summary:
        "Accept an invitation (no credential: the invitation's secret): creates the member and signs them in with a session cookie",
      description:
        "Rate limited like sign-in (429 with Retry-After). An unknown, used, revoked, expired or other workspace's invitation gets the same 410 invitation_invalid, and nothing is stored.",
      middleware: [loginGate] as const,
      request: { params: WorkspaceParams, ...jsonBody(AcceptInvitationBody) },
      responses: { 201: json(SessionStarted, "Created"), ...problemResponses },
    }),
    async (c) => {
      const workspace = workspaceParam(c);
      if (foreignOrigin(c))
        throw new ApiError(
          403,
          "csrf_rejected",
          "Cross-site invitation acceptance refused: open the invitation link itself.",
        );
      const body = c.req.valid("json");
      const client = clientIp(c.req);
      const invalid = () => ApiError.from(invalidInvitation());
      // Another workspace's invitation (or garbage) is refused without touching any object.
      if (workspaceOfSecret(body.token) !== workspace) throw invalid();
      const stub = await workspaceStub(c.env, workspace, client, invalid);
      const opened = unwrap(
        await stub.acceptInvitation(body, {
          address: client,
          userAgent: c.req.header("User-Agent"),
          replaces: presentedSession(c),
        }),
      );
      refundLoginAttempt(client);
      setSessionCookie(c, workspace, opened.session, opened.expiresAt);
      return c.json({ member: opened.member, expiresAt: opened.expiresAt }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me",
      summary: "Who is calling: the actor, role and, for a member, their record",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(Me), ...problemResponses },
    }),
    async (c) => c.json(await c.var.workspace.stub.me(c.var.principal), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/sessions",
      summary: "The calling member's own browser sessions (403 member_required for a token)",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ sessions: z.array(MemberSession) })), ...problemResponses },
    }),
    async (c) => {
      const secret = c.var.credentialKind === "session" ? presentedSession(c) : undefined;
      const sessions = unwrap(await c.var.workspace.stub.mySessions(c.var.principal, secret));
      return c.json({ sessions }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/sessions",
      summary:
        "Sign out everywhere: every session of the calling member ends, and their sockets close",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: {
        200: json(z.object({ success: z.literal(true), ended: z.number().int() })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const { ended } = unwrap(await c.var.workspace.stub.signOutEverywhere(c.var.principal));
      clearSessionCookie(c, c.var.workspace.id);
      return c.json({ success: true as const, ended }, 200);
    },
  );
