import {
  fail,
  ok,
  type Outcome,
  type NotificationChannel,
  type NotificationDelivery,
  type NotificationTestBody,
  type NotificationTestResult,
  type NotificationsView,
  type Principal,
} from "../../schema";
import { Notifier, notificationsView } from "../domain/notifications";
import { drainOutbox, resolveTarget, send } from "../domain/notifications-deliver";
import { loadSettings } from "../domain/settings";
import { NotificationOutbox } from "../store/notification-outbox";
import type { AlarmTasks, Host } from "./host";
import type { SourceStates } from "./sources";

const NAMES = { slack: "Slack", webhook: "The webhook" } as const;

/**
 * Notifications out (Slack, the signed webhook): the notifier that watches alerts and
 * incidents, the outbox it queues to, the `notify` task that drains it, and the test button.
 */
export class Notifications {
  readonly notifier: Notifier;
  private readonly outbox: NotificationOutbox;
  /** A `notify` run is sending (memory only: eviction cannot happen mid-run). */
  private draining = false;

  constructor(
    private readonly host: Host,
    /** Set after construction: the source strip is built on top of this module's states. */
    private readonly sources: () => SourceStates,
  ) {
    this.outbox = new NotificationOutbox(host.sql);
    this.notifier = new Notifier({
      sql: host.sql,
      outbox: this.outbox,
      settings: () => loadSettings(host.sql),
      workspace: () => host.workspaceId(),
      publicUrl: () => host.env.PUBLIC_URL,
      wake: (at) => this.notifyAt(at),
    });
  }

  readonly tasks: AlarmTasks = {
    notify: (now) => this.drain(now),
  };

  /** Per channel: active or why not, last success and error, pending and dropped counts. */
  view(): NotificationsView {
    return notificationsView(loadSettings(this.host.sql), (c) => this.outbox.channel(c));
  }

  /** Recent outbox messages, newest first; hosts only, never a URL or secret. */
  deliveries(limit: number): NotificationDelivery[] {
    return this.outbox.list(limit);
  }

  /** Sends a test message now (not through the outbox) and reports the provider's answer. */
  async test(
    actor: Principal,
    body: NotificationTestBody,
    origin?: string,
  ): Promise<Outcome<NotificationTestResult>> {
    const now = new Date();
    if (origin) this.notifier.rememberOrigin(origin);
    const { channel } = body;
    const target = await resolveTarget(
      channel,
      loadSettings(this.host.sql),
      await this.host.box(),
      {
        allowLoopback: this.host.allowLoopback,
        forQueue: false,
      },
    );
    if (!target.ok)
      return fail(target.code === "secrets_key_missing" ? 503 : 409, target.code, target.reason);
    const event = this.notifier.testEvent(now);
    const attempt = await send(target.target, event, crypto.randomUUID(), now.getTime());
    const result: NotificationTestResult = {
      success: attempt.outcome === "delivered",
      channel,
      status: attempt.status ?? 0,
      detail: attempt.detail,
    };
    const done = new Date();
    const sent = { ok: result.success, ...attempt };
    this.outbox.recordSent(channel, event, sent, target.target.host, done.getTime());
    this.host.audit.record(actor, "notification.test", channel, { after: result }, done);
    this.reportChannel(channel, done);
    if (result.success) return ok(result);
    const who = channel === "slack" ? NAMES.slack : `${NAMES.webhook} at ${target.target.host}`;
    const answered = attempt.status !== undefined && attempt.status < 500 && attempt.status !== 429;
    return fail(
      answered ? 502 : 503,
      "upstream_error",
      `${who} did not accept the test message: ${attempt.detail}`,
      attempt.retryAfterMs !== undefined
        ? { retryAfterSeconds: Math.ceil(attempt.retryAfterMs / 1000) }
        : {},
    );
  }

  /** The `notify` task: sends what is due, then waits for the next retry or new message. */
  private async drain(now: number): Promise<void> {
    // Other events interleave while a message is in flight; a second drain then would send
    // the same head twice. The running one picks up what is queued meanwhile.
    if (this.draining) return this.host.schedule.write("notify", now + 1_000);
    this.draining = true;
    try {
      await this.drainOnce(now);
    } finally {
      this.draining = false;
    }
  }

  private async drainOnce(now: number): Promise<void> {
    const { schedule } = this.host;
    schedule.cancel("notify");
    const box = await this.host.box();
    const wake = await drainOutbox({
      outbox: this.outbox,
      now: () => Date.now(),
      target: (channel) =>
        resolveTarget(channel, loadSettings(this.host.sql), box, {
          allowLoopback: this.host.allowLoopback,
          forQueue: true,
        }),
    });
    // A message queued while this run was sending has already asked for an earlier run.
    const queued = schedule.dueAt("notify");
    if (wake !== undefined && (queued === undefined || wake < queued))
      schedule.write("notify", wake);
    const at = new Date(Math.max(now, Date.now()));
    for (const channel of ["slack", "webhook"] as const) this.reportChannel(channel, at);
  }

  /** Points the `notify` task at `at` (earlier wins); called inside the queuing transaction. */
  private notifyAt(at: number): void {
    this.host.schedule.soon("notify", at);
  }

  private reportChannel(channel: NotificationChannel, now: Date): void {
    this.sources().reportChannel(channel, this.outbox.channel(channel), now);
  }
}
