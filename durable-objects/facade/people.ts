import type { Access } from "../capabilities/access";
import type { Idempotency } from "../capabilities/idempotency";
import type { Members } from "../capabilities/members";
import type { Passkeys as P } from "../capabilities/passkeys";
import type { SeedAuth } from "../capabilities/seed-auth";
import type { SingleSignOn } from "../capabilities/sso";
import { WorkspaceBase } from "./base";

/** Who may do what: the workspace record, tokens, sessions, members, audit and idempotency. */
export class PeopleFacade extends WorkspaceBase {
  // ── Workspace, access, audit, idempotency (capabilities/access.ts, idempotency.ts) ──
  create(...a: Parameters<Access["create"]>) {
    return this.c.access.create(...a);
  }
  info() {
    return this.host.info();
  }
  authenticate(...a: Parameters<Access["authenticate"]>) {
    return this.c.access.authenticate(...a);
  }
  admit(...a: Parameters<Access["admit"]>) {
    return this.c.access.admit(...a);
  }
  openSession(...a: Parameters<Access["openSession"]>) {
    return this.c.access.openSession(...a);
  }
  /** Sign-in failures and refusals for `/metrics` (capabilities/login-guard.ts). */
  loginStats() {
    return this.c.access.logins.stats(Date.now());
  }
  closeSession(...a: Parameters<Access["closeSession"]>) {
    return this.c.access.closeSession(...a);
  }
  issueSocketTicket(...a: Parameters<Access["issueSocketTicket"]>) {
    return this.c.access.issueSocketTicket(...a);
  }
  listTokens() {
    return this.c.access.listTokens();
  }
  createToken(...a: Parameters<Access["createToken"]>) {
    return this.c.access.createToken(...a);
  }
  revokeToken(...a: Parameters<Access["revokeToken"]>) {
    return this.c.access.revokeToken(...a);
  }
  auditPage(...a: Parameters<Access["auditPage"]>) {
    return this.c.access.auditPage(...a);
  }

  // ── Members, invitations, member sessions (capabilities/members.ts) ────────────────
  listMembers() {
    return this.c.members.list();
  }
  updateMember(...a: Parameters<Members["update"]>) {
    return this.c.members.update(...a);
  }
  createInvitation(...a: Parameters<Members["invite"]>) {
    return this.c.members.invite(...a);
  }
  listInvitations() {
    return this.c.members.invitations();
  }
  revokeInvitation(...a: Parameters<Members["revokeInvitation"]>) {
    return this.c.members.revokeInvitation(...a);
  }
  acceptInvitation(...a: Parameters<Members["accept"]>) {
    return this.c.members.accept(...a);
  }
  renewMemberSession(...a: Parameters<Members["renewSession"]>) {
    return this.c.members.renewSession(...a);
  }
  me(...a: Parameters<Members["me"]>) {
    return this.c.members.me(...a);
  }
  mySessions(...a: Parameters<Members["mySessions"]>) {
    return this.c.members.mySessions(...a);
  }
  signOutEverywhere(...a: Parameters<Members["signOutEverywhere"]>) {
    return this.c.members.signOutEverywhere(...a);
  }
  // Passkeys (capabilities/passkeys.ts)
  passkeyJoinOptions(...a: Parameters<P["joinOptions"]>) {
    return this.c.passkeys.joinOptions(...a);
  }
  passkeyJoin(...a: Parameters<P["join"]>) {
    return this.c.passkeys.join(...a);
  }
  passkeySignInOptions(...a: Parameters<P["signInOptions"]>) {
    return this.c.passkeys.signInOptions(...a);
  }
  passkeySignIn(...a: Parameters<P["signIn"]>) {
    return this.c.passkeys.signIn(...a);
  }
  myPasskeys(...a: Parameters<P["list"]>) {
    return this.c.passkeys.list(...a);
  }
  passkeyAddOptions(...a: Parameters<P["addOptions"]>) {
    return this.c.passkeys.addOptions(...a);
  }
  addPasskey(...a: Parameters<P["add"]>) {
    return this.c.passkeys.add(...a);
  }
  removePasskey(...a: Parameters<P["remove"]>) {
    return this.c.passkeys.remove(...a);
  }
  // ── Single sign-on and Cloudflare Access (capabilities/sso.ts) ──
  ssoConfig() {
    return this.c.sso.view();
  }
  ssoEnabled() {
    return this.c.sso.enabled();
  }
  configureSso(...a: Parameters<SingleSignOn["configure"]>) {
    return this.c.sso.configure(...a);
  }
  accessConfig() {
    return this.c.sso.accessSettings();
  }
  configureAccess(...a: Parameters<SingleSignOn["configureAccess"]>) {
    return this.c.sso.configureAccess(...a);
  }
  ssoStart(...a: Parameters<SingleSignOn["start"]>) {
    return this.c.sso.start(...a);
  }
  ssoComplete(...a: Parameters<SingleSignOn["complete"]>) {
    return this.c.sso.complete(...a);
  }
  accessSignIn(...a: Parameters<SingleSignOn["accessSignIn"]>) {
    return this.c.sso.accessSignIn(...a);
  }

  // ── Seed auth endpoints: JWT bearers (capabilities/seed-auth.ts, jwt-keys.ts) ──
  jwtLogin(...a: Parameters<SeedAuth["login"]>) {
    return this.c.seedAuth.login(...a);
  }
  jwtRegister(...a: Parameters<SeedAuth["register"]>) {
    return this.c.seedAuth.register(...a);
  }
  jwtVerify(...a: Parameters<SeedAuth["verify"]>) {
    return this.c.seedAuth.verify(...a);
  }
  jwks() {
    return this.c.jwtKeys.jwks();
  }

  claimIdempotency(...a: Parameters<Idempotency["claim"]>) {
    return this.c.idempotency.claim(...a);
  }
  completeIdempotency(...a: Parameters<Idempotency["complete"]>) {
    return this.c.idempotency.complete(...a);
  }
  releaseIdempotency(...a: Parameters<Idempotency["release"]>) {
    return this.c.idempotency.release(...a);
  }
}
