import { ChangeEvent, type ServerFrame } from "../../schema";

/** How many change events a reconnecting client can catch up on before it gets a snapshot. */
export const EVENT_RETENTION = 1000;

/**
 * Append-only log of change events with a monotonically increasing `seq`. A reconnecting
 * client replays from its last seq; older events age out and such a client resyncs from a
 * snapshot instead.
 */
export class EventLog {
  constructor(private readonly sql: SqlStorage) {}

  get lastSeq(): number {
    return this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM events").one().s ?? 0;
  }

  append(event: ChangeEvent, now: Date): ServerFrame {
    const seq = this.lastSeq + 1;
    const ts = now.toISOString();
    this.sql.exec(
      "INSERT INTO events (seq, type, payload, ts) VALUES (?, ?, ?, ?)",
      seq,
      event.type,
      JSON.stringify(event.payload),
      ts,
    );
    this.sql.exec("DELETE FROM events WHERE seq <= ?", seq - EVENT_RETENTION);
    return { ...event, seq, ts };
  }

  /**
   * Bytes of the payloads stored after `afterSeq` (`octet_length` reads the stored size, not
   * the text): what a replay from there would send, so a caller can prefer a snapshot.
   */
  bytesSince(afterSeq: number): number {
    return (
      this.sql
        .exec<{ b: number | null }>(
          "SELECT SUM(octet_length(payload)) AS b FROM events WHERE seq > ?",
          afterSeq,
        )
        .one().b ?? 0
    );
  }

  /**
   * Events after `afterSeq`, or `undefined` when some of them have aged out (the caller
   * must send a snapshot instead).
   */
  since(afterSeq: number): ServerFrame[] | undefined {
    const last = this.lastSeq;
    if (afterSeq > last) return undefined;
    if (afterSeq === last) return [];
    const oldest =
      this.sql.exec<{ s: number | null }>("SELECT MIN(seq) AS s FROM events").one().s ?? 0;
    if (oldest > afterSeq + 1) return undefined;
    const frames: ServerFrame[] = [];
    const rows = this.sql.exec<{ seq: number; type: string; payload: string; ts: string }>(
      "SELECT seq, type, payload, ts FROM events WHERE seq > ? ORDER BY seq",
      afterSeq,
    );
    for (const row of rows) {
      // An event written by an older version that no longer parses cannot be replayed
      // faithfully; a snapshot can, so the client resyncs instead of getting a 500.
      const event = ChangeEvent.safeParse({ type: row.type, payload: JSON.parse(row.payload) });
      if (!event.success) return undefined;
      frames.push({ ...event.data, seq: row.seq, ts: row.ts });
    }
    return frames;
  }
}
