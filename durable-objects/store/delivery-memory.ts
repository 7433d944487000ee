/**
 * How long an applied delivery is remembered. GitHub lets a delivery be redelivered for a few
 * days, and a captured body stays replayable for as long as its signature is valid (until the
 * secret is rotated), so a month covers both with room to spare.
 */
export const DELIVERY_RETENTION_MS = 30 * 86_400_000;
/**
 * Rows kept at most (two per applied GitHub delivery: its id and its body hash). Beyond this
 * the oldest are forgotten first, so the table stays a few MB even for a very busy org.
 */
export const DELIVERY_MEMORY_MAX_ROWS = 100_000;
/** Rows one alarm run deletes at most; a full batch re-runs the task shortly after. */
export const DELIVERY_PRUNE_BATCH = 500;

/** What one prune pass did, so the caller can schedule the next one. */
export type PruneResult = { removed: number; more: boolean; oldestAt?: number };

/**
 * The `deliveries` table: keys of deliveries already applied (`github:<delivery id>` and
 * `github-body:<sha256 of the raw body>`), checked and written in the same transaction as
 * the effect, so a delivery is applied at most once however it is replayed. Pruning is never
 * done on the ingest path: the alarm removes expired and surplus rows in bounded batches.
 */
export class DeliveryMemory {
  constructor(
    private readonly sql: SqlStorage,
    /** The row cap; tests lower it to exercise the cap without 100k rows. */
    private readonly maxRows = DELIVERY_MEMORY_MAX_ROWS,
  ) {}

  /** True when any of `keys` was applied before. */
  seen(keys: string[]): boolean {
    if (keys.length === 0) return false;
    const marks = keys.map(() => "?").join(", ");
    return !this.sql
      .exec(`SELECT key FROM deliveries WHERE key IN (${marks}) LIMIT 1`, ...keys)
      .next().done;
  }

  /** Call in the same synchronous block as the effect, so both commit together or neither. */
  remember(keys: string[], integrationId: string, now: Date): void {
    for (const key of keys)
      this.sql.exec(
        "INSERT OR IGNORE INTO deliveries (key, integration_id, received_at) VALUES (?, ?, ?)",
        key,
        integrationId,
        now.getTime(),
      );
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries").one().n;
  }

  /**
   * One bounded pass: rows older than the retention first, then the oldest rows over the row
   * cap. Deletes at most `batch` rows; `more` says another pass has work to do now.
   */
  prune(now: number, batch = DELIVERY_PRUNE_BATCH): PruneResult {
    // RETURNING counts deleted rows exactly (rowsWritten also counts index entries).
    let removed = this.sql
      .exec(
        `DELETE FROM deliveries WHERE rowid IN (
           SELECT rowid FROM deliveries WHERE received_at < ? ORDER BY received_at LIMIT ?)
         RETURNING rowid`,
        now - DELIVERY_RETENTION_MS,
        batch,
      )
      .toArray().length;
    if (removed < batch) {
      const surplus = Math.min(batch - removed, this.count() - this.maxRows);
      if (surplus > 0)
        removed += this.sql
          .exec(
            `DELETE FROM deliveries WHERE rowid IN (
               SELECT rowid FROM deliveries ORDER BY received_at LIMIT ?)
             RETURNING rowid`,
            surplus,
          )
          .toArray().length;
    }
    const oldest = this.sql
      .exec<{ at: number | null }>("SELECT MIN(received_at) AS at FROM deliveries")
      .one().at;
    return { removed, more: removed >= batch, oldestAt: oldest ?? undefined };
  }
}
