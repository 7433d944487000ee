import {
  ApiToken,
  type Credential,
  type IssuedToken,
  type Principal,
  type Role,
} from "../../schema";
import { randomSecret, sha256Hex } from "../lib/crypto";
import { pruneSessions, pruneTickets } from "./retention";

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const TICKET_TTL_MS = 60 * 1000;
/**
 * Live sessions per token: each sign-in adds one for 12 h, so without a cap a loop of
 * sign-ins fills the table. Beyond it the oldest session of that token ends.
 */
export const MAX_SESSIONS_PER_TOKEN = 20;
/** Unused socket tickets per token (each lives a minute); beyond it the oldest lapses. */
export const MAX_TICKETS_PER_TOKEN = 50;
/** Expired rows removed per sign-in or ticket; the `retention` alarm task removes the rest. */
const EXPIRED_PER_WRITE = 20;

/**
 * Member sessions (capabilities/members.ts) as access control needs them: a session's
 * principal by its hash, and why a member's socket must close.
 */
export type MemberSessions = {
  resolveSession(
    hash: string,
    now: number,
  ): { principal: Principal; session: string; expiresAt: number } | undefined;
  socketEnded(
    memberId: string,
    session: string | undefined,
    now: number,
  ): "member_disabled" | "signed_out" | "session_expired" | undefined;
};

type TokenRow = {
  id: string;
  name: string;
  role: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
};

function toToken(row: TokenRow): ApiToken {
  return ApiToken.parse({
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
  });
}

/**
 * API tokens (stored as SHA-256 hashes), browser sessions and single-use socket tickets.
 * Hashing happens before any storage call so each method's writes commit together.
 */
