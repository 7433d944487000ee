/**
 * How long closed alerts stay stored. Senders such as Alertmanager repeat and resolve alerts
 * forever, so without a bound one workspace's storage grows without end. Open alerts (firing,
 * suppressed, acknowledged but unresolved) are never removed, nor are alerts of an incident
 * that is still open: they are the incident's evidence. The audit trail keeps who did what.
 */
export const ALERT_RETENTION = { maxAgeMs: 30 * 24 * 60 * 60 * 1000, maxClosed: 10_000 };

const CLOSED = `kind = 'alert'
  AND (json_extract(data, '$.status') = 'resolved' OR json_extract(data, '$.dismissedAt') IS NOT NULL)
  AND (json_extract(data, '$.incidentId') IS NULL OR json_extract(data, '$.incidentId') NOT IN
    (SELECT id FROM records WHERE kind = 'incident' AND json_extract(data, '$.status') != 'resolved'))`;

/**
 * Deletes closed alerts last seen before the age limit, and the oldest closed ones beyond the
 * count limit. Returns how many were removed.
 */
export function pruneClosedAlerts(
  sql: SqlStorage,
  now: Date,
  limits: typeof ALERT_RETENTION = ALERT_RETENTION,
): number {
  const cutoff = new Date(now.getTime() - limits.maxAgeMs).toISOString();
  return sql.exec(
    `DELETE FROM records WHERE ${CLOSED}
       AND (sort_key < ? OR id NOT IN
         (SELECT id FROM records WHERE ${CLOSED} ORDER BY sort_key DESC LIMIT ?))`,
    cutoff,
    limits.maxClosed,
  ).rowsWritten;
}
