import { SocketLimitReason } from "../../schema";

/** Keys in the `meta` table; no migration needed and nothing else uses the prefix. */
const REFUSED = "sockets-refused:";
const CLOSED = "sockets-closed:";

type Counts = Partial<Record<SocketLimitReason, number>>;

/**
 * Refused upgrades and closed sockets by reason, kept in SQLite because an in-memory count
 * would reset on every hibernation. One upsert per event: events happen at human pace (or
 * at the pace of an attack the caps already bound).
 */
export class SocketCounters {
  constructor(private readonly sql: SqlStorage) {}

  refused(reason: SocketLimitReason, by = 1): void {
    this.add(REFUSED + reason, by);
  }

  closed(reason: SocketLimitReason, by = 1): void {
    this.add(CLOSED + reason, by);
  }

  read(): { refused: Counts; closed: Counts } {
    const refused: Counts = {};
    const closed: Counts = {};
    const rows = this.sql
      .exec<{ key: string; value: string }>(
        "SELECT key, value FROM meta WHERE key LIKE 'sockets-refused:%' OR key LIKE 'sockets-closed:%'",
      )
      .toArray();
    for (const { key, value } of rows) {
      const into = key.startsWith(REFUSED) ? refused : closed;
      const reason = SocketLimitReason.safeParse(key.slice(key.indexOf(":") + 1));
      const count = Number(value);
      if (reason.success && Number.isSafeInteger(count)) into[reason.data] = count;
    }
    return { refused, closed };
  }

  private add(key: string, by: number): void {
    if (by <= 0) return;
    this.sql.exec(
      `INSERT INTO meta (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + ? AS TEXT)`,
      key,
      String(by),
      by,
    );
  }
}
