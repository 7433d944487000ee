import type { z } from "zod";

/** Equality filters on top-level fields of a record's JSON document. */
export type Where = Record<string, string | undefined>;

/** Field names come from code, never from requests; the check keeps that true. */
function jsonPath(field: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(field)) throw new Error(`bad record field '${field}'`);
  return `$.${field}`;
}

/** Undefined values mean "no filter on that field", so an optional query maps directly. */
function whereClause(where: Where): { sql: string; args: string[] } {
  const pairs = Object.entries(where).filter(
    (pair): pair is [string, string] => pair[1] !== undefined,
  );
  return {
    sql: pairs.map(() => " AND json_extract(data, ?) = ?").join(""),
    args: pairs.flatMap(([field, value]) => [jsonPath(field), value]),
  };
}

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

  /**
   * Newest first. `where` keeps records whose top-level fields equal the given values,
   * filtered in SQL so a filtered page never parses the records it drops.
   * @example deployments.list(50, { environment: "production" })
   */
  list(limit = 1000, where: Where = {}): z.infer<S>[] {
    const filter = whereClause(where);
    return this.sql
      .exec<{ data: string }>(
        `SELECT data FROM records WHERE kind = ?${filter.sql} ORDER BY sort_key DESC LIMIT ?`,
        this.kind,
        ...filter.args,
        limit,
      )
      .toArray()
      .map((row) => this.parse(row.data));
  }

  /**
   * How many records of this kind have each value of a top-level `field`, counted in SQL.
   * @example alerts.countBy("severity", { status: "firing" }) // { critical: 2, warning: 1 }
   */
  countBy(field: string, where: Where = {}): Record<string, number> {
    const filter = whereClause(where);
    const rows = this.sql
      .exec<{ k: string | number | null; n: number }>(
        `SELECT json_extract(data, ?) AS k, COUNT(*) AS n FROM records
         WHERE kind = ?${filter.sql} GROUP BY k`,
        jsonPath(field),
        this.kind,
        ...filter.args,
      )
      .toArray();
    return Object.fromEntries(rows.map((r) => [String(r.k), r.n]));
  }

  count(): number {
    return this.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM records WHERE kind = ?", this.kind)
      .one().n;
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