export class AccessStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly workspaceId: () => string,
    private readonly members?: MemberSessions,
  ) {}

  /**
   * Mints a token, or returns undefined when the workspace already has `maxActive` active
   * ones. The count is taken after the only await, so no other request can slip in between it
   * and the insert.
   */
  async issueToken(
    name: string,
    role: Role,
    createdBy: string,
    now: Date,
    maxActive = Number.POSITIVE_INFINITY,
  ): Promise<IssuedToken | undefined> {
    const token = randomSecret("odk", this.workspaceId());
    const hash = await sha256Hex(token);
    if (this.activeTokenCount() >= maxActive) return undefined;
    const id = crypto.randomUUID();
    this.sql.exec(
      "INSERT INTO tokens (id, name, role, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
      id,
      name,
      role,
      hash,
      now.toISOString(),
      createdBy,
    );
    return { ...this.getToken(id)!, token };
  }

  /** Tokens not revoked. */
  activeTokenCount(): number {
    return this.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM tokens WHERE revoked_at IS NULL")
      .one().n;
  }

  getToken(id: string): ApiToken | undefined {
    const row = this.sql.exec<TokenRow>("SELECT * FROM tokens WHERE id = ?", id).next();
    return row.done ? undefined : toToken(row.value);
  }

  listTokens(): ApiToken[] {
    return this.sql
      .exec<TokenRow>("SELECT * FROM tokens ORDER BY created_at")
      .toArray()
      .map(toToken);
  }

  revokeToken(id: string, now: Date): void {
    this.sql.exec(
      "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
      now.toISOString(),
      id,
    );
    this.sql.exec("DELETE FROM sessions WHERE token_id = ?", id);
    this.sql.exec("DELETE FROM tickets WHERE token_id = ?", id);
  }

  async resolve(credential: Credential, now: Date): Promise<Principal | undefined> {
    return (await this.resolveWithSession(credential, now))?.principal;
  }

  /**
   * Like `resolve`, and also names the browser session behind the credential (its hash): a
   * session cookie's own, or the session a socket ticket was issued to.
   */
  async resolveWithSession(
    credential: Credential,
    now: Date,
  ): Promise<{ principal: Principal; session?: string; expiresAt?: number } | undefined> {
    const hash = await sha256Hex(credential.secret);
    const found = this.lookup(credential.kind, hash, now.getTime());
    if (!found) return this.resolveMember(credential.kind, hash, now.getTime());
    const row = this.sql
      .exec<TokenRow>("SELECT * FROM tokens WHERE id = ? AND revoked_at IS NULL", found.token_id)
      .next();
    if (row.done) return undefined;
    if (credential.kind === "ticket") this.sql.exec("DELETE FROM tickets WHERE hash = ?", hash);
    // At most one write a minute per token: every request and socket connect authenticates.
    this.sql.exec(
      "UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
      now.toISOString(),
      found.token_id,
      new Date(now.getTime() - 60_000).toISOString(),
    );
    const token = toToken(row.value);
    return {
      principal: { tokenId: token.id, name: token.name, role: token.role },
      session: found.session ?? undefined,
      ...(found.expires_at === null ? {} : { expiresAt: found.expires_at }),
    };
  }

  /**
   * A member's session, or a socket ticket issued to one (consumed here), by hash. Token
   * credentials never get here: a member has no bearer token.
   */
  private resolveMember(
    kind: Credential["kind"],
    hash: string,
    nowMs: number,
  ): { principal: Principal; session?: string; expiresAt?: number } | undefined {
    if (!this.members || kind === "token") return undefined;
    if (kind === "session") return this.members.resolveSession(hash, nowMs);
    const ticket = this.sql
      .exec<{ token_id: string; session_hash: string | null }>(
        "SELECT token_id, session_hash FROM tickets WHERE hash = ? AND expires_at > ?",
        hash,
        nowMs,
      )
      .next();
    if (ticket.done || ticket.value.session_hash === null) return undefined;
    const resolved = this.members.resolveSession(ticket.value.session_hash, nowMs);
    if (!resolved || resolved.principal.memberId !== ticket.value.token_id) return undefined;
    this.sql.exec("DELETE FROM tickets WHERE hash = ?", hash);
    return resolved;
  }

  /**
   * Why a socket opened by this principal (with this browser session, by hash) must close
   * now, or undefined while both still hold. Two primary-key lookups: cheap enough for every
   * inbound frame and for the minute sweep.
   */
  socketEnded(
    principal: Principal,
    session: string | undefined,
    nowMs: number,
  ): "token_revoked" | "signed_out" | "session_expired" | "member_disabled" | undefined {
    if (principal.memberId !== undefined)
      return this.members?.socketEnded(principal.memberId, session, nowMs) ?? "signed_out";
    const tokenId = principal.tokenId;
    const token = this.sql
      .exec("SELECT 1 FROM tokens WHERE id = ? AND revoked_at IS NULL", tokenId)
      .next();
    if (token.done) return "token_revoked";
    if (session === undefined) return undefined;
    const row = this.sql
      .exec<{ expires_at: number }>("SELECT expires_at FROM sessions WHERE hash = ?", session)
      .next();
    if (row.done) return "signed_out";
    return row.value.expires_at <= nowMs ? "session_expired" : undefined;
  }

  async openSession(tokenId: string, now: Date): Promise<{ secret: string; expiresAt: Date }> {
    const secret = randomSecret("ods", this.workspaceId());
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    const hash = await sha256Hex(secret);
    pruneSessions(this.sql, now.getTime(), EXPIRED_PER_WRITE);
    this.sql.exec(
      "INSERT INTO sessions (hash, token_id, expires_at) VALUES (?, ?, ?)",
      hash,
      tokenId,
      expiresAt.getTime(),
    );
    this.keepNewest("sessions", tokenId, MAX_SESSIONS_PER_TOKEN);
    return { secret, expiresAt };
  }

  /** Ends a session; returns its hash, which the session's sockets carry. */
  async closeSession(secret: string): Promise<string> {
    const hash = await sha256Hex(secret);
    this.sql.exec("DELETE FROM sessions WHERE hash = ?", hash);
    return hash;
  }

  async issueTicket(
    tokenId: string,
    now: Date,
    session?: string,
  ): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = randomSecret("odt", this.workspaceId());
    const expiresAt = new Date(now.getTime() + TICKET_TTL_MS);
    const hash = await sha256Hex(ticket);
    const sessionHash = session === undefined ? null : await sha256Hex(session);
    pruneTickets(this.sql, now.getTime(), EXPIRED_PER_WRITE);
    this.sql.exec(
      "INSERT INTO tickets (hash, token_id, expires_at, session_hash) VALUES (?, ?, ?, ?)",
      hash,
      tokenId,
      expiresAt.getTime(),
      sessionHash,
    );
    this.keepNewest("tickets", tokenId, MAX_TICKETS_PER_TOKEN);
    return { ticket, expiresAt };
  }

  /** Ends the token's oldest sessions or tickets beyond `keep` (newest expiry kept). */
  private keepNewest(table: "sessions" | "tickets", tokenId: string, keep: number): void {
    this.sql.exec(
      `DELETE FROM ${table} WHERE token_id = ? AND rowid NOT IN
         (SELECT rowid FROM ${table} WHERE token_id = ? ORDER BY expires_at DESC, rowid DESC LIMIT ?)`,
      tokenId,
      tokenId,
      keep,
    );
  }

  private lookup(
    kind: Credential["kind"],
    hash: string,
    nowMs: number,
  ): { token_id: string; session: string | null; expires_at: number | null } | undefined {
    type Row = { token_id: string; session: string | null; expires_at: number | null };
    // A ticket issued to a browser session is only as good as that session: one redeemed
    // after sign-out or expiry would open a socket the session no longer vouches for.
    const query =
      kind === "token"
        ? this.sql.exec<Row>(
            "SELECT id AS token_id, NULL AS session, NULL AS expires_at FROM tokens WHERE hash = ?",
            hash,
          )
        : kind === "session"
          ? this.sql.exec<Row>(
              "SELECT token_id, hash AS session, expires_at FROM sessions WHERE hash = ? AND expires_at > ?",
              hash,
              nowMs,
            )
          : this.sql.exec<Row>(
              `SELECT t.token_id, t.session_hash AS session, s.expires_at AS expires_at
                 FROM tickets t LEFT JOIN sessions s ON s.hash = t.session_hash
                WHERE t.hash = ? AND t.expires_at > ?
                  AND (t.session_hash IS NULL OR s.expires_at > ?)`,
              hash,
              nowMs,
              nowMs,
            );
    const row = query.next();
    return row.done ? undefined : row.value;
  }
}
