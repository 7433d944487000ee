import { AlertRule } from "../../schema";

type Row = {
  id: string;
  metric: string;
  comparator: string;
  value: number;
  severity: string;
  name: string | null;
  created_at: string;
  updated_at: string;
  created_by: string;
};

/** Parsed through the schema, so a row written by another version still comes back typed. */
function toRule(row: Row): AlertRule {
  return AlertRule.parse({
    id: row.id,
    metric: row.metric,
    comparator: row.comparator,
    value: row.value,
    severity: row.severity,
    name: row.name ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by,
  });
}

/** The `alert_rules` table (migration 5): one row per rule, indexed by metric. */
export class AlertRuleStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Oldest first, so a list reads in the order the rules were made. */
  list(metric?: string): AlertRule[] {
    const rows =
      metric === undefined
        ? this.sql.exec<Row>("SELECT * FROM alert_rules ORDER BY created_at, id")
        : this.sql.exec<Row>(
            "SELECT * FROM alert_rules WHERE metric = ? ORDER BY created_at, id",
            metric,
          );
    return rows.toArray().map(toRule);
  }

  /** Rules of the given metrics, for judging one batch of readings. */
  forMetrics(metrics: readonly string[]): AlertRule[] {
    if (metrics.length === 0) return [];
    const wanted = new Set(metrics);
    // At most MAX_ALERT_RULES rows: one scan beats a query per metric of a 1,000-sample batch.
    return this.list().filter((r) => wanted.has(r.metric));
  }

  get(id: string): AlertRule | undefined {
    const row = this.sql.exec<Row>("SELECT * FROM alert_rules WHERE id = ?", id).toArray()[0];
    return row ? toRule(row) : undefined;
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM alert_rules").one().n;
  }

  /** Inserts or replaces the rule with its id. */
  put(rule: AlertRule): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO alert_rules
       (id, metric, comparator, value, severity, name, created_at, updated_at, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      rule.id,
      rule.metric,
      rule.comparator,
      rule.value,
      rule.severity,
      rule.name ?? null,
      rule.createdAt,
      rule.updatedAt,
      rule.createdBy,
    );
  }

  delete(id: string): boolean {
    return this.sql.exec("DELETE FROM alert_rules WHERE id = ?", id).rowsWritten > 0;
  }
}
