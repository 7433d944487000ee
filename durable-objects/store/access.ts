import { ApiToken, type IssuedToken, type Principal, type Role } from "../../schema";
import { randomSecret, sha256Hex } from "../lib/crypto";

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const TICKET_TTL_MS = 60 * 1000;

/** A credential as the Worker received it; the object resolves it to a principal. */
export type Credential =
  | { kind: "token"; secret: string }
  | { kind: "session"; secret: string }
  | { kind: "ticket"; secret: string };

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
  ) {}

  async issueToken(name: string, role: Role, createdBy: string, now: Date): Promise<IssuedToken> {
    const token = randomSecret("odk", this.workspaceId());
    const hash = await sha256Hex(token);
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
    const hash = await sha256Hex(credential.secret);
    const tokenId = this.tokenIdFor(credential.kind, hash, now.getTime());
    if (!tokenId) return undefined;
    const row = this.sql
      .exec<TokenRow>("SELECT * FROM tokens WHERE id = ? AND revoked_at IS NULL", tokenId)
      .next();
    if (row.done) return undefined;
    if (credential.kind === "ticket") this.sql.exec("DELETE FROM tickets WHERE hash = ?", hash);
    // At most one write a minute per token: every request and socket connect authenticates.
    this.sql.exec(
      "UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
      now.toISOString(),
      tokenId,
      new Date(now.getTime() - 60_000).toISOString(),
    );
    const token = toToken(row.value);
    return { tokenId: token.id, name: token.name, role: token.role };
  }

  async openSession(tokenId: string, now: Date): Promise<{ secret: string; expiresAt: Date }> {
    const secret = randomSecret("ods", this.workspaceId());
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    const hash = await sha256Hex(secret);
    this.sql.exec("DELETE FROM sessions WHERE expires_at < ?", now.getTime());
    this.sql.exec(
      "INSERT INTO sessions (hash, token_id, expires_at) VALUES (?, ?, ?)",
      hash,
      tokenId,
      expiresAt.getTime(),
    );
    return { secret, expiresAt };
  }

  async closeSession(secret: string): Promise<void> {
    this.sql.exec("DELETE FROM sessions WHERE hash = ?", await sha256Hex(secret));
  }

  async issueTicket(tokenId: string, now: Date): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = randomSecret("odt", this.workspaceId());
    const expiresAt = new Date(now.getTime() + TICKET_TTL_MS);
    const hash = await sha256Hex(ticket);
    this.sql.exec("DELETE FROM tickets WHERE expires_at < ?", now.getTime());
    this.sql.exec(
      "INSERT INTO tickets (hash, token_id, expires_at) VALUES (?, ?, ?)",
      hash,
      tokenId,
      expiresAt.getTime(),
    );
    return { ticket, expiresAt };
  }

  private tokenIdFor(kind: Credential["kind"], hash: string, nowMs: number): string | undefined {
    const query =
      kind === "token"
        ? this.sql.exec<{ token_id: string }>(
            "SELECT id AS token_id FROM tokens WHERE hash = ?",
            hash,
          )
        : this.sql.exec<{ token_id: string }>(
            `SELECT token_id FROM ${kind === "session" ? "sessions" : "tickets"} WHERE hash = ? AND expires_at > ?`,
            hash,
            nowMs,
          );
    const row = query.next();
    return row.done ? undefined : row.value.token_id;
  }
}
