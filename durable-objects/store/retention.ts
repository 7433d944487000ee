/**
 * Time-based retention for the tables that grow with use: the audit trail, expired sessions
 * and socket tickets, long-revoked tokens, expired idempotency keys, old webhook delivery ids
 * and PagerDuty alerts opened without a `dedup_key`. Each rule deletes at most `limit` rows per call (one alarm
 * turn), so pruning a large backlog never holds the object for long; the caller re-arms soon
 * while a batch came back full. Deletes go by rowid through an indexed or bounded sub-select.
 */
import { REVOKED_TOKEN_DAYS } from "../../schema";
import { KEY_TTL_MS } from "./notification-outbox";
import { pruneSsoFlows } from "./sso-flows";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows removed per rule per alarm turn. */
export const RETENTION_BATCH = 500;

/**
 * PagerDuty triggers without a `dedup_key` each open a new alert that no later event can
 * find unless the sender kept the generated key from our response. They are removed once not
 * seen for this long, and the newest `maxOpen` are kept whatever their age.
 */
export const PAGERDUTY_UNKEYED = { maxAgeMs: 7 * DAY_MS, maxOpen: 1000 };

/** What one rule removed this turn. */
export type Pruned = { rule: string; removed: number };

/** Audit entries older than `auditDays`, oldest first. */
export function pruneAudit(sql: SqlStorage, now: number, auditDays: number, limit: number): number {
  const cutoff = new Date(now - auditDays * DAY_MS).toISOString();
  // `id` is the rowid and grows with `ts`, so the oldest rows come first without an index on ts.
  return sql.exec(
    `DELETE FROM audit WHERE id IN
       (SELECT id FROM audit WHERE ts < ? ORDER BY id LIMIT ?)`,
    cutoff,
    limit,
  ).rowsWritten;
}

/** Rows of `table` whose `column` (epoch ms) is at or before `before`. */
function pruneExpired(
  sql: SqlStorage,
  table: "sessions" | "tickets" | "idempotency" | "notification_keys",
  column: "expires_at" | "received_at" | "at",
  before: number,
  limit: number,
): number {
  return sql.exec(
    `DELETE FROM ${table} WHERE rowid IN
       (SELECT rowid FROM ${table} WHERE ${column} <= ? LIMIT ?)`,
    before,
    limit,
  ).rowsWritten;
}

/**
 * Tokens revoked more than `REVOKED_TOKEN_DAYS` ago, with their hash (their sessions and
 * tickets went at revocation). The audit trail names actors and tokens by name and keeps the
 * `token.create` / `token.revoke` entries, so it still says who held what.
 */
export function pruneRevokedTokens(sql: SqlStorage, now: number, limit: number): number {
  const cutoff = new Date(now - REVOKED_TOKEN_DAYS * DAY_MS).toISOString();
  // No index on revoked_at: the table holds at most 500 active tokens and what was revoked
  // within the window, so the scan stays small.
  return sql.exec(
    `DELETE FROM tokens WHERE rowid IN
       (SELECT rowid FROM tokens WHERE revoked_at IS NOT NULL AND revoked_at < ? LIMIT ?)`,
    cutoff,
    limit,
  ).rowsWritten;
}

/**
 * Expired invitations (their links stopped working at expiry), member sessions past their
 * absolute expiry (an idle one stopped working earlier and goes here at the latest) and
 * unanswered passkey challenges.
 */
export function pruneByExpiry(
  sql: SqlStorage,
  table: "invitations" | "member_sessions" | "passkey_challenges",
  now: number,
  limit: number,
): number {
  return sql.exec(
    `DELETE FROM ${table} WHERE rowid IN
       (SELECT rowid FROM ${table} WHERE expires_at <= ? LIMIT ?)`,
    now,
    limit,
  ).rowsWritten;
}

export const pruneSessions = (sql: SqlStorage, now: number, limit: number) =>
  pruneExpired(sql, "sessions", "expires_at", now, limit);

export const pruneTickets = (sql: SqlStorage, now: number, limit: number) =>
  pruneExpired(sql, "tickets", "expires_at", now, limit);

export const pruneIdempotency = (sql: SqlStorage, now: number, limit: number) =>
  pruneExpired(sql, "idempotency", "expires_at", now, limit);

export const pruneNotifiedKeys = (sql: SqlStorage, now: number, limit: number) =>
  pruneExpired(sql, "notification_keys", "at", now - KEY_TTL_MS, limit);

/** The generated-key PagerDuty index rows, each with its alert's last-seen time. */
const UNKEYED = `SELECT i.id AS idx, json_extract(i.data, '$.alertId') AS alert,
    COALESCE(a.sort_key, '') AS seen
  FROM records i LEFT JOIN records a ON a.kind = 'alert' AND a.id = json_extract(i.data, '$.alertId')
  WHERE i.kind = 'pagerduty-open' AND json_extract(i.data, '$.generated') = 1`;

/**
 * PagerDuty alerts opened without a `dedup_key`: those not seen within the age limit, and the
 * oldest beyond the count limit, lose their index row and their alert. An alert that is the
 * evidence of an open incident is kept (only its index row goes), as closed-alert retention
 * does. Returns how many index rows were removed.
 */
