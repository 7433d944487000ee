import { z } from "zod";
import { Severity, Timestamp } from "./common";

/** Where notifications go. Email has no provider on this platform and is never delivered. */
export const NotificationChannel = z.enum(["slack", "webhook"]);
export type NotificationChannel = z.infer<typeof NotificationChannel>;

export const NotificationEventType = z.enum([
  "alert.firing",
  "alert.resolved",
  "incident.opened",
  "incident.updated",
  "test",
]);
export type NotificationEventType = z.infer<typeof NotificationEventType>;

/**
 * One notification, channel-neutral. It is also the generic webhook's JSON body, shaped as
 * Standard Webhooks recommends (`type`, `timestamp`, `data`).
 */
export const NotificationEvent = z.object({
  type: NotificationEventType,
  timestamp: Timestamp,
  data: z.object({
    workspace: z.string().max(100),
    /** The alert or incident id (`test` for a test message). */
    id: z.string().max(200),
    title: z.string().max(1024),
    message: z.string().max(10_000),
    severity: Severity.optional(),
    /** Alert or incident status after the change. */
    status: z.string().max(50),
    /** Alerts: the sender (alertmanager, grafana, pagerduty, threshold). */
    source: z.string().max(100).optional(),
    /** Incident updates: who posted it. */
    by: z.string().max(200).optional(),
    /** The alert or incident page in Opsdeck. */
    url: z.string().max(2500).optional(),
  }),
});
export type NotificationEvent = z.infer<typeof NotificationEvent>;

// ── Slack incoming webhook body (the Block Kit subset Opsdeck sends) ──────────────────

const PlainText = z.object({ type: z.literal("plain_text"), text: z.string(), emoji: z.boolean() });
const Mrkdwn = z.object({ type: z.literal("mrkdwn"), text: z.string() });

export const SlackBlock = z.union([
  z.object({ type: z.literal("header"), text: PlainText }),
  z.object({
    type: z.literal("section"),
    text: Mrkdwn.optional(),
    fields: z.array(Mrkdwn).max(10).optional(),
  }),
  z.object({ type: z.literal("context"), elements: z.array(Mrkdwn).max(10) }),
]);
export type SlackBlock = z.infer<typeof SlackBlock>;

/** What Opsdeck POSTs to a Slack incoming webhook: fallback text plus Block Kit blocks. */
export const SlackMessage = z.object({ text: z.string(), blocks: z.array(SlackBlock).max(50) });
export type SlackMessage = z.infer<typeof SlackMessage>;

// ── API ───────────────────────────────────────────────────────────────────────────────

/** `POST api/notifications/test`. */
export const NotificationTestBody = z.object({ channel: NotificationChannel }).strict();
export type NotificationTestBody = z.infer<typeof NotificationTestBody>;

/** The provider's answer to a test message (its body clipped, never the URL). */
export const NotificationTestResult = z.object({
  success: z.boolean(),
  channel: NotificationChannel,
  status: z.number().int(),
  detail: z.string().max(500),
});
export type NotificationTestResult = z.infer<typeof NotificationTestResult>;

export const DeliveryState = z.enum(["pending", "delivered", "failed", "dropped"]);
export type DeliveryState = z.infer<typeof DeliveryState>;

/** One outbox message as `GET api/notifications/deliveries` shows it: no URL, no secret. */
export const NotificationDelivery = z.object({
  id: z.string(),
  channel: NotificationChannel,
  event: NotificationEventType,
  /** The alert or incident notified about. */
  subject: z.string(),
  title: z.string(),
  state: DeliveryState,
  attempts: z.number().int().nonnegative(),
  createdAt: Timestamp,
  /** When the next attempt is due (pending only). */
  nextAttemptAt: Timestamp.optional(),
  deliveredAt: Timestamp.optional(),
  /** The provider's HTTP status on the last attempt. */
  lastStatus: z.number().int().optional(),
  lastError: z.string().max(500).optional(),
  /** The host messages go to (a Slack webhook URL is a secret: only its host is shown). */
  host: z.string().optional(),
});
export type NotificationDelivery = z.infer<typeof NotificationDelivery>;

export const DeliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type DeliveriesQuery = z.infer<typeof DeliveriesQuery>;

/** Per channel: is it on, where does it go, and how did the last deliveries go. */
export const ChannelStatus = z.object({
  channel: z.enum(["slack", "webhook", "email"]),
  /** Switched on and fully configured: events are queued for it. */
  active: z.boolean(),
  /** Why it is not active (not configured, switched off, not available). */
  reason: z.string().optional(),
  host: z.string().optional(),
  lastSuccessAt: Timestamp.optional(),
  lastErrorAt: Timestamp.optional(),
  lastError: z.string().max(500).optional(),
  pending: z.number().int().nonnegative(),
  /** Messages dropped because the outbox was full. */
  dropped: z.number().int().nonnegative(),
});
export type ChannelStatus = z.infer<typeof ChannelStatus>;

export const NotificationsView = z.object({
  minSeverity: Severity,
  channels: z.array(ChannelStatus),
});
export type NotificationsView = z.infer<typeof NotificationsView>;
