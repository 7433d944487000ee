/** Per-minute rows are kept this long; the all-time row (bucket 0) is kept for good. */
export const COUNTER_WINDOW_RETENTION_MS = 24 * 60 * 60_000;
const MINUTE_MS = 60_000;

/**
 * Aggregated event counts in the `counters` table: one row per kind and minute, and one
 * all-time row per kind. Counting an event updates two rows in place, so an attacker
 * repeating a failure grows no table; minute rows older than a day are dropped the first
 * time a kind starts a new minute (cheap: the primary key orders them).
 * @example counters.add("login_failed", Date.now())
 */
export class Counters {
  constructor(private readonly sql: SqlStorage) {}

  add(kind: string, nowMs: number, by = 1): void {
    const minute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
    const upsert =
      "INSERT INTO counters (kind, bucket, count) VALUES (?, ?, ?) ON CONFLICT (kind, bucket) DO UPDATE SET count = count + excluded.count";
    const created = this.sql
      .exec("SELECT 1 FROM counters WHERE kind = ? AND bucket = ?", kind, minute)
      .next().done;
    this.sql.exec(upsert, kind, 0, by);
    this.sql.exec(upsert, kind, minute, by);
    if (created)
      this.sql.exec(
        "DELETE FROM counters WHERE kind = ? AND bucket > 0 AND bucket < ?",
        kind,
        nowMs - COUNTER_WINDOW_RETENTION_MS,
      );
  }

  /** The all-time count of each kind whose name starts with `prefix`. */
  totals(prefix: string): Record<string, number> {
    const rows = this.sql
      .exec<{ kind: string; count: number }>(
        "SELECT kind, count FROM counters WHERE bucket = 0 AND substr(kind, 1, ?) = ?",
        prefix.length,
        prefix,
      )
      .toArray();
    return Object.fromEntries(rows.map((r) => [r.kind, r.count]));
  }

  /** Events of `kind` counted since `sinceMs` (minute resolution). */
  since(kind: string, sinceMs: number): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT COALESCE(SUM(count), 0) AS n FROM counters WHERE kind = ? AND bucket >= ?",
        kind,
        Math.floor(sinceMs / MINUTE_MS) * MINUTE_MS,
      )
      .one().n;
  }
}
