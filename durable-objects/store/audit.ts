import type { AuditRecord, Principal } from "../../schema";

/** Append-only audit trail: who (token name), what, when, before/after. */
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
      change.before === undefined ? null : JSON.stringify(change.before),
      change.after === undefined ? null : JSON.stringify(change.after),
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
