import {
  AUDIT_VALUE_BYTES,
  actorOf,
  boundedValue,
  type Actor,
  type AuditRecord,
  type Principal,
} from "../../schema";

/**
 * Append-only audit trail: who (the actor's name, and since members exist its kind and id,
 * so the trail can be filtered by person), what, when, before/after. Each of before and
 * after is kept whole up to `AUDIT_VALUE_BYTES`; a larger one (a huge settings change, an
 * alert with big notes) is stored as `{"truncated":true,"bytes":N}`, so the row always fits
 * and the entry still says who did what, when.
 */
export class AuditLog {
  constructor(private readonly sql: SqlStorage) {}

  record(
    actor: Principal | Actor | string,
    action: string,
    target: string,
    change: { before?: unknown; after?: unknown },
    now: Date,
  ): void {
    // A plain string is the operator credential or a system process: it names no one.
    const who = typeof actor === "string" ? undefined : "kind" in actor ? actor : actorOf(actor);
    this.sql.exec(
      `INSERT INTO audit (ts, actor, action, target, before, after, actor_kind, actor_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      now.toISOString(),
      who?.name ?? actor,
      action,
      target,
      stored(change.before),
      stored(change.after),
      who?.kind ?? null,
      who === undefined ? null : who.kind === "member" ? who.memberId : who.tokenId,
    );
  }

  /**
   * Newest first; `before` pages backwards by id; `actorId` keeps one member's or token's
   * entries (indexed by actor and id). Rows written before actors were recorded name only a
   * token's name, and carry no actor kind or id.
   */
  page(limit: number, beforeId?: number, actorId?: string): AuditRecord[] {
    const before = beforeId ?? Number.MAX_SAFE_INTEGER;
    type Row = Omit<AuditRecord, "actorKind" | "actorId"> & {
      actor_kind: string | null;
      actor_id: string | null;
    };
    const rows =
      actorId === undefined
        ? this.sql.exec<Row>(
            "SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?",
            before,
            limit,
          )
        : this.sql.exec<Row>(
            "SELECT * FROM audit WHERE actor_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            actorId,
            before,
            limit,
          );
    return rows.toArray().map(({ actor_kind, actor_id, ...row }) => ({
      ...row,
      actorKind: actor_kind,
      actorId: actor_id,
    }));
  }
}

function stored(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(boundedValue(value, AUDIT_VALUE_BYTES));
}
