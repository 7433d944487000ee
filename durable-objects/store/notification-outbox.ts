import {
  DeliveryState,
  NotificationChannel,
  NotificationEvent,
  type NotificationDelivery,
} from "../../schema";

/** Pending messages per channel; beyond this the oldest are dropped (and counted). */
export const MAX_PENDING = 500;
/** Finished messages kept as delivery history. */
const HISTORY = 500;
/** Notified-event keys outlive the alerts they name (closed alerts age out after 30 days). */
export const KEY_TTL_MS = 35 * 24 * 60 * 60 * 1000;

export type OutboxMessage = {
  seq: number;
  id: string;
  channel: NotificationChannel;
  event: NotificationEvent;
  attempts: number;
  nextAt: number;
  createdAt: number;
};

type Row = {
  seq: number;
  id: string;
  channel: string;
  event: string;
  subject: string;
  title: string;
  payload: string;
  state: string;
  attempts: number;
  next_at: number;
  created_at: number;
  delivered_at: number | null;
  last_status: number | null;
  last_error: string | null;
  host: string | null;
};

export type ChannelRecord = {
  lastSuccessAt?: number;
  lastErrorAt?: number;
  lastError?: string;
  pending: number;
  dropped: number;
};

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? undefined : new Date(ms).toISOString();

/**
 * The notification outbox in SQLite: one row per message and channel, written in the same
 * transaction as the change it reports, drained in `seq` order per channel by the `notify`
 * alarm task, and kept afterwards as the delivery history.
 */
export class NotificationOutbox {
  constructor(private readonly sql: SqlStorage) {}

  /** Records that `key` was notified; false when it already was (a repeat). */
  claim(key: string, now: number): boolean {
    return (
      this.sql.exec("INSERT OR IGNORE INTO notification_keys (key, at) VALUES (?, ?)", key, now)
        .rowsWritten > 0
    );
  }

  has(key: string): boolean {
    return !this.sql.exec("SELECT 1 FROM notification_keys WHERE key = ?", key).next().done;
  }

  /** Queues one message; a full queue drops its oldest pending message (counted per channel). */
  enqueue(channel: NotificationChannel, event: NotificationEvent, now: number): void {
    this.sql.exec(
      `INSERT INTO notification_outbox
         (id, channel, event, subject, title, payload, state, attempts, next_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
      crypto.randomUUID(),
      channel,
      event.type,
      event.data.id,
      event.data.title.slice(0, 200),
      JSON.stringify(event),
      now,
      now,
    );
    const over = this.pendingCount(channel) - MAX_PENDING;
    if (over <= 0) return;
    this.sql.exec(
      `UPDATE notification_outbox SET state = 'dropped', last_error = 'outbox full'
       WHERE seq IN (SELECT seq FROM notification_outbox WHERE channel = ? AND state = 'pending'
                     ORDER BY seq LIMIT ?)`,
      channel,
      over,
    );
    this.sql.exec(
      `INSERT INTO notification_channels (channel, dropped) VALUES (?, ?)
       ON CONFLICT (channel) DO UPDATE SET dropped = dropped + excluded.dropped`,
      channel,
      over,
    );
  }

  /** The oldest pending message of a channel: messages leave in order. */
  head(channel: NotificationChannel): OutboxMessage | undefined {
    const row = this.sql
      .exec<Row>(
        `SELECT * FROM notification_outbox WHERE channel = ? AND state = 'pending'
         ORDER BY seq LIMIT 1`,
        channel,
      )
      .next();
    if (row.done) return undefined;
    const r = row.value;
    return {
      seq: r.seq,
      id: r.id,
      channel,
      event: NotificationEvent.parse(JSON.parse(r.payload)),
      attempts: r.attempts,
      nextAt: r.next_at,
      createdAt: r.created_at,
    };
  }

  delivered(seq: number, status: number, host: string, now: number): void {
    this.finish(seq, "delivered", status, undefined, host, now);
  }

  failed(
    seq: number,
    status: number | undefined,
    error: string,
    host: string | undefined,
    now: number,
  ): void {
    this.finish(seq, "failed", status, error, host, now);
  }

  /** Another attempt at `nextAt`; the message stays at the head of its channel. */
  retry(
    seq: number,
    channel: NotificationChannel,
    status: number | undefined,
    error: string,
    host: string,
    nextAt: number,
    now: number,
  ): void {
    this.sql.exec(
      `UPDATE notification_outbox SET attempts = attempts + 1, next_at = ?, last_status = ?,
         last_error = ?, host = ? WHERE seq = ?`,
      nextAt,
      status ?? null,
      error.slice(0, 500),
      host,
      seq,
    );
    this.channelError(channel, error, now);
  }

  /** A message sent outside the queue (a test) enters the history as it went. */
  recordSent(
    channel: NotificationChannel,
    event: NotificationEvent,
    result: { ok: boolean; status?: number; detail: string },
    host: string,
    now: number,
  ): void {
    this.sql.exec(
      `INSERT INTO notification_outbox
         (id, channel, event, subject, title, payload, state, attempts, next_at, created_at,
          delivered_at, last_status, last_error, host)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
      crypto.randomUUID(),
      channel,
      event.type,
      event.data.id,
      event.data.title.slice(0, 200),
      JSON.stringify(event),
      result.ok ? "delivered" : "failed",
      now,
      now,
      result.ok ? now : null,
      result.status ?? null,
      result.ok ? null : result.detail.slice(0, 500),
      host,
    );
    if (result.ok) this.channelSuccess(channel, now);
    else this.channelError(channel, result.detail, now);
    this.trim();
  }

