import {
  ACTIVE_TOKENS_MAX,
  fail,
  ok,
  type Admission,
  type ApiToken,
  type AuditQuery,
  type AuditRecord,
  type CreateTokenBody,
  type Credential,
  type IssuedToken,
  type Outcome,
  type Principal,
  type WorkspaceInfo,
} from "../../schema";
import { attachmentOf, type SocketAttachment } from "../connections";
import { TokenBuckets } from "../../lib/token-bucket";
import { looksLikeJwt } from "../../lib/jwt-shape";
import { AccessStore, type MemberSessions } from "../store/access";
import { SocketCounters } from "../store/socket-counters";
import { LoginGuard, invalidLogin } from "./login-guard";
import type { Host } from "./host";
import { closeEnded } from "./socket-guard";

/**
 * Who may do what: the workspace record, API tokens, browser sessions, socket tickets, the
 * per-token mutation rate limit, and the audit trail's reads.
 */
export class Access {
  readonly store: AccessStore;
  /**
   * REST mutations: 120 burst, 2/s sustained per token, charged in `admit` (the same call
   * that authenticates, so no extra round trip). In memory on purpose: this object sees every
   * request of its workspace, so the count is exact, and eviction only resets allowances.
   */
  private readonly mutationBuckets = new TokenBuckets(120, 2);
  private readonly socketCounters: SocketCounters;
  /** Sign-in rate limits and failure counters (login-guard.ts). */
  readonly logins: LoginGuard;

  constructor(
    private readonly host: Host,
    private readonly members?: MemberSessions & { endSession(secret: string): Promise<string> },
    /** Resolves a JWT bearer (seed-auth.ts); absent, a JWT is just an unknown token. */
    private readonly jwt?: (secret: string) => Promise<Principal | undefined>,
  ) {
    this.store = new AccessStore(host.sql, () => host.workspaceId(), members);
    this.socketCounters = new SocketCounters(host.sql);
    this.logins = new LoginGuard(host.sql);
  }

