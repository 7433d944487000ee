import { MEMBER_SESSIONS_MAX, type MemberSession } from "../../schema";
import type { SessionTimeouts } from "../domain/session-timeouts";
import { randomSecret, sha256Hex } from "../lib/crypto";

/** Expired rows removed per sign-in; the `retention` alarm task removes the rest. */
const EXPIRED_PER_WRITE = 20;
/** `last_seen_at` is written at most this often per session (and per member). */
export const SEEN_EVERY_MS = 60_000;
/**
 * A session replaced because the member's role changed keeps working this long, so requests
 * the browser already sent with the old cookie do not fail while the new one arrives.
 */
export const RENEW_GRACE_MS = 30_000;

type Row = {
  hash: string;
  id: string;
  member_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string;
  renew: number;
};

/** A live member session as `resolve` finds it. */
export type LiveSession = { memberId: string; hash: string; expiresAt: number; renew: boolean };

/**
 * Members' browser sessions (`ods.…`, stored as SHA-256 hashes): opened by a sign-in, valid
 * until idle for `idleMs` or `absoluteMs` after it opened, at most `MEMBER_SESSIONS_MAX` per
 * member. Each has a public id so a member can list their own sessions without ever seeing
 * another session's secret.
 */
export class MemberSessionStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly workspaceId: () => string,
    readonly timeouts: SessionTimeouts,
  ) {}

  /** A fresh session for `memberId`: a new random secret every time (no fixation). */
  async open(
    memberId: string,
    userAgent: string,
    now: number,
  ): Promise<{ secret: string; hash: string; expiresAt: number }> {
    const secret = randomSecret("ods", this.workspaceId());
    const hash = await sha256Hex(secret);
    const expiresAt = now + this.timeouts.absoluteMs;
    // Only the indexed expiry here (cheap on every sign-in); idle ones go in `prune`.
    this.sql.exec(
      `DELETE FROM member_sessions WHERE rowid IN
         (SELECT rowid FROM member_sessions WHERE expires_at <= ? LIMIT ?)`,
      now,
      EXPIRED_PER_WRITE,
    );
    this.sql.exec(
      `INSERT INTO member_sessions (hash, id, member_id, created_at, last_seen_at, expires_at, user_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      hash,
      crypto.randomUUID(),
      memberId,
      now,
      now,
      expiresAt,
      userAgent.slice(0, 100),
    );
    this.sql.exec(
      `DELETE FROM member_sessions WHERE member_id = ? AND hash NOT IN
         (SELECT hash FROM member_sessions WHERE member_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
      memberId,
      memberId,
      MEMBER_SESSIONS_MAX,
    );
    return { secret, hash, expiresAt };
  }

  /**
   * The live session with this hash (idle and absolute expiry both checked), its last-seen
   * time moved on at most once a minute; undefined when there is none.
   */
  resolve(hash: string, now: number): LiveSession | undefined {
    const row = this.sql
      .exec<Row>(
        "SELECT * FROM member_sessions WHERE hash = ? AND expires_at > ? AND last_seen_at > ?",
        hash,
        now,
        now - this.timeouts.idleMs,
      )
      .next();
    if (row.done) return undefined;
    const s = row.value;
    if (now - s.last_seen_at >= SEEN_EVERY_MS)
      this.sql.exec("UPDATE member_sessions SET last_seen_at = ? WHERE hash = ?", now, hash);
    return { memberId: s.member_id, hash, expiresAt: s.expires_at, renew: s.renew === 1 };
  }

  /** The public id of the session with this hash (what a JWT names as `sid`). */
  idOf(hash: string): string | undefined {
    const row = this.sql
      .exec<{ id: string }>("SELECT id FROM member_sessions WHERE hash = ?", hash)
      .next();
    return row.done ? undefined : row.value.id;
  }

  /** Whether the session with this public id is still live (one lookup on its unique index). */
  liveById(id: string, now: number): boolean {
    return !this.sql
      .exec(
        "SELECT 1 FROM member_sessions WHERE id = ? AND expires_at > ? AND last_seen_at > ?",
        id,
        now,
        now - this.timeouts.idleMs,
      )
      .next().done;
  }

  /** Why a socket opened with this session must close now, or undefined while it holds. */
  ended(hash: string, now: number): "signed_out" | "session_expired" | undefined {
    const row = this.sql
      .exec<{ expires_at: number }>("SELECT expires_at FROM member_sessions WHERE hash = ?", hash)
      .next();
    if (row.done) return "signed_out";
    return row.value.expires_at <= now ? "session_expired" : undefined;
  }

  /** Marks every session of the member for renewal on its next request (a role change). */
  markRenew(memberId: string): void {
    this.sql.exec("UPDATE member_sessions SET renew = 1 WHERE member_id = ?", memberId);
  }

  /**
   * Replaces a session marked for renewal: the new one keeps its absolute expiry and user
   * agent, the old one lapses after `RENEW_GRACE_MS`. Undefined when `hash` is not live.
   */
  async renew(
    oldSecret: string,
    now: number,
  ): Promise<{ secret: string; hash: string; expiresAt: number; memberId: string } | undefined> {
    const oldHash = await sha256Hex(oldSecret);
    const secret = randomSecret("ods", this.workspaceId());
    const hash = await sha256Hex(secret);
    const live = this.resolve(oldHash, now);
    if (!live || !live.renew) return undefined;
    const old = this.sql.exec<Row>("SELECT * FROM member_sessions WHERE hash = ?", oldHash).one();
    this.sql.exec(
      "UPDATE member_sessions SET renew = 0, expires_at = MIN(expires_at, ?) WHERE hash = ?",
      now + RENEW_GRACE_MS,
      oldHash,
    );
    this.sql.exec(
      `INSERT INTO member_sessions (hash, id, member_id, created_at, last_seen_at, expires_at, user_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      hash,
      crypto.randomUUID(),
      old.member_id,
      now,
      now,
      old.expires_at,
      old.user_agent,
    );
    return { secret, hash, expiresAt: old.expires_at, memberId: old.member_id };
  }

  /** The member's live sessions, newest first; `current` marks the one asking. */
  list(memberId: string, currentHash: string | undefined, now: number): MemberSession[] {
    return this.sql
      .exec<Row>(
        `SELECT * FROM member_sessions WHERE member_id = ? AND expires_at > ? AND last_seen_at > ?
         ORDER BY created_at DESC, rowid DESC`,
        memberId,
        now,
        now - this.timeouts.idleMs,
      )
      .toArray()
      .map((s) => ({
        id: s.id,
        createdAt: new Date(s.created_at).toISOString(),
        lastSeenAt: new Date(s.last_seen_at).toISOString(),
        expiresAt: new Date(
          Math.min(s.expires_at, s.last_seen_at + this.timeouts.idleMs),
        ).toISOString(),
        userAgent: s.user_agent,
        current: s.hash === currentHash,
      }));
  }

  /** Ends one session by its secret; returns its hash (its sockets carry it). */
  async close(secret: string): Promise<string> {
    const hash = await sha256Hex(secret);
    this.sql.exec("DELETE FROM member_sessions WHERE hash = ?", hash);
    return hash;
  }

  /** Ends every session of the member (and their unused socket tickets); returns how many. */
  closeAll(memberId: string): number {
    this.sql.exec("DELETE FROM tickets WHERE token_id = ?", memberId);
    return this.sql.exec("DELETE FROM member_sessions WHERE member_id = ?", memberId).rowsWritten;
  }
}
