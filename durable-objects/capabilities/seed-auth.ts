import {
  JWT_TTL_SECONDS,
  ok,
  type AcceptInvitationBody,
  type AuthRegistered,
  type AuthVerified,
  type IssuedJwt,
  type Outcome,
  type Principal,
} from "../../schema";
import { looksLikeJwt } from "../../lib/jwt-shape";
import type { Access } from "./access";
import type { Host } from "./host";
import type { JwtKeys, VerifiedJwt } from "./jwt-keys";
import { invalidLogin } from "./login-guard";
import type { Members } from "./members";
import { sha256Hex } from "../lib/crypto";

/** What `/auth/login` exchanges: an API token, or a browser session (refresh). */
export type LoginCredential = { token: string } | { session: string };

/**
 * The seed products' auth endpoints (`/auth/login`, `/auth/register`, `/auth/verify`): an
 * existing credential or an invitation exchanged for a short-lived JWT, and a JWT resolved
 * back to its principal. A JWT names its subject (member or token) and, when minted from a
 * member's session, that session (`sid`); every use looks them up by primary key, so a
 * disabled member, revoked token or ended session stops its JWTs at once, not at `exp`.
 */
export class SeedAuth {
  constructor(
    private readonly host: Host,
    private readonly access: () => Access,
    private readonly members: Members,
    private readonly keys: JwtKeys,
  ) {}

  /**
   * `POST /auth/login`: charged to the sign-in limits before anything is judged; every
   * failure is the one `invalidLogin` answer, counted and never stored.
   */
  async login(credential: LoginCredential, client: string): Promise<Outcome<IssuedJwt>> {
    const now = Date.now();
    const logins = this.access().logins;
    const admitted = logins.admit(client, now);
    if (!admitted.ok) return admitted;
    const resolved = await this.resolveCredential(credential, now);
    if (!resolved) {
      logins.failed(now);
      return invalidLogin();
    }
    logins.succeeded(client);
    return this.issue(resolved.principal, resolved.sid, now);
  }

  /** `POST /auth/register`: the invitation path of `invitations/accept`, plus a JWT. */
  async register(
    body: AcceptInvitationBody,
    client: { address: string; userAgent?: string; replaces?: string },
  ): Promise<Outcome<AuthRegistered & { session: string }>> {
    const opened = await this.members.accept(body, client);
    if (!opened.ok) return opened;
    const { member, session, expiresAt } = opened.value;
    const now = Date.now();
    const hash = await sha256Hex(session);
    const principal: Principal = {
      tokenId: member.id,
      memberId: member.id,
      name: member.name,
      role: member.role,
    };
    const jwt = await this.issue(principal, this.members.sessions.idOf(hash), now);
    if (!jwt.ok) return jwt;
    return ok({ ...jwt.value, member, sessionExpiresAt: expiresAt, session });
  }

  /** The principal a JWT speaks for now, or undefined (bad JWT, or its subject is gone). */
  async principal(jwt: string, now = Date.now()): Promise<Principal | undefined> {
    return (await this.resolveJwt(jwt, now))?.principal;
  }

  /** `GET /auth/verify` with a JWT, or a session/token credential already resolved. */
  async verify(
    credential: { jwt: string } | { session: string },
  ): Promise<AuthVerified | undefined> {
    const now = Date.now();
    const resolved =
      "jwt" in credential
        ? await this.resolveJwt(credential.jwt, now)
        : await this.resolveCredential(credential, now);
    if (!resolved) return undefined;
    return {
      workspace: this.host.workspaceId(),
      ...this.describe(resolved.principal),
      ...(resolved.expiresAt ? { expiresAt: new Date(resolved.expiresAt).toISOString() } : {}),
    };
  }

  private async resolveCredential(
    credential: LoginCredential,
    now: number,
  ): Promise<{ principal: Principal; sid?: string; expiresAt?: number } | undefined> {
    if (!this.host.info()) return undefined;
    const store = this.access().store;
    if ("token" in credential) {
      // A JWT cannot mint its own successor: only the session or the token it came from can.
      if (looksLikeJwt(credential.token)) return undefined;
      const found = await store.resolveWithSession(
        { kind: "token", secret: credential.token },
        new Date(now),
      );
      return found && { principal: found.principal };
    }
    const found = await store.resolveWithSession(
      { kind: "session", secret: credential.session },
      new Date(now),
    );
    if (!found) return undefined;
    const memberSession =
      found.principal.memberId !== undefined && found.session !== undefined
        ? this.members.sessions.idOf(found.session)
        : undefined;
    return {
      principal: found.principal,
      ...(memberSession ? { sid: memberSession } : {}),
      ...(found.expiresAt ? { expiresAt: found.expiresAt } : {}),
    };
  }

  private async resolveJwt(
    jwt: string,
    now: number,
  ): Promise<{ principal: Principal; expiresAt: number } | undefined> {
    if (!this.host.info()) return undefined;
    const claims = await this.keys.verify(jwt, now);
    if (!claims) return undefined;
    const principal = this.subject(claims, now);
    return principal && { principal, expiresAt: claims.expiresAt };
  }

  /** The subject as it is now: primary-key lookups, and the role read fresh. */
  private subject(claims: VerifiedJwt, now: number): Principal | undefined {
    if (claims.kind === "token") {
      const token = this.access().store.getToken(claims.sub);
      if (!token || token.revokedAt) return undefined;
      return { tokenId: token.id, name: token.name, role: token.role };
    }
    const member = this.members.store.active(claims.sub);
    if (!member) return undefined;
    if (claims.sid !== undefined && !this.members.sessions.liveById(claims.sid, now))
      return undefined;
    return { tokenId: member.id, memberId: member.id, name: member.name, role: member.role };
  }

  private async issue(
    principal: Principal,
    sid: string | undefined,
    now: number,
  ): Promise<Outcome<IssuedJwt>> {
    const kind = principal.memberId !== undefined ? "member" : "token";
    const signed = await this.keys.sign(
      { sub: principal.tokenId, kind, ...(sid ? { sid } : {}) },
      now,
    );
    if (!signed.ok) return signed;
    const subject = this.describe(principal);
    return ok({
      accessToken: signed.value.jwt,
      tokenType: "Bearer" as const,
      expiresIn: JWT_TTL_SECONDS,
      expiresAt: new Date(signed.value.expiresAt).toISOString(),
      ...subject,
    });
  }

  private describe(principal: Principal) {
    if (principal.memberId === undefined)
      return { role: principal.role, token: { id: principal.tokenId, name: principal.name } };
    const member = this.members.store.get(principal.memberId);
    return {
      role: principal.role,
      ...(member ? { member: { id: member.id, name: member.name, email: member.email } } : {}),
    };
  }
}
