import type { StorageUsage, TableUsage } from "../../schema";

/** SQLite and Cloudflare bookkeeping tables are not ours to report. */
const INTERNAL = /^(sqlite_|_cf_)/;
/** Names come from sqlite_master; anything else would not be safe to splice into SQL. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Sum of every column's stored length. `CAST(x AS BLOB)` makes `length` count UTF-8 bytes of
 * text (it counts characters otherwise); numbers count their text form, close enough.
 */
function bytesExpression(sql: SqlStorage, table: string): string {
  const columns = sql
    .exec<{ name: string }>("SELECT name FROM pragma_table_info(?)", table)
    .toArray()
    .map((c) => c.name)
    .filter((name) => IDENTIFIER.test(name));
  if (columns.length === 0) return "0";
  return columns.map((c) => `COALESCE(length(CAST("${c}" AS BLOB)), 0)`).join(" + ");
}

/**
 * Rows and payload bytes per table, and per kind in `records` (where most data lives).
 * DO SQLite has no `dbstat`, so this reads every row once: callers cache it (see retention.ts).
 * Page overhead and indexes are not counted; `storageBytes` (the database size) has them.
 */
export function tableUsage(sql: SqlStorage, now: Date): StorageUsage {
  const names = sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .toArray()
    .map((t) => t.name)
    .filter((name) => !INTERNAL.test(name) && IDENTIFIER.test(name));
  const tables: TableUsage[] = names.map((name) => {
    const row = sql
      .exec<{ rows: number; bytes: number | null }>(
        `SELECT COUNT(*) AS rows, SUM(${bytesExpression(sql, name)}) AS bytes FROM "${name}"`,
      )
      .one();
    return { name, rows: row.rows, bytes: row.bytes ?? 0 };
  });
  const records = sql
    .exec<{ name: string; rows: number; bytes: number | null }>(
      `SELECT kind AS name, COUNT(*) AS rows, SUM(${bytesExpression(sql, "records")}) AS bytes
       FROM records GROUP BY kind ORDER BY kind`,
    )
    .toArray()
    .map((r) => ({ name: r.name, rows: r.rows, bytes: r.bytes ?? 0 }));
  return { tables, records, countedAt: now.toISOString() };
}