  /** Newest first, for `GET api/notifications/deliveries`. */
  list(limit: number): NotificationDelivery[] {
    return this.sql
      .exec<Row>("SELECT * FROM notification_outbox ORDER BY seq DESC LIMIT ?", limit)
      .toArray()
      .map((r) => ({
        id: r.id,
        channel: NotificationChannel.parse(r.channel),
        event: NotificationEvent.shape.type.parse(r.event),
        subject: r.subject,
        title: r.title,
        state: DeliveryState.parse(r.state),
        attempts: r.attempts,
        createdAt: iso(r.created_at)!,
        ...(r.state === "pending" ? { nextAttemptAt: iso(r.next_at) } : {}),
        ...(r.delivered_at !== null ? { deliveredAt: iso(r.delivered_at) } : {}),
        ...(r.last_status !== null ? { lastStatus: r.last_status } : {}),
        ...(r.last_error !== null ? { lastError: r.last_error } : {}),
        ...(r.host !== null ? { host: r.host } : {}),
      }));
  }

  channel(channel: NotificationChannel): ChannelRecord {
    const row = this.sql
      .exec<{
        last_success_at: number | null;
        last_error_at: number | null;
        last_error: string | null;
        dropped: number;
      }>("SELECT * FROM notification_channels WHERE channel = ?", channel)
      .next();
    const r = row.done ? undefined : row.value;
    return {
      ...(r?.last_success_at ? { lastSuccessAt: r.last_success_at } : {}),
      ...(r?.last_error_at ? { lastErrorAt: r.last_error_at } : {}),
      ...(r?.last_error ? { lastError: r.last_error } : {}),
      pending: this.pendingCount(channel),
      dropped: r?.dropped ?? 0,
    };
  }

  /** Ages out old history and old notified-event keys. */
  trim(now = Date.now()): void {
    this.sql.exec(
      `DELETE FROM notification_outbox WHERE state != 'pending' AND seq NOT IN
         (SELECT seq FROM notification_outbox WHERE state != 'pending' ORDER BY seq DESC LIMIT ?)`,
      HISTORY,
    );
    this.sql.exec("DELETE FROM notification_keys WHERE at < ?", now - KEY_TTL_MS);
  }

  private pendingCount(channel: NotificationChannel): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM notification_outbox WHERE channel = ? AND state = 'pending'",
        channel,
      )
      .one().n;
  }

  private finish(
    seq: number,
    state: "delivered" | "failed",
    status: number | undefined,
    error: string | undefined,
    host: string | undefined,
    now: number,
  ): void {
    const row = this.sql
      .exec<{ channel: string }>("SELECT channel FROM notification_outbox WHERE seq = ?", seq)
      .next();
    this.sql.exec(
      `UPDATE notification_outbox SET state = ?, attempts = attempts + 1, last_status = ?,
         last_error = ?, delivered_at = ?, host = COALESCE(?, host) WHERE seq = ?`,
      state,
      status ?? null,
      error?.slice(0, 500) ?? null,
      state === "delivered" ? now : null,
      host ?? null,
      seq,
    );
    if (row.done) return;
    const channel = NotificationChannel.parse(row.value.channel);
    if (state === "delivered") this.channelSuccess(channel, now);
    else this.channelError(channel, error ?? "failed", now);
  }

  private channelSuccess(channel: NotificationChannel, now: number): void {
    this.sql.exec(
      `INSERT INTO notification_channels (channel, last_success_at) VALUES (?, ?)
       ON CONFLICT (channel) DO UPDATE SET last_success_at = excluded.last_success_at`,
      channel,
      now,
    );
  }

  private channelError(channel: NotificationChannel, error: string, now: number): void {
    this.sql.exec(
      `INSERT INTO notification_channels (channel, last_error_at, last_error) VALUES (?, ?, ?)
       ON CONFLICT (channel) DO UPDATE SET last_error_at = excluded.last_error_at,
         last_error = excluded.last_error`,
      channel,
      now,
      error.slice(0, 500),
    );
  }
}
