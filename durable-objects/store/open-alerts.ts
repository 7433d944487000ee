import type { Severity } from "../../schema";

/**
 * Counting open alerts (not resolved, not dismissed: firing, acknowledged or silenced) for the
 * open-alert cap. Every count here reads the `records` table only; the alert documents are JSON,
 * so an exact count parses each alert row, and callers ask it only when the cheap bound
 * (`alertRows`) cannot already answer.
 */

const OPEN = `kind = 'alert' AND json_extract(data, '$.status') != 'resolved'
  AND json_extract(data, '$.dismissedAt') IS NULL`;

/** Every stored alert row, open or not: an upper bound on the open ones, read from the index. */
export function alertRows(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM records WHERE kind = 'alert'").one().n;
}

/** Open alerts, exactly. */
export function openAlertCount(sql: SqlStorage): number {
  return sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM records WHERE ${OPEN}`).one().n;
}

/** Firing alerts per severity and all open ones, in one pass (stats and `/metrics`). */
export function openAlertTally(sql: SqlStorage): {
  firing: Record<Severity, number>;
  open: number;
} {
  const firing: Record<Severity, number> = { info: 0, warning: 0, error: 0, critical: 0 };
  let open = 0;
  const rows = sql
    .exec<{ status: string; severity: Severity; n: number }>(
      `SELECT json_extract(data, '$.status') AS status, json_extract(data, '$.severity') AS severity,
         COUNT(*) AS n FROM records WHERE ${OPEN} GROUP BY status, severity`,
    )
    .toArray();
  for (const row of rows) {
    open += row.n;
    if (row.status === "firing") firing[row.severity] = row.n;
  }
  return { firing, open };
}

/** What the cap needs to know of a stored alert. */
export type StoredAlertState = { resolved: boolean; dismissed: boolean };

/** The stored state of each of `ids` that exists (one query, whatever the batch size). */
export function alertStates(sql: SqlStorage, ids: string[]): Map<string, StoredAlertState> {
  const rows = sql
    .exec<{ id: string; status: string | null; dismissed: string | null }>(
      `SELECT id, json_extract(data, '$.status') AS status,
         json_extract(data, '$.dismissedAt') AS dismissed
       FROM records WHERE kind = 'alert' AND id IN (SELECT value FROM json_each(?))`,
      JSON.stringify(ids),
    )
    .toArray();
  return new Map(
    rows.map((r) => [r.id, { resolved: r.status === "resolved", dismissed: r.dismissed !== null }]),
  );
}
