import { z } from "zod";
import { RecordId, Text, Timestamp } from "./common";

/** Senders that push events into a workspace. */
export const WebhookKind = z.enum(["github", "alertmanager", "grafana", "pagerduty"]);
export type WebhookKind = z.infer<typeof WebhookKind>;

const HeaderName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9-]+$/, "an HTTP header name");

/** Where Grafana is told to put its signed timestamp unless an integration names another header. */
export const GRAFANA_TIMESTAMP_HEADER = "X-Grafana-Alerting-Signature-Timestamp";
/** The replay window: a signed timestamp further than this from the server's clock is refused. */
export const GRAFANA_TOLERANCE_SECONDS = 300;

/**
 * Grafana's HMAC header differs between its docs and its code, so both are accepted by default.
 * A signed timestamp is always required (the replay window): integrations stored before it was
 * the default, without `timestampHeader`, read back with the default header and window.
 */
export const GrafanaOptions = z
  .object({
    signatureHeaders: z
      .array(HeaderName)
      .min(1)
      .max(4)
      .default(["X-Grafana-Alerting-Signature", "X-Grafana-Alert-Signature"]),
    timestampHeader: HeaderName.default(GRAFANA_TIMESTAMP_HEADER),
    toleranceSeconds: z.number().int().min(1).max(3600).default(GRAFANA_TOLERANCE_SECONDS),
  })
  .strict();
export type GrafanaOptions = z.infer<typeof GrafanaOptions>;

export const DeliveryStats = z.object({
  accepted: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  ignored: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  /** Alerts stored with labels or annotations cut to their budget (schema/budgets.ts). */
  truncated: z.number().int().nonnegative().default(0),
  /** Deliveries refused whole at the open-alert cap (schema/caps.ts); the sender retries them. */
  refused: z.number().int().nonnegative().default(0),
  lastDeliveryAt: Timestamp.optional(),
  lastRejectedAt: Timestamp.optional(),
  lastRefusedAt: Timestamp.optional(),
  lastError: z.string().max(2000).optional(),
});
export type DeliveryStats = z.infer<typeof DeliveryStats>;

export const EMPTY_STATS: DeliveryStats = {
  accepted: 0,
  duplicates: 0,
  ignored: 0,
  rejected: 0,
  truncated: 0,
  refused: 0,
};

/** A webhook integration as read back: secrets only as "set", never their values. */
export const WebhookIntegration = z.object({
  id: RecordId,
  kind: WebhookKind,
  name: z.string(),
  createdAt: Timestamp,
  createdBy: z.string(),
  secretSet: z.boolean(),
  /** During a rotation the previous secret is still accepted until this time. */
  previousSecretUntil: Timestamp.optional(),
  grafana: GrafanaOptions.optional(),
  /** Where the sender should post (path on this server). */
  endpoint: z.string(),
  stats: DeliveryStats,
});
export type WebhookIntegration = z.infer<typeof WebhookIntegration>;

const Name = Text(100).min(1);
const HmacSecret = Text(1000).min(8, "at least 8 characters");

/**
 * `POST api/integrations/webhooks`. GitHub and Grafana verify an HMAC with a secret the user
 * also gives the sender (generated when omitted); Alertmanager authenticates with a bearer
 * token and PagerDuty-style senders with a routing key, both generated here.
 */
export const CreateWebhookIntegrationBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("github"), name: Name, secret: HmacSecret.optional() }).strict(),
  z.object({ kind: z.literal("alertmanager"), name: Name }).strict(),
  z
    .object({
      kind: z.literal("grafana"),
      name: Name,
      secret: HmacSecret.optional(),
      options: GrafanaOptions.optional(),
    })
    .strict(),
  z.object({ kind: z.literal("pagerduty"), name: Name }).strict(),
]);
export type CreateWebhookIntegrationBody = z.infer<typeof CreateWebhookIntegrationBody>;

/** The integration plus its credential, returned once at creation or rotation. */
export const IssuedWebhookIntegration = z.object({
  integration: WebhookIntegration,
  /** HMAC secret (github, grafana), bearer token (alertmanager) or routing key (pagerduty). */
  credential: z.string(),
});
export type IssuedWebhookIntegration = z.infer<typeof IssuedWebhookIntegration>;

export const RotateWebhookBody = z
  .object({
    secret: HmacSecret.optional(),
    /** How long the previous credential keeps working, so senders can be updated. */
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400),
  })
  .strict();
export type RotateWebhookBody = z.infer<typeof RotateWebhookBody>;

/** What a receiver learned about one delivery, for the integration's counters. */
export const DeliveryOutcome = z.enum(["accepted", "duplicate", "ignored", "rejected"]);
export type DeliveryOutcome = z.infer<typeof DeliveryOutcome>;
