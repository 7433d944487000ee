import {
  NotificationChannel,
  type Alert,
  type ChannelStatus,
  type Incident,
  type NotificationEvent,
  type NotificationsView,
  type Severity,
  type SourceStatus,
  type StoredSettings,
} from "../../schema";
import type { ChannelRecord, NotificationOutbox } from "../store/notification-outbox";
import { channelConfigured } from "./configured";

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2, critical: 3 };
const ORIGIN_KEY = "notify-origin";
const MESSAGE_MAX = 3000;

export const EMAIL_UNAVAILABLE =
  "Email is not delivered: this deployment has no email provider. Use Slack or the signed webhook.";

const isOpen = (a: Alert | undefined) => a?.status === "firing" || a?.status === "acknowledged";
const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

export type NotifierDeps = {
  sql: SqlStorage;
  outbox: NotificationOutbox;
  settings: () => StoredSettings;
  workspace: () => string;
  /** The deployment's `PUBLIC_URL` var: where links in messages point, when set. */
  publicUrl: () => string | undefined;
  /** Called after a message is queued: the `notify` alarm task must run at `at`. */
  wake: (at: number) => void;
};

/**
 * Decides what is notified. It watches the alert and incident stores, so every path that
 * changes one (every sender, thresholds, people, silences ending) is covered in one place,
 * and queues in the same transaction as the change. Keys of notified events make an
 * Alertmanager repeat, or a redelivered PagerDuty trigger, a no-op.
 */
export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  /** Alert started firing (not suppressed, at or above the minimum severity) or resolved. */
  alertChanged(before: Alert | undefined, after: Alert): void {
    if (isOpen(after) && !isOpen(before)) {
      const settings = this.deps.settings();
      if (RANK[after.severity] < RANK[settings.notifications.minSeverity]) return;
      this.emit(settings, `alert.firing:${after.id}`, this.alertEvent("alert.firing", after));
    } else if (after.status === "resolved" && before && before.status !== "resolved") {
      // Only what was notified firing is notified resolved.
      if (!this.deps.outbox.has(`alert.firing:${after.id}`)) return;
      const settings = this.deps.settings();
      this.emit(settings, `alert.resolved:${after.id}`, this.alertEvent("alert.resolved", after));
    }
  }

  /** An incident opened, or an update (status change or message) appended to its timeline. */
  incidentChanged(before: Incident | undefined, after: Incident): void {
    if (!before) {
      this.emit(
        this.deps.settings(),
        `incident.opened:${after.id}`,
        this.incidentEvent("incident.opened", after, after.description, after.createdBy),
      );
      return;
    }
    if (after.timeline.length <= before.timeline.length) return;
    const update = after.timeline[after.timeline.length - 1]!;
    this.emit(
      this.deps.settings(),
      `incident.updated:${after.id}:${after.timeline.length}`,
      this.incidentEvent("incident.updated", after, update.message, update.by),
    );
  }

  /** The dashboard's origin, remembered from an admin's request, for links in messages. */
  rememberOrigin(origin: string): void {
    this.deps.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      ORIGIN_KEY,
      origin,
    );
  }

  /** A test message for `channel`, shaped like the real ones. */
  testEvent(now: Date): NotificationEvent {
    return {
      type: "test",
      timestamp: now.toISOString(),
      data: {
        workspace: this.deps.workspace(),
        id: "test",
        title: "Opsdeck test message",
        message: "If you can read this, Opsdeck notifications reach this channel.",
        status: "test",
        ...this.link(""),
      },
    };
  }

  private emit(settings: StoredSettings, key: string, event: NotificationEvent): void {
    const channels = NotificationChannel.options.filter(
      (c) => settings.notifications[c] && channelConfigured(c, settings),
    );
    if (channels.length === 0) return;
    const now = Date.parse(event.timestamp);
    if (!this.deps.outbox.claim(key, now)) return;
    for (const channel of channels) this.deps.outbox.enqueue(channel, event, now);
    this.deps.wake(now);
  }

  private alertEvent(type: "alert.firing" | "alert.resolved", alert: Alert): NotificationEvent {
    return {
      type,
      timestamp: new Date().toISOString(),
      data: {
        workspace: this.deps.workspace(),
        id: alert.id,
        title: alert.title,
        message: clip(alert.message, MESSAGE_MAX),
        severity: alert.severity,
        status: alert.status,
        source: alert.source,
        ...this.link(`/alerts/${encodeURIComponent(alert.id)}`),
      },
    };
  }

  private incidentEvent(
    type: "incident.opened" | "incident.updated",
    incident: Incident,
    message: string,
    by: string,
  ): NotificationEvent {
    return {
      type,
      timestamp: new Date().toISOString(),
      data: {
        workspace: this.deps.workspace(),
        id: incident.id,
        title: incident.title,
        message: clip(message, MESSAGE_MAX),
        severity: incident.severity,
        status: incident.status,
        by,
        ...this.link(`/incidents/${encodeURIComponent(incident.id)}`),
      },
    };
  }

  private link(path: string): { url?: string } {
    const row = this.deps.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", ORIGIN_KEY)
      .next();
    return notificationLink(
      this.deps.publicUrl(),
      row.done ? undefined : row.value.value,
      this.deps.workspace(),
      path,
    );
  }
}

