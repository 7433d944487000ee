import {
  MEMBERS_MAX,
  OPEN_INVITATIONS_MAX,
  actorOf,
  fail,
  ok,
  type AcceptInvitationBody,
  type Actor,
  type CreateInvitationBody,
  type Invitation,
  type Me,
  type Member,
  type MemberSession,
  type MemberSummary,
  type Outcome,
  type Principal,
  type UpdateMemberBody,
} from "../../schema";
import { attachmentOf } from "../connections";
import { sessionTimeouts, userAgentSummary } from "../domain/session-timeouts";
import { sha256Hex } from "../lib/crypto";
import { MemberSessionStore } from "../store/member-sessions";
import { MemberStore } from "../store/members";
import { SocketCounters } from "../store/socket-counters";
import type { Host } from "./host";
import type { LoginGuard } from "./login-guard";
import { closeEnded } from "./socket-guard";

/** A session just opened for a member: its secret goes into the cookie and nowhere else. */
export type OpenedSession = { session: string; expiresAt: string; member: Member };

/** How a sign-in reached `startSession`, for the audit trail ("invitation", later "passkey", "oidc"). */
export type SignInMethod = "invitation" | "passkey" | "oidc" | "access";

/** The same answer for an unknown, used, revoked, expired or foreign invitation: no oracle. */
export const invalidInvitation = () =>
  fail(
    410,
    "invitation_invalid",
    "This invitation link is unknown, already used, revoked or expired; ask an admin of the workspace for a new one.",
    { field: "token" },
  );

/**
 * People who sign in as themselves: members with a role, invitations (single-use secrets,
 * shown once, stored hashed, expiring), their browser sessions, and the one function every
 * sign-in method ends in (`startSession`). Access control stays in access.ts, which asks
 * `resolveSession` / `resolveTicket` here for credentials it does not know.
 */
export class Members {
  readonly store: MemberStore;
  readonly sessions: MemberSessionStore;
  private readonly socketCounters: SocketCounters;

  constructor(
    private readonly host: Host,
    private readonly logins: () => LoginGuard,
  ) {
    this.store = new MemberStore(host.sql, () => host.workspaceId());
    this.sessions = new MemberSessionStore(
      host.sql,
      () => host.workspaceId(),
      sessionTimeouts(host.env),
    );
    this.socketCounters = new SocketCounters(host.sql);
  }

  list(): Member[] {
    return this.store.list();
  }

  /** The `members` frame: names and roles only (who did what), never addresses. */
  roster(): MemberSummary[] {
    return this.store.list().map(({ id, name, role, disabledAt }) => ({
      id,
      name,
      role,
      ...(disabledAt ? { disabledAt } : {}),
    }));
  }

  /**
   * Changes a member's role or disables (or re-enables) them. The last active admin can be
   * neither demoted nor disabled (409 `last_admin`). A role change renews the member's
   * sessions on their next request; disabling ends their sessions and closes their sockets.
   */
  update(actor: Principal, id: string, body: UpdateMemberBody): Outcome<Member> {
    const before = this.store.get(id);
    if (!before) return fail(404, "not_found", `No member with id '${id}'.`, { field: "id" });
    const demoting = body.role !== undefined && body.role !== "admin";
    const disabling = body.disabled === true && before.disabledAt === undefined;
    if (
      before.role === "admin" &&
      before.disabledAt === undefined &&
      (demoting || disabling) &&
      this.store.activeAdmins() <= 1
    )
      return fail(
        409,
        "last_admin",
        `'${before.name}' is the workspace's last admin: make another member admin first, then ${disabling ? "disable" : "demote"} this one.`,
        { field: demoting ? "role" : "disabled" },
      );
    const now = new Date();
    const after = this.host.transaction(() => {
      const updated = this.store.update(id, body, now);
      if (updated.role !== before.role) this.sessions.markRenew(id);
      if (disabling) this.sessions.closeAll(id);
      return updated;
    });
    this.host.audit.record(actor, "member.update", id, { before, after }, now);
    if (disabling) this.closeSockets(id, "member_disabled");
    // A socket carries the role it was opened with: reopening picks up the new one.
    else if (after.role !== before.role) this.closeSockets(id, "signed_out");
    this.host.publish({ type: "members", payload: [] });
    return ok(after);
  }

