import { z } from "zod";
import { AwsEndpoints, AwsServiceKind } from "./aws";
import { Text } from "./common";
import { GithubSettingsFields } from "./github-integration";

const Percent = z.number().min(0).max(100);
const Secret = Text(4096).min(1);

/**
 * Contract `PUT api/settings` body. Secret fields are write-only: omitting one keeps the
 * stored value, an explicit `null` clears it.
 */
export const SettingsInput = z
  .object({
    notifications: z
      .object({ email: z.boolean(), slack: z.boolean(), webhook: z.boolean() })
      .strict()
      .partial()
      .optional(),
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
      })
      .strict()
      .optional(),
  })
  .strict();
export type SettingsInput = z.infer<typeof SettingsInput>;

/** Settings as read back: secrets are replaced by whether one is set. */
export const Settings = z.object({
  notifications: z.object({ email: z.boolean(), slack: z.boolean(), webhook: z.boolean() }),
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
  }),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  notifications: { email: false, slack: false, webhook: false },
  thresholds: { cpu: 80, memory: 85, disk: 90 },
  integrations: {
    github: { enabled: false, tokenSet: false },
    aws: { enabled: false, accessKeySet: false, secretKeySet: false },
    slack: { enabled: false, webhookUrlSet: false },
  },
};

/** Settings as the workspace object stores them: secrets as AES-GCM ciphertext strings. */
export const StoredSettings = z.object({
  notifications: Settings.shape.notifications,
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
  }),
});
export type StoredSettings = z.infer<typeof StoredSettings>;