/**
 * The link a message carries. The deployment's configured `PUBLIC_URL` wins, so links do not
 * depend on which address an admin happened to use; without it, the remembered origin; with
 * neither, no link rather than a guessed one. A malformed `PUBLIC_URL` is ignored the same way.
 * @example notificationLink("https://ops.example.com/", undefined, "acme", "/alerts/a1")
 */
export function notificationLink(
  publicUrl: string | undefined,
  rememberedOrigin: string | undefined,
  workspace: string,
  path: string,
): { url?: string } {
  const base = publicOrigin(publicUrl) ?? rememberedOrigin;
  if (!base) return {};
  return {
    url: `${base}/w/${encodeURIComponent(workspace)}${path || "/settings#notifications"}`,
  };
}

function publicOrigin(value: string | undefined): string | undefined {
  if (!value?.trim()) return undefined;
  try {
    const url = new URL(value.trim());
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    // A path prefix is kept (a dashboard behind a route such as /ops); only the slash goes.
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return undefined;
  }
}

/** A channel as a source on the strip: live, error with its reason, or not configured. */
export function channelSource(
  channel: NotificationChannel,
  record: ChannelRecord,
): SourceStatus | undefined {
  const iso = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  const failing =
    record.lastErrorAt !== undefined && record.lastErrorAt >= (record.lastSuccessAt ?? 0);
  if (!failing && record.lastSuccessAt === undefined) return undefined;
  const lastAttemptAt = iso(Math.max(record.lastErrorAt ?? 0, record.lastSuccessAt ?? 0));
  return failing
    ? {
        id: channel,
        status: "error",
        lastError: record.lastError,
        lastAttemptAt,
        ...(record.lastSuccessAt ? { lastSuccessAt: iso(record.lastSuccessAt) } : {}),
      }
    : { id: channel, status: "live", lastSuccessAt: iso(record.lastSuccessAt), lastAttemptAt };
}

/** Per channel state for the settings page and `GET api/notifications`. */
export function notificationsView(
  settings: StoredSettings,
  record: (channel: NotificationChannel) => ChannelRecord,
): NotificationsView {
  const iso = (ms: number) => new Date(ms).toISOString();
  const channels: ChannelStatus[] = NotificationChannel.options.map((channel) => {
    const r = record(channel);
    const ready = channelConfigured(channel, settings);
    const on = settings.notifications[channel];
    const host = channel === "webhook" ? settings.integrations.webhook.urlHost : undefined;
    return {
      channel,
      active: ready && on,
      ...(!ready ? { reason: "not configured" } : !on ? { reason: "switched off" } : {}),
      ...(host ? { host } : {}),
      ...(r.lastSuccessAt !== undefined ? { lastSuccessAt: iso(r.lastSuccessAt) } : {}),
      ...(r.lastErrorAt !== undefined ? { lastErrorAt: iso(r.lastErrorAt) } : {}),
      ...(r.lastError !== undefined ? { lastError: r.lastError } : {}),
      pending: r.pending,
      dropped: r.dropped,
    };
  });
  channels.push({
    channel: "email",
    active: false,
    reason: EMAIL_UNAVAILABLE,
    pending: 0,
    dropped: 0,
  });
  return { minSeverity: settings.notifications.minSeverity, channels };
}