  /**
   * Invites an address to a role; the secret is in this result only. Inviting a member's own
   * address sends them a sign-in link instead (their role stays as it is): until passkeys and
   * single sign-on arrive, that is how a member whose sessions ended gets back in.
   */
  async invite(
    actor: Principal | Actor,
    body: CreateInvitationBody,
  ): Promise<Outcome<{ invitation: Invitation; token: string }>> {
    const existing = this.store.byEmail(body.email);
    if (existing?.disabledAt)
      return fail(
        409,
        "member_disabled",
        `${body.email} is a disabled member: enable them first (PATCH members/${existing.id}).`,
        { field: "email" },
      );
    const now = new Date();
    const by = "kind" in actor ? actor : actorOf(actor);
    const issued = await this.store.invite(body.email, body.role, by, now, OPEN_INVITATIONS_MAX);
    if (!issued)
      return fail(
        409,
        "limit_reached",
        `This workspace has ${OPEN_INVITATIONS_MAX} open invitations, the most it keeps; revoke one first or wait for some to expire.`,
      );
    const after = { email: body.email, role: body.role, expiresAt: issued.invitation.expiresAt };
    this.host.audit.record(by, "invitation.create", issued.invitation.id, { after }, now);
    return ok(issued);
  }

  invitations(): Invitation[] {
    return this.store.openInvitations(Date.now());
  }

  revokeInvitation(actor: Principal, id: string): Outcome<Invitation> {
    const before = this.store.invitation(id);
    if (!before || !this.store.deleteInvitation(id))
      return fail(404, "not_found", `No open invitation with id '${id}'.`, { field: "id" });
    this.host.audit.record(actor, "invitation.revoke", id, { before }, new Date());
    return ok(before);
  }

  /**
   * Redeems an invitation: creates the member and signs them in. Unauthenticated callers reach
   * this, so each attempt is charged to the sign-in limits first and a failure is only
   * counted. Every failure leaves nothing stored. `replaces` is the session cookie the browser
   * already held, ended so it cannot be fixed on the new member. Passkey registration will
   * attach here: after the member exists and before the session starts.
   */
  async accept(
    body: AcceptInvitationBody,
    client: { address: string; userAgent?: string; replaces?: string },
  ): Promise<Outcome<OpenedSession>> {
    const now = new Date();
    const logins = this.logins();
    const admitted = logins.admit(client.address, now.getTime());
    if (!admitted.ok) return admitted;
    const hash = await sha256Hex(body.token);
    const invitation = this.store.redeemable(hash, now.getTime());
    if (!invitation) {
      logins.failed(now.getTime());
      return invalidInvitation();
    }
    const existing = this.store.byEmail(invitation.email);
    if (existing) {
      // A sign-in link for a member: used up, and the member signed in as they are.
      if (existing.disabledAt)
        return fail(
          403,
          "member_disabled",
          "This member is disabled; ask an admin to enable them.",
        );
      logins.succeeded(client.address);
      this.store.deleteInvitation(invitation.id);
      return this.startSession(existing.id, "invitation", client);
    }
    if (this.store.count() >= MEMBERS_MAX)
      return fail(
        409,
        "limit_reached",
        `This workspace has ${MEMBERS_MAX} members, the most it keeps; an admin must remove some first.`,
      );
    logins.succeeded(client.address);
    const member = this.host.transaction(() => {
      this.store.deleteInvitation(invitation.id);
      return this.store.add(invitation.email, body.name, invitation.role, now);
    });
    const actor: Actor = { kind: "member", memberId: member.id, name: member.name };
    const after = { email: member.email, name: member.name, role: member.role };
    this.host.audit.record(actor, "member.join", member.id, { before: invitation, after }, now);
    this.host.publish({ type: "members", payload: [] });
    return this.startSession(member.id, "invitation", client);
  }

