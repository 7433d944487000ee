const KEY = "activity-pending";
/** More than this many unsent items means frames stopped leaving; the oldest wait no longer. */
const MAX_PENDING = 500;

/**
 * Ids of stored activity items whose live frame has not left yet. Kept in storage, not memory,
 * because the object may hibernate between a delivery and the paced frame that carries it.
 */
export class PendingActivity {
  constructor(private readonly sql: SqlStorage) {}

  add(ids: string[]): void {
    if (ids.length === 0) return;
    const next = [...this.read(), ...ids].slice(-MAX_PENDING);
    this.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      KEY,
      JSON.stringify(next),
    );
  }

  /** Returns the pending ids, oldest first, and forgets them. */
  take(): string[] {
    const ids = this.read();
    if (ids.length > 0) this.sql.exec("DELETE FROM meta WHERE key = ?", KEY);
    return ids;
  }

  private read(): string[] {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", KEY)
      .next();
    if (row.done) return [];
    const parsed: unknown = JSON.parse(row.value.value);
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === "string") : [];
  }
}
