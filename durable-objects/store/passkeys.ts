import { Passkey, StoredPasskey } from "../../schema";

/** What a challenge was issued for: joining by invitation, adding a passkey, or signing in. */
export type ChallengePurpose = "join" | "add" | "sign-in";

export type Challenge = {
  id: string;
  challenge: string;
  purpose: ChallengePurpose;
  memberId?: string;
  invitationHash?: string;
  name?: string;
  userId?: string;
  expiresAt: number;
};

type ChallengeRow = {
  id: string;
  challenge: string;
  purpose: string;
  member_id: string | null;
  invitation_hash: string | null;
  name: string | null;
  user_id: string | null;
  expires_at: number;
};

type CredentialRow = {
  id: string;
  member_id: string;
  subject: string;
  data: string;
  created_at: string;
  last_used_at: string | null;
};

/** A passkey as the sign-in path needs it: its owner, public key and counter. */
export type PasskeyRecord = { id: string; memberId: string; credentialId: string } & StoredPasskey;

const toRecord = (row: CredentialRow): PasskeyRecord => ({
  id: row.id,
  memberId: row.member_id,
  credentialId: row.subject,
  ...StoredPasskey.parse(JSON.parse(row.data)),
});

/**
 * WebAuthn challenges (a row per open one, deleted when taken or expired) and the passkey rows
 * of `member_credentials`. Taking a challenge deletes it, so a response is judged at most once.
 */
export class PasskeyStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Drops expired challenges, then stores one unless `max` are open; false when full. */
  addChallenge(c: Challenge, now: number, max: number): boolean {
    this.sql.exec("DELETE FROM passkey_challenges WHERE expires_at <= ?", now);
    const open = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM passkey_challenges").one();
    if (open.n >= max) return false;
    this.sql.exec(
      `INSERT INTO passkey_challenges
       (id, challenge, purpose, member_id, invitation_hash, name, user_id, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      c.id,
      c.challenge,
      c.purpose,
      c.memberId ?? null,
      c.invitationHash ?? null,
      c.name ?? null,
      c.userId ?? null,
      c.expiresAt,
    );
    return true;
  }

  /** Removes and returns a live challenge of this purpose; undefined when unknown, used or expired. */
  takeChallenge(id: string, purpose: ChallengePurpose, now: number): Challenge | undefined {
    const row = this.sql
      .exec<ChallengeRow>("DELETE FROM passkey_challenges WHERE id = ? RETURNING *", id)
      .next();
    if (row.done) return undefined;
    const r = row.value;
    if (r.purpose !== purpose || r.expires_at <= now) return undefined;
    return {
      id: r.id,
      challenge: r.challenge,
      purpose,
      expiresAt: r.expires_at,
      ...(r.member_id ? { memberId: r.member_id } : {}),
      ...(r.invitation_hash ? { invitationHash: r.invitation_hash } : {}),
      ...(r.name ? { name: r.name } : {}),
      ...(r.user_id ? { userId: r.user_id } : {}),
    };
  }

  byCredentialId(credentialId: string): PasskeyRecord | undefined {
    const row = this.sql
      .exec<CredentialRow>(
        "SELECT * FROM member_credentials WHERE kind = 'passkey' AND subject = ?",
        credentialId,
      )
      .next();
    return row.done ? undefined : toRecord(row.value);
  }

  ofMember(memberId: string): PasskeyRecord[] {
    return this.rows(memberId).map(toRecord);
  }

  /** The member's passkeys as their profile lists them. */
  list(memberId: string): Passkey[] {
    return this.rows(memberId).map((row) => {
      const stored = StoredPasskey.parse(JSON.parse(row.data));
      return Passkey.parse({
        id: row.id,
        name: stored.name,
        transports: stored.transports,
        createdAt: row.created_at,
        ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}),
      });
    });
  }

  /** A sign-in moved the counter on: keep it, and when. */
  used(id: string, stored: StoredPasskey, now: Date): void {
    this.sql.exec(
      "UPDATE member_credentials SET data = ?, last_used_at = ? WHERE id = ?",
      JSON.stringify(stored),
      now.toISOString(),
      id,
    );
  }

  remove(memberId: string, id: string): boolean {
    return (
      this.sql.exec(
        "DELETE FROM member_credentials WHERE id = ? AND member_id = ? AND kind = 'passkey'",
        id,
        memberId,
      ).rowsWritten > 0
    );
  }

  /** Every sign-in credential of a member (passkeys and single sign-on alike). */
  credentialCount(memberId: string): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM member_credentials WHERE member_id = ?",
        memberId,
      )
      .one().n;
  }

  private rows(memberId: string): CredentialRow[] {
    return this.sql
      .exec<CredentialRow>(
        "SELECT * FROM member_credentials WHERE member_id = ? AND kind = 'passkey' ORDER BY created_at, rowid",
        memberId,
      )
      .toArray();
  }
}
