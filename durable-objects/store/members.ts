import {
  Actor,
  INVITATION_TTL_DAYS,
  Invitation,
  Member,
  MemberCredentialKind,
  type Role,
} from "../../schema";
import { randomSecret, sha256Hex } from "../lib/crypto";

const DAY_MS = 24 * 60 * 60 * 1000;
export const INVITATION_TTL_MS = INVITATION_TTL_DAYS * DAY_MS;

type MemberRow = {
  id: string;
  email: string;
  name: string;
  role: string;
  created_at: string;
  last_seen_at: string;
  disabled_at: string | null;
};

type InvitationRow = {
  id: string;
  email: string;
  role: string;
  created_at: string;
  created_by: string;
  expires_at: number;
};

function toMember(row: MemberRow): Member {
  return Member.parse({
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    disabledAt: row.disabled_at ?? undefined,
  });
}

function toInvitation(row: InvitationRow): Invitation {
  return Invitation.parse({
    id: row.id,
    email: row.email,
    role: row.role,
    createdAt: row.created_at,
    createdBy: Actor.parse(JSON.parse(row.created_by)),
    expiresAt: new Date(row.expires_at).toISOString(),
  });
}

/**
 * Members, their open invitations (single-use secrets stored as SHA-256 hashes; an accepted
 * or revoked invitation is deleted, an expired one by the retention task) and the sign-in
 * credentials passkeys and single sign-on attach to a member.
 */
export class MemberStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly workspaceId: () => string,
  ) {}

  get(id: string): Member | undefined {
    const row = this.sql.exec<MemberRow>("SELECT * FROM members WHERE id = ?", id).next();
    return row.done ? undefined : toMember(row.value);
  }

  byEmail(email: string): Member | undefined {
    const row = this.sql.exec<MemberRow>("SELECT * FROM members WHERE email = ?", email).next();
    return row.done ? undefined : toMember(row.value);
  }

  list(): Member[] {
    return this.sql
      .exec<MemberRow>("SELECT * FROM members ORDER BY created_at, rowid")
      .toArray()
      .map(toMember);
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM members").one().n;
  }

  /** Admins not disabled: the last one may not demote or disable themselves. */
  activeAdmins(): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM members WHERE role = 'admin' AND disabled_at IS NULL",
      )
      .one().n;
  }

  add(email: string, name: string, role: Role, now: Date): Member {
    const id = crypto.randomUUID();
    const at = now.toISOString();
    this.sql.exec(
      "INSERT INTO members (id, email, name, role, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
      id,
      email,
      name,
      role,
      at,
      at,
    );
    return this.get(id)!;
  }

  /** A member's role and whether they are disabled, as given; returns the row after. */
  update(id: string, change: { role?: Role; disabled?: boolean }, now: Date): Member {
    if (change.role !== undefined)
      this.sql.exec("UPDATE members SET role = ? WHERE id = ?", change.role, id);
    if (change.disabled === true)
      this.sql.exec(
        "UPDATE members SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL",
        now.toISOString(),
        id,
      );
    if (change.disabled === false)
      this.sql.exec("UPDATE members SET disabled_at = NULL WHERE id = ?", id);
    return this.get(id)!;
  }

  /** At most one write a minute per member: every request of theirs passes here. */
  seen(id: string, now: number): void {
    this.sql.exec(
      "UPDATE members SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?",
      new Date(now).toISOString(),
      id,
      new Date(now - 60_000).toISOString(),
    );
  }

  /** An active (not disabled) member's sign-in view, or undefined. */
  active(id: string): Member | undefined {
    const member = this.get(id);
    return member && member.disabledAt === undefined ? member : undefined;
  }

  // ── Invitations ──────────────────────────────────────────────────────────────────

  /** Invitations not yet expired (accepted and revoked ones are gone). */
  openInvitations(now: number): Invitation[] {
    return this.sql
      .exec<InvitationRow>(
        "SELECT * FROM invitations WHERE expires_at > ? ORDER BY created_at, rowid",
        now,
      )
      .toArray()
      .map(toInvitation);
  }

  openInvitationCount(now: number): number {
    return this.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM invitations WHERE expires_at > ?", now)
      .one().n;
  }

  /**
   * A new invitation and its secret, or undefined when `max` are already open. The count is
   * taken after the only await, so nothing slips in between it and the insert.
   */
  async invite(
    email: string,
    role: Role,
    by: Actor,
    now: Date,
    max: number,
  ): Promise<{ invitation: Invitation; token: string } | undefined> {
    const token = randomSecret("odi", this.workspaceId());
    const hash = await sha256Hex(token);
    if (this.openInvitationCount(now.getTime()) >= max) return undefined;
    const id = crypto.randomUUID();
    this.sql.exec(
      `INSERT INTO invitations (id, hash, email, role, created_at, created_by, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      id,
      hash,
      email,
      role,
      now.toISOString(),
      JSON.stringify(by),
      now.getTime() + INVITATION_TTL_MS,
    );
    return { invitation: this.invitation(id)!, token };
  }

  invitation(id: string): Invitation | undefined {
    const row = this.sql.exec<InvitationRow>("SELECT * FROM invitations WHERE id = ?", id).next();
    return row.done ? undefined : toInvitation(row.value);
  }

  /** The live invitation behind a secret's hash, or undefined (unknown, used or expired). */
  redeemable(hash: string, now: number): Invitation | undefined {
    const row = this.sql
      .exec<InvitationRow>("SELECT * FROM invitations WHERE hash = ? AND expires_at > ?", hash, now)
      .next();
    return row.done ? undefined : toInvitation(row.value);
  }

  deleteInvitation(id: string): boolean {
    return this.sql.exec("DELETE FROM invitations WHERE id = ?", id).rowsWritten > 0;
  }

  // ── Sign-in credentials (passkeys, single sign-on) ──────────────────────────────────

  /** The kinds of credential a member can sign in with (none until passkeys or SSO attach). */
  credentialKinds(memberId: string): MemberCredentialKind[] {
    return this.sql
      .exec<{ kind: string }>(
        "SELECT DISTINCT kind FROM member_credentials WHERE member_id = ? ORDER BY kind",
        memberId,
      )
      .toArray()
      .map((r) => MemberCredentialKind.parse(r.kind));
  }

  /**
   * Attaches a sign-in credential (a passkey's credential id, an OIDC issuer and subject)
   * to a member. `data` is what the method must keep (a public key and counter), as JSON.
   */
  addCredential(
    memberId: string,
    kind: MemberCredentialKind,
    subject: string,
    data: unknown,
    now: Date,
  ): string {
    const id = crypto.randomUUID();
    this.sql.exec(
      `INSERT INTO member_credentials (id, member_id, kind, subject, data, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      id,
      memberId,
      kind,
      subject,
      JSON.stringify(data ?? null),
      now.toISOString(),
    );
    return id;
  }

  /** The member a credential belongs to, by kind and subject; undefined when unknown. */
  memberByCredential(kind: MemberCredentialKind, subject: string): string | undefined {
    const row = this.sql
      .exec<{ member_id: string }>(
        "SELECT member_id FROM member_credentials WHERE kind = ? AND subject = ?",
        kind,
        subject,
      )
      .next();
    return row.done ? undefined : row.value.member_id;
  }
}
