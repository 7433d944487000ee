import {
  actorOf,
  Alert,
  NOTES_BUDGET_BYTES,
  fail,
  jsonBytes,
  ok,
  type ActivityItem,
  type Failure,
  type Outcome,
  type AlertStatus,
  type Principal,
  type Severity,
} from "../../schema";
import { severityHealth } from "./alert-ingest";

/**
 * What people do to alerts: acknowledge, resolve, dismiss. Pure functions from the current
 * alert to the next one; the workspace stores, audits and broadcasts the result.
 *
 * Choices (documented in the API):
 * - Acknowledging an acknowledged alert is a 200 that returns it unchanged; a note sent
 *   with it is still appended, unless the same person already left the same text (a
 *   retried request). Acknowledging a resolved or dismissed alert is a 409 `conflict`.
 * - A suppressed (silenced) alert can be acknowledged: it records who took it, and keeps
 *   the `suppressed` status while the silence lasts (the silence logic restores
 *   `acknowledged` when it ends).
 * - Resolving a resolved alert is a 200, unchanged. Dismissing is idempotent and works in
 *   every status; the record is kept (`dismissedAt`) and leaves every list.
 */
export type AlertChange = { before: Alert; after: Alert; changed: boolean };

const conflict = (alert: Alert, detail: string): Failure =>
  fail(409, "conflict", detail, { field: "status", current: alert });

/**
 * Appends a note, unless it repeats this person's last words. The notes of one alert share a
 * byte budget so its row stays within the platform's limit: past it, a note is refused (422
 * naming `notes`) and the alert is unchanged; acting without a note still works.
 */
function withNote(
  alert: Alert,
  actor: Principal,
  text: string | undefined,
  at: string,
): Outcome<Alert> {
  if (!text) return ok(alert);
  const by = actor.name;
  const repeated = alert.notes.some((n) => n.by === by && n.text === text);
  if (repeated) return ok(alert);
  const notes = [...alert.notes, { at, by, text, actor: actorOf(actor) }];
  if (jsonBytes(notes) > NOTES_BUDGET_BYTES)
    return fail(
      422,
      "budget_exceeded",
      `The notes of alert '${alert.id}' would exceed ${NOTES_BUDGET_BYTES} bytes; add a shorter note, or act without one.`,
      { field: "notes" },
    );
  return ok({ ...alert, notes });
}

export function acknowledge(
  alert: Alert,
  actor: Principal,
  notes: string | undefined,
  now: Date,
): Outcome<AlertChange> {
  if (alert.dismissedAt) return conflict(alert, `Alert '${alert.id}' was dismissed.`);
  if (alert.status === "resolved")
    return conflict(
      alert,
      `Alert '${alert.id}' is already resolved${alert.resolvedAt ? ` (at ${alert.resolvedAt})` : ""}; there is nothing to acknowledge.`,
    );
  const at = now.toISOString();
  const acked: Alert = alert.acknowledged
    ? alert
    : {
        ...alert,
        acknowledged: true,
        acknowledgedBy: actor.name,
        acknowledgedByActor: actorOf(actor),
        acknowledgedAt: at,
        status: alert.status === "suppressed" ? "suppressed" : "acknowledged",
      };
  const after = withNote(acked, actor, notes, at);
  if (!after.ok) return after;
  return ok({ before: alert, after: after.value, changed: after.value !== alert });
}

export function resolve(
  alert: Alert,
  actor: Principal,
  notes: string | undefined,
  now: Date,
): Outcome<AlertChange> {
  if (alert.dismissedAt) return conflict(alert, `Alert '${alert.id}' was dismissed.`);
  if (alert.status === "resolved") return ok({ before: alert, after: alert, changed: false });
  const at = now.toISOString();
  const after = withNote(
    {
      ...alert,
      status: "resolved",
      resolvedAt: at,
      resolvedBy: actor.name,
      resolvedByActor: actorOf(actor),
    },
    actor,
    notes,
    at,
  );
  if (!after.ok) return after;
  return ok({ before: alert, after: after.value, changed: true });
}

export function dismiss(alert: Alert, actor: Principal, now: Date): AlertChange {
  if (alert.dismissedAt) return { before: alert, after: alert, changed: false };
  const after: Alert = {
    ...alert,
    dismissedAt: now.toISOString(),
    dismissedBy: actor.name,
    dismissedByActor: actorOf(actor),
  };
  return { before: alert, after, changed: true };
}

const VERB = {
  acknowledge: "acknowledged",
  resolve: "resolved",
  dismiss: "dismissed",
} as const;

/** The activity feed line for a person's action on an alert. */
export function alertActivity(
  action: keyof typeof VERB,
  alert: Alert,
  actor: Principal,
  note: string | undefined,
  now: Date,
): ActivityItem {
  const prefix = `Alert ${VERB[action]}: `;
  return {
    id: `act-${crypto.randomUUID()}`,
    type: "alert",
    title: prefix + alert.title.slice(0, 1024 - prefix.length),
    description: note ?? "",
    user: actor.name,
    timestamp: now.toISOString(),
    status: action === "resolve" ? "healthy" : severityHealth(alert.severity),
  };
}

/**
 * Alerts still on the board (not dismissed), newest first. Filtering in SQL keeps `limit`
 * meaning "that many visible alerts" however many were dismissed.
 */
export function activeAlerts(sql: SqlStorage, limit: number): Alert[] {
  return sql
    .exec<{ data: string }>(
      `SELECT data FROM records WHERE kind = 'alert' AND json_extract(data, '$.dismissedAt') IS NULL
       ORDER BY sort_key DESC LIMIT ?`,
      limit,
    )
    .toArray()
    .map((row) => Alert.parse(JSON.parse(row.data)));
}

/**
 * Alerts per severity in the given statuses, dismissed ones excluded: `/metrics` counts
 * `firing`, the status page counts open ones (`firing` and `acknowledged`).
 */
export function alertCounts(
  sql: SqlStorage,
  statuses: readonly AlertStatus[],
): Record<Severity, number> {
  const counts: Record<Severity, number> = { info: 0, warning: 0, error: 0, critical: 0 };
  const rows = sql
    .exec<{ severity: Severity; n: number }>(
      `SELECT json_extract(data, '$.severity') AS severity, COUNT(*) AS n FROM records
       WHERE kind = 'alert' AND json_extract(data, '$.dismissedAt') IS NULL
         AND json_extract(data, '$.status') IN (SELECT value FROM json_each(?))
       GROUP BY severity`,
      JSON.stringify(statuses),
    )
    .toArray();
  for (const row of rows) counts[row.severity] = row.n;
  return counts;
}
