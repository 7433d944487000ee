import { bytesToBase64 } from "../../lib/base64";
import type { SettingsBody, SettingsInput } from "../../schema";

/** A notification switch as the body may give it: on/off, or its target as text. */
type Switch = boolean | string;

/** A switch given as text names its target (a URL, an address); `""` turns it off. */
export function switchTarget(value: Switch | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

const isOn = (value: Switch | undefined): boolean | undefined =>
  value === undefined ? undefined : typeof value === "boolean" ? value : value !== "";

/**
 * A fresh Standard Webhooks signing secret (`whsec_` and 32 random bytes in base64), for a
 * contract client that names a webhook URL but, knowing nothing of signatures, no secret.
 */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${bytesToBase64(bytes)}`;
}

/**
 * Maps a `PUT api/settings` body onto the update the workspace object takes. Booleans pass
 * through; a switch given as text (the contract's `notifications.webhook: "https://…"`) turns
 * its channel on and sets its URL, unless the body's `integrations` says otherwise (the more
 * specific field wins). `generatedSecret` signs a webhook named that way when the workspace
 * has no signing secret yet (the route decides; see `newWebhookSecret`).
 * @example settingsFromBody({ notifications: { webhook: "https://hooks.example.com/x" } })
 * // { notifications: { webhook: true }, integrations: { webhook: { enabled: true, url: "https://hooks.example.com/x" } } }
 */
export function settingsFromBody(body: SettingsBody, generatedSecret?: string): SettingsInput {
  const { notifications, ...rest } = body;
  if (!notifications) return rest;
  const { email, slack, webhook, minSeverity } = notifications;
  const input: SettingsInput = {
    ...rest,
    notifications: {
      ...(email !== undefined ? { email: isOn(email) } : {}),
      ...(slack !== undefined ? { slack: isOn(slack) } : {}),
      ...(webhook !== undefined ? { webhook: isOn(webhook) } : {}),
      ...(minSeverity !== undefined ? { minSeverity } : {}),
    },
  };
  const slackUrl = switchTarget(slack);
  const webhookUrl = switchTarget(webhook);
  if (slackUrl === undefined && webhookUrl === undefined) return input;
  const given = rest.integrations ?? {};
  return {
    ...input,
    integrations: {
      ...given,
      ...(slackUrl !== undefined
        ? {
            slack: {
              ...given.slack,
              enabled: given.slack?.enabled ?? true,
              webhookUrl: given.slack?.webhookUrl !== undefined ? given.slack.webhookUrl : slackUrl,
            },
          }
        : {}),
      ...(webhookUrl !== undefined
        ? {
            webhook: {
              ...given.webhook,
              enabled: given.webhook?.enabled ?? true,
              url: given.webhook?.url !== undefined ? given.webhook.url : webhookUrl,
              ...(given.webhook?.secret === undefined && generatedSecret !== undefined
                ? { secret: generatedSecret }
                : {}),
            },
          }
        : {}),
    },
  };
}