  /** Creates the workspace and returns its first admin token (shown once). */
  async create(
    info: { id: string; name: string },
    adminName: string,
  ): Promise<Outcome<IssuedToken>> {
    if (this.host.info())
      return fail(409, "workspace_exists", `Workspace '${info.id}' already exists.`, {
        field: "id",
      });
    const now = new Date();
    const record: WorkspaceInfo = { ...info, createdAt: now.toISOString() };
    this.host.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('workspace', ?)",
      JSON.stringify(record),
    );
    // The first token of a new workspace: no cap can be reached yet.
    const token = (await this.store.issueToken(adminName, "admin", "operator", now))!;
    const { audit } = this.host;
    audit.record("operator", "workspace.create", info.id, { after: record }, now);
    const after = { name: adminName, role: "admin" };
    audit.record("operator", "token.create", token.id, { after }, now);
    return ok(token);
  }

  /** Resolves a token, session or socket ticket to its principal; undefined when invalid. */
  async authenticate(credential: Credential): Promise<Principal | undefined> {
    if (!this.host.info()) return undefined;
    if (credential.kind === "token" && this.jwt && looksLikeJwt(credential.secret))
      return this.jwt(credential.secret);
    return this.store.resolve(credential, new Date());
  }

  /** Authenticates a mutation and charges its token's rate limit in one call. */
  async admit(credential: Credential): Promise<Admission> {
    const principal = await this.authenticate(credential);
    if (!principal) return { result: "unauthenticated" };
    const charge = this.mutationBuckets.take(principal.tokenId, Date.now());
    if (charge.ok) return { result: "admitted", principal };
    return {
      result: "rate_limited",
      tokenName: principal.name,
      retryAfterSeconds: charge.retryAfterSeconds,
    };
  }

  /**
   * Exchanges a token for a browser session. Unauthenticated callers reach this, so every
   * attempt is charged to the sign-in limits first (per client address, then per workspace),
   * and a failure is only counted (`counters`), never written as a row of its own; a success
   * is audited. `client` is the caller's IP as the Worker saw it (older Workers send none).
   * @example await stub.openSession("odk.demo.…", "203.0.113.7")
   */
  async openSession(
    token: string,
    client = "unknown",
    replaces?: string,
  ): Promise<Outcome<{ session: string; expiresAt: string; principal: Principal }>> {
    const now = new Date();
    const admitted = this.logins.admit(client, now.getTime());
    if (!admitted.ok) return admitted;
    const principal = await this.authenticate({ kind: "token", secret: token });
    if (!principal) {
      this.logins.failed(now.getTime());
      return invalidLogin();
    }
    this.logins.succeeded(client);
    // The session the browser already held ends: a sign-in always gets a new id (fixation).
    if (replaces !== undefined) await this.endAnySession(replaces);
    const { secret, expiresAt } = await this.store.openSession(principal.tokenId, now);
    this.host.audit.record(principal, "session.open", principal.tokenId, {}, now);
    return ok({ session: secret, expiresAt: expiresAt.toISOString(), principal });
  }

  /** Ends a browser session and the live sockets opened with it. */
  async closeSession(actor: Principal, session: string): Promise<void> {
    await this.endAnySession(session);
    this.host.audit.record(actor, "session.close", actor.tokenId, {}, new Date());
  }

  /** Ends a token's or a member's browser session and the sockets opened with it. */
  private async endAnySession(session: string): Promise<void> {
    const hash = await this.store.closeSession(session);
    this.closeSockets((a) => a.session === hash, "signed_out");
    if (this.members) await this.members.endSession(session);
  }

  /** `session`: the browser session asking, if any, so its sockets close when it ends. */
  async issueSocketTicket(
    actor: Principal,
    session?: string,
  ): Promise<{ ticket: string; expiresAt: string }> {
    const { ticket, expiresAt } = await this.store.issueTicket(actor.tokenId, new Date(), session);
    return { ticket, expiresAt: expiresAt.toISOString() };
  }

  listTokens(): ApiToken[] {
    return this.store.listTokens();
  }

  /** Mints a token (its secret is in this result only), up to `ACTIVE_TOKENS_MAX` active ones. */
  async createToken(actor: Principal, body: CreateTokenBody): Promise<Outcome<IssuedToken>> {
    const now = new Date();
    const token = await this.store.issueToken(
      body.name,
      body.role,
      actor.name,
      now,
      ACTIVE_TOKENS_MAX,
    );
    if (!token)
      return fail(
        409,
        "limit_reached",
        `This workspace has ${ACTIVE_TOKENS_MAX} active tokens, the most it keeps; revoke one it no longer uses first.`,
      );
    const after = { name: body.name, role: body.role };
    this.host.audit.record(actor, "token.create", token.id, { after }, now);
    return ok(token);
  }

  /** Revokes a token; its live sockets close. */
  revokeToken(actor: Principal, id: string): Outcome<ApiToken> {
    const before = this.store.getToken(id);
    if (!before) return fail(404, "not_found", `No token with id '${id}'.`, { field: "id" });
    const now = new Date();
    this.store.revokeToken(id, now);
    const after = this.store.getToken(id)!;
    this.host.audit.record(actor, "token.revoke", id, { before, after }, now);
    this.closeSockets((a) => a.principal.tokenId === id, "token_revoked");
    return ok(after);
  }

  auditPage(query: AuditQuery): AuditRecord[] {
    return this.host.audit.page(query.limit, query.before, query.actor);
  }

  /** Closes (1008) and counts the open sockets that `match`; the minute sweep is the backstop. */
  private closeSockets(
    match: (attachment: SocketAttachment) => boolean,
    reason: "signed_out" | "token_revoked",
  ): void {
    for (const ws of this.host.sockets()) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      const attachment = attachmentOf(ws);
      if (attachment && match(attachment)) closeEnded(ws, reason, this.socketCounters);
    }
  }
}
