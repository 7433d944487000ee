import { AUDIT_VALUE_BYTES, boundedValue, type AuditRecord, type Principal } from "../../schema";

/**
 * Append-only audit trail: who (token name), what, when, before/after. Each of before and
 * after is kept whole up to `AUDIT_VALUE_BYTES`; a larger one (a huge settings change, an
 * alert with big notes) is stored as `{"truncated":true,"bytes":N}`, so the row always fits
 * and the entry still says who did what, when.
 */
export class AuditLog {
  constructor(private readonly sql: SqlStorage) {}

  record(
    actor: Principal | string,
    action: string,
    target: string,
    change: { before?: unknown; after?: unknown },
    now: Date,
  ): void {
    this.sql.exec(
      "INSERT INTO audit (ts, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)",
      now.toISOString(),
      typeof actor === "string" ? actor : actor.name,
      action,
      target,
      stored(change.before),
      stored(change.after),
    );
  }

  /** Newest first; `before` pages backwards by id. */
  page(limit: number, beforeId?: number): AuditRecord[] {
    return this.sql
      .exec<AuditRecord>(
        "SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?",
        beforeId ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray();
  }
}

function stored(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(boundedValue(value, AUDIT_VALUE_BYTES));
}