  /**
   * The one function every sign-in method ends in (an accepted invitation now; passkeys and
   * single sign-on next): starts a fresh session for an active member, ending the session the
   * browser presented (`replaces`), so a session id planted before sign-in never becomes
   * the member's (fixation). Audited as `session.open` with the method.
   */
  async startSession(
    memberId: string,
    method: SignInMethod,
    client: { userAgent?: string; replaces?: string },
  ): Promise<Outcome<OpenedSession>> {
    const member = this.store.active(memberId);
    if (!member)
      return fail(403, "member_disabled", "This member is disabled; ask an admin to enable them.");
    const now = Date.now();
    if (client.replaces) await this.endSession(client.replaces);
    const opened = await this.sessions.open(memberId, userAgentSummary(client.userAgent), now);
    this.store.seen(memberId, now);
    const actor: Actor = { kind: "member", memberId, name: member.name };
    this.host.audit.record(actor, "session.open", memberId, { after: { method } }, new Date(now));
    return ok({
      session: opened.secret,
      expiresAt: new Date(opened.expiresAt).toISOString(),
      member: this.store.get(memberId)!,
    });
  }

  /**
   * Swaps a session marked for renewal (its member's role changed) for a fresh one; the old
   * one lapses within seconds. Undefined when it is not live or not marked.
   */
  async renewSession(secret: string): Promise<{ session: string; expiresAt: string } | undefined> {
    const renewed = await this.sessions.renew(secret, Date.now());
    if (!renewed) return undefined;
    return { session: renewed.secret, expiresAt: new Date(renewed.expiresAt).toISOString() };
  }

  /** Ends a member session by its secret (sign-out, or one replaced at sign-in). */
  async endSession(secret: string): Promise<string> {
    const hash = await this.sessions.close(secret);
    this.closeSockets(undefined, "signed_out", hash);
    return hash;
  }

  /** `GET api/me`: the caller, and for a member their record and sign-in methods. */
  me(principal: Principal): Me {
    const actor = actorOf(principal);
    if (principal.memberId === undefined) return { actor, role: principal.role };
    const member = this.store.get(principal.memberId);
    return {
      actor,
      role: principal.role,
      ...(member ? { member, credentials: this.store.credentialKinds(member.id) } : {}),
    };
  }

  /** The caller's own live sessions; `current` marks the one asking. */
  async mySessions(principal: Principal, secret?: string): Promise<Outcome<MemberSession[]>> {
    if (principal.memberId === undefined) return notMember();
    const hash = secret === undefined ? undefined : await sha256Hex(secret);
    return ok(this.sessions.list(principal.memberId, hash, Date.now()));
  }

  /** Signs the caller out everywhere: every session ends and every socket of theirs closes. */
  signOutEverywhere(principal: Principal): Outcome<{ ended: number }> {
    if (principal.memberId === undefined) return notMember();
    const ended = this.sessions.closeAll(principal.memberId);
    const now = new Date();
    this.host.audit.record(principal, "session.close_all", principal.memberId, {}, now);
    this.closeSockets(principal.memberId, "signed_out");
    return ok({ ended });
  }

  /**
   * The principal behind a member session's hash, or undefined: the session must be live and
   * its member active. The role is read from the member on every call, so a change applies
   * at once.
   */
  resolveSession(
    hash: string,
    now: number,
  ): { principal: Principal; session: string; expiresAt: number } | undefined {
    const live = this.sessions.resolve(hash, now);
    if (!live) return undefined;
    const member = this.store.active(live.memberId);
    if (!member) return undefined;
    this.store.seen(member.id, now);
    return {
      principal: {
        tokenId: member.id,
        memberId: member.id,
        name: member.name,
        role: member.role,
        ...(live.renew ? { renewSession: true as const } : {}),
      },
      session: hash,
      expiresAt: live.expiresAt,
    };
  }

  /** Why a socket of this member (opened with this session) must close now, if it must. */
  socketEnded(
    memberId: string,
    session: string | undefined,
    now: number,
  ): "member_disabled" | "signed_out" | "session_expired" | undefined {
    if (!this.store.active(memberId)) return "member_disabled";
    return session === undefined ? "signed_out" : this.sessions.ended(session, now);
  }

  /** Closes (1008) the open sockets of a member, or of one session (by hash). */
  private closeSockets(
    memberId: string | undefined,
    reason: "signed_out" | "member_disabled",
    sessionHash?: string,
  ): void {
    for (const ws of this.host.sockets()) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      const a = attachmentOf(ws);
      if (!a) continue;
      const mine =
        memberId !== undefined ? a.principal.memberId === memberId : a.session === sessionHash;
      if (mine) closeEnded(ws, reason, this.socketCounters);
    }
  }
}

const notMember = () =>
  fail(
    403,
    "member_required",
    "Only a member signed in as themselves has sessions; an API token has none.",
  );
