import type { z } from "zod";

/**
 * Typed access to the `records` table: one JSON document per (kind, id), ordered by
 * `sort_key` (an ISO timestamp, newest first). Every read is parsed through the kind's
 * schema, so a document written by an older version still comes back well-typed.
 */
export class RecordStore<S extends z.ZodType<{ id: string }>> {
  constructor(
    private readonly sql: SqlStorage,
    private readonly kind: string,
    private readonly schema: S,
    private readonly sortKey: (record: z.infer<S>) => string,
  ) {}

  get(id: string): z.infer<S> | undefined {
    const row = this.sql
      .exec<{ data: string }>("SELECT data FROM records WHERE kind = ? AND id = ?", this.kind, id)
      .next();
    return row.done ? undefined : this.parse(row.value.data);
  }

  /** Newest first. */
  list(limit = 1000): z.infer<S>[] {
    return this.sql
      .exec<{
        data: string;
      }>("SELECT data FROM records WHERE kind = ? ORDER BY sort_key DESC LIMIT ?", this.kind, limit)
      .toArray()
      .map((row) => this.parse(row.data));
  }

  put(record: z.infer<S>): void {
    const valid = this.schema.parse(record);
    this.sql.exec(
      `INSERT INTO records (kind, id, data, sort_key) VALUES (?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, sort_key = excluded.sort_key`,
      this.kind,
      valid.id,
      JSON.stringify(valid),
      this.sortKey(valid),
    );
  }

  delete(id: string): boolean {
    return (
      this.sql.exec("DELETE FROM records WHERE kind = ? AND id = ?", this.kind, id).rowsWritten > 0
    );
  }

  /** Keeps the newest `keep` records of this kind. */
  trim(keep: number): void {
    this.sql.exec(
      `DELETE FROM records WHERE kind = ? AND id NOT IN
        (SELECT id FROM records WHERE kind = ? ORDER BY sort_key DESC LIMIT ?)`,
      this.kind,
      this.kind,
      keep,
    );
  }

  private parse(data: string): z.infer<S> {
    return this.schema.parse(JSON.parse(data));
  }
}