export function prunePagerDutyUnkeyed(
  sql: SqlStorage,
  now: number,
  limit: number,
  rules: typeof PAGERDUTY_UNKEYED = PAGERDUTY_UNKEYED,
): number {
  const cutoff = new Date(now - rules.maxAgeMs).toISOString();
  const victims = sql
    .exec<{ idx: string; alert: string | null }>(
      `SELECT idx, alert FROM (${UNKEYED}) WHERE seen < ? OR idx NOT IN
         (SELECT idx FROM (${UNKEYED}) ORDER BY seen DESC LIMIT ?)
       ORDER BY seen LIMIT ?`,
      cutoff,
      rules.maxOpen,
      limit,
    )
    .toArray();
  for (const victim of victims) {
    sql.exec("DELETE FROM records WHERE kind = 'pagerduty-open' AND id = ?", victim.idx);
    if (victim.alert === null) continue;
    sql.exec(
      `DELETE FROM records WHERE kind = 'alert' AND id = ?
         AND (json_extract(data, '$.incidentId') IS NULL OR json_extract(data, '$.incidentId') NOT IN
           (SELECT id FROM records WHERE kind = 'incident' AND json_extract(data, '$.status') != 'resolved'))`,
      victim.alert,
    );
  }
  return victims.length;
}

/**
 * PagerDuty index rows whose alert is gone (pruned as a closed alert) or no longer open
 * (resolved or dismissed on the dashboard): a later trigger with that key opens a new alert
 * anyway, so the row only takes space.
 */
export function prunePagerDutyOrphans(sql: SqlStorage, limit: number): number {
  return sql.exec(
    `DELETE FROM records WHERE kind = 'pagerduty-open' AND id IN
       (SELECT i.id FROM records i
          LEFT JOIN records a ON a.kind = 'alert' AND a.id = json_extract(i.data, '$.alertId')
        WHERE i.kind = 'pagerduty-open' AND (a.id IS NULL
          OR json_extract(a.data, '$.status') = 'resolved'
          OR json_extract(a.data, '$.dismissedAt') IS NOT NULL)
        LIMIT ?)`,
    limit,
  ).rowsWritten;
}

/**
 * Hard caps on record kinds that senders and collectors add to without end: the newest
 * `keep` stay (by their sort key, newest first), the rest go a batch at a time. Incidents
 * count only once resolved; an open incident is never removed.
 */
export const RECORD_CAPS: ReadonlyArray<{ kind: string; keep: number; where?: string }> = [
  { kind: "deployment", keep: 5000 },
  { kind: "pipeline", keep: 5000 },
  { kind: "security-scan", keep: 5000 },
  { kind: "incident", keep: 10_000, where: "json_extract(data, '$.status') = 'resolved'" },
];

/** Removes at most `limit` records of `cap.kind` beyond its newest `cap.keep`. */
export function pruneOverCap(
  sql: SqlStorage,
  cap: (typeof RECORD_CAPS)[number],
  limit: number,
): number {
  const filter = cap.where ? ` AND ${cap.where}` : "";
  return sql.exec(
    `DELETE FROM records WHERE kind = ? AND id IN
       (SELECT id FROM records WHERE kind = ?${filter} ORDER BY sort_key DESC LIMIT ? OFFSET ?)`,
    cap.kind,
    cap.kind,
    limit,
    cap.keep,
  ).rowsWritten;
}

/**
 * Runs every rule once with `limit` rows each. `full` is true when any rule filled its batch,
 * so more may be waiting and the caller should run again soon.
 */
export function pruneAll(
  sql: SqlStorage,
  now: number,
  settings: { auditDays: number },
  limit: number = RETENTION_BATCH,
): { pruned: Pruned[]; full: boolean } {
  const pruned: Pruned[] = [
    { rule: "audit", removed: pruneAudit(sql, now, settings.auditDays, limit) },
    { rule: "sessions", removed: pruneSessions(sql, now, limit) },
    { rule: "tickets", removed: pruneTickets(sql, now, limit) },
    { rule: "revoked_tokens", removed: pruneRevokedTokens(sql, now, limit) },
    { rule: "invitations", removed: pruneByExpiry(sql, "invitations", now, limit) },
    { rule: "member_sessions", removed: pruneByExpiry(sql, "member_sessions", now, limit) },
    { rule: "passkey_challenges", removed: pruneByExpiry(sql, "passkey_challenges", now, limit) },
    { rule: "idempotency", removed: pruneIdempotency(sql, now, limit) },
    { rule: "sso_flows", removed: pruneSsoFlows(sql, now, limit) },
    // deliveries: pruned by the GitHub task that owns them (store/delivery-memory.ts).
    { rule: "notification_keys", removed: pruneNotifiedKeys(sql, now, limit) },
    { rule: "pagerduty_unkeyed", removed: prunePagerDutyUnkeyed(sql, now, limit) },
    { rule: "pagerduty_orphans", removed: prunePagerDutyOrphans(sql, limit) },
    ...RECORD_CAPS.map((cap) => ({ rule: cap.kind, removed: pruneOverCap(sql, cap, limit) })),
  ];
  return { pruned, full: pruned.some((p) => p.removed >= limit) };
}
