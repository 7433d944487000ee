import { IncidentUpdate } from "../../schema";

const KIND = "incident-entry";

/**
 * An incident's timeline, one row per entry, so a long-running incident never grows one row
 * past the platform's 2 MB limit (the incident row keeps only its newest entries). Rows live
 * in `records` under kind `incident-entry` with id `<incident>/<n>` (n zero-padded), so one
 * incident's entries are a range of the primary key: no migration, no scan.
 */
export class IncidentTimeline {
  constructor(private readonly sql: SqlStorage) {}

  /** Stores `entries` as numbers `from`, `from + 1`, …; an existing number is overwritten. */
  append(incidentId: string, entries: IncidentUpdate[], from: number): void {
    entries.forEach((entry, i) => {
      const n = from + i;
      this.sql.exec(
        `INSERT INTO records (kind, id, data, sort_key) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, sort_key = excluded.sort_key`,
        KIND,
        rowId(incidentId, n),
        JSON.stringify(IncidentUpdate.parse(entry)),
        entry.at,
      );
    });
  }

  /** The newest `limit` entries, oldest first (the order a timeline reads). */
  newest(incidentId: string, limit: number): IncidentUpdate[] {
    const [low, high] = range(incidentId);
    return this.sql
      .exec<{ data: string }>(
        "SELECT data FROM records WHERE kind = ? AND id >= ? AND id < ? ORDER BY id DESC LIMIT ?",
        KIND,
        low,
        high,
        limit,
      )
      .toArray()
      .map((row) => IncidentUpdate.parse(JSON.parse(row.data)))
      .reverse();
  }

  count(incidentId: string): number {
    const [low, high] = range(incidentId);
    return this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM records WHERE kind = ? AND id >= ? AND id < ?",
        KIND,
        low,
        high,
      )
      .one().n;
  }
}

const rowId = (incidentId: string, n: number) => `${incidentId}/${String(n).padStart(9, "0")}`;

/** Ids of one incident's entries: "<id>/" up to, not including, "<id>0" ('0' follows '/'). */
const range = (incidentId: string): [string, string] => [`${incidentId}/`, `${incidentId}0`];
