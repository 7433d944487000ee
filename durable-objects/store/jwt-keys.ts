import { JWT_KEYS_MAX } from "../../schema";

/** One stored signing key; the private half is sealed by the secret box. */
export type JwtKeyRow = {
  kid: string;
  public_jwk: string;
  private_sealed: string;
  created_at: number;
  retired_at: number | null;
};

/**
 * The `jwt_keys` table (migration 13): the workspace's JWT signing keys. One is current (not
 * retired); retired ones stay only while tokens they signed can still be live, and never
 * more than `JWT_KEYS_MAX` rows in all.
 */
export class JwtKeyStore {
  constructor(private readonly sql: SqlStorage) {}

  all(): JwtKeyRow[] {
    return this.sql.exec<JwtKeyRow>("SELECT * FROM jwt_keys ORDER BY created_at DESC").toArray();
  }

  current(): JwtKeyRow | undefined {
    const row = this.sql
      .exec<JwtKeyRow>(
        "SELECT * FROM jwt_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1",
      )
      .next();
    return row.done ? undefined : row.value;
  }

  /** Adds `key` as the current one; the previous current key is retired at `now`. */
  add(key: Omit<JwtKeyRow, "retired_at">, now: number): void {
    this.sql.exec("UPDATE jwt_keys SET retired_at = ? WHERE retired_at IS NULL", now);
    this.sql.exec(
      "INSERT INTO jwt_keys (kid, public_jwk, private_sealed, created_at) VALUES (?, ?, ?, ?)",
      key.kid,
      key.public_jwk,
      key.private_sealed,
      key.created_at,
    );
    // The hard bound: the oldest retired keys go first (their tokens have long expired).
    this.sql.exec(
      `DELETE FROM jwt_keys WHERE kid IN (SELECT kid FROM jwt_keys WHERE retired_at IS NOT NULL
         ORDER BY created_at DESC LIMIT -1 OFFSET ?)`,
      JWT_KEYS_MAX - 1,
    );
  }

  /** Deletes keys retired before `before` (no token they signed can still be live). */
  prune(before: number): number {
    return this.sql.exec(
      "DELETE FROM jwt_keys WHERE retired_at IS NOT NULL AND retired_at < ?",
      before,
    ).rowsWritten;
  }
}
