import { z } from "zod";
import { AwsEndpoints, AwsServiceKind } from "./aws";
import { Severity, Text } from "./common";
import { GithubSettingsFields } from "./github-integration";
import { RETENTION_DEFAULTS, RetentionInput, RetentionSettings } from "./retention";

const Percent = z.number().min(0).max(100);
const Secret = Text(4096).min(1);

/**
 * A Standard Webhooks signing secret: `whsec_` and the base64 of 24–64 random bytes
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
 */
const WebhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, "whsec_ followed by base64")
  .refine((s) => {
    try {
      const bytes = atob(s.slice(6)).length;
      return bytes >= 24 && bytes <= 64;
    } catch {
      return false;
    }
  }, "the base64 after whsec_ must decode to 24–64 bytes (e.g. whsec_ + base64 of 32 random bytes)");

/** Alerts below this severity are not notified; `warning` unless set. */
const MinSeverity = Severity.default("warning");

/** Everything of a settings update but the notification switches (shared by both shapes). */
const SettingsFields = {
  thresholds: z
    .object({ cpu: Percent, memory: Percent, disk: Percent })
    .strict()
    .partial()
    .optional(),
  integrations: z
    .object({
      github: z
        .object({
          enabled: z.boolean(),
          token: Secret.nullable().optional(),
          ...GithubSettingsFields,
        })
        .strict()
        .optional(),
      aws: z
        .object({
          enabled: z.boolean(),
          accessKey: Secret.nullable().optional(),
          secretKey: Secret.nullable().optional(),
        })
        .strict()
        .optional(),
      slack: z
        .object({ enabled: z.boolean(), webhookUrl: Secret.nullable().optional() })
        .strict()
        .optional(),
      /** Generic webhook: signed per Standard Webhooks. The URL and secret are write-only. */
      webhook: z
        .object({
          enabled: z.boolean(),
          url: Text(2000).min(1).nullable().optional(),
          secret: WebhookSecret.nullable().optional(),
        })
        .strict()
        .optional(),
    })
    .strict()
    .optional(),
  /** How long stored history is kept (schema/retention.ts). */
  retention: RetentionInput.optional(),
};

/**
 * A settings update as the workspace object takes it (`updateSettings`). Secret fields are
 * write-only: omitting one keeps the stored value, an explicit `null` clears it.
 */
export const SettingsInput = z
  .object({
    notifications: z
      .object({
        /** Accepted for compatibility, but email is not delivered: there is no provider. */
        email: z.boolean(),
        slack: z.boolean(),
        webhook: z.boolean(),
        minSeverity: Severity,
      })
      .strict()
      .partial()
      .optional(),
    ...SettingsFields,
  })
  .strict();
export type SettingsInput = z.infer<typeof SettingsInput>;

/** A contract switch given as text: `""` means off, anything else is its target. */
const Off = z.literal("");

/**
 * The `PUT api/settings` body: `SettingsInput`, and the contract's shapes for the notification
 * switches. Each may be a boolean, or as contract clients send it: `webhook` the URL to notify
 * (it sets `integrations.webhook.url` and turns the channel on), `slack` a Slack incoming-webhook
 * URL (likewise `integrations.slack.webhookUrl`), `email` the address to notify (on; the address
 * is not kept, email is not delivered). An empty string turns the switch off. The route maps
 * this onto `SettingsInput` (worker/lib/settings-body.ts).
 */
export const SettingsBody = z
  .object({
    notifications: z
      .object({
        email: z.union([z.boolean(), Off, z.email().max(320)]),
        slack: z.union([z.boolean(), Off, Text(2000)]),
        webhook: z.union([z.boolean(), Off, Text(2000)]),
        minSeverity: Severity,
      })
      .strict()
      .partial()
      .optional(),
    ...SettingsFields,
  })
  .strict();
export type SettingsBody = z.infer<typeof SettingsBody>;

/** Settings as read back: secrets are replaced by whether one is set. */
export const Settings = z.object({
  notifications: z.object({
    email: z.boolean(),
    slack: z.boolean(),
    webhook: z.boolean(),
    minSeverity: Severity,
  }),
  thresholds: z.object({ cpu: Percent, memory: Percent, disk: Percent }),
  integrations: z.object({
    github: z.object({
      enabled: z.boolean(),
      tokenSet: z.boolean(),
      owner: z.string().optional(),
      repositories: z.array(z.string()).optional(),
      apiUrl: z.string().optional(),
    }),
    aws: z.object({ enabled: z.boolean(), accessKeySet: z.boolean(), secretKeySet: z.boolean() }),
    slack: z.object({ enabled: z.boolean(), webhookUrlSet: z.boolean() }),
    webhook: z.object({
      enabled: z.boolean(),
      urlSet: z.boolean(),
      /** Only the host: the URL may carry a token. */
      urlHost: z.string().optional(),
      secretSet: z.boolean(),
    }),
  }),
  retention: RetentionSettings,
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  notifications: { email: false, slack: false, webhook: false, minSeverity: "warning" },
  thresholds: { cpu: 80, memory: 85, disk: 90 },
  integrations: {
    github: { enabled: false, tokenSet: false },
    aws: { enabled: false, accessKeySet: false, secretKeySet: false },
    slack: { enabled: false, webhookUrlSet: false },
    webhook: { enabled: false, urlSet: false, secretSet: false },
  },
  retention: RETENTION_DEFAULTS,
};

/** Settings as the workspace object stores them: secrets as AES-GCM ciphertext strings. */
export const StoredSettings = z.object({
  notifications: Settings.shape.notifications.extend({ minSeverity: MinSeverity }),
  thresholds: Settings.shape.thresholds,
  integrations: z.object({
    github: z.object({
      enabled: z.boolean(),
      token: z.string().optional(),
      owner: z.string().optional(),
      repositories: z.array(z.string()).optional(),
      apiUrl: z.string().optional(),
    }),
    aws: z.object({
      enabled: z.boolean(),
      accessKey: z.string().optional(),
      secretKey: z.string().optional(),
      /** Set through `PUT api/integrations/aws`; absent means the defaults (schema/aws.ts). */
      regions: z.array(z.string()).optional(),
      services: z.array(AwsServiceKind).optional(),
      endpoints: AwsEndpoints.optional(),
    }),
    slack: z.object({ enabled: z.boolean(), webhookUrl: z.string().optional() }),
    /** Absent in settings stored before the generic webhook existed. */
    webhook: z
      .object({
        enabled: z.boolean(),
        url: z.string().optional(),
        urlHost: z.string().optional(),
        secret: z.string().optional(),
      })
      .default({ enabled: false }),
  }),
  /** Absent in settings stored before retention was configurable: the defaults apply. */
  retention: RetentionInput.optional(),
});
export type StoredSettings = z.infer<typeof StoredSettings>;
