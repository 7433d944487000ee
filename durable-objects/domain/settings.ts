import {
  DEFAULT_SETTINGS,
  RETENTION_DEFAULTS,
  StoredSettings,
  type RetentionSettings,
  type Settings,
  type SettingsInput,
} from "../../schema";
import type { SecretBox } from "../store/secret-box";
import { githubTokenSet } from "./configured";

const KEY = "settings";

const DEFAULT_STORED: StoredSettings = {
  notifications: DEFAULT_SETTINGS.notifications,
  thresholds: DEFAULT_SETTINGS.thresholds,
  integrations: {
    github: { enabled: false },
    aws: { enabled: false },
    slack: { enabled: false },
    webhook: { enabled: false },
  },
};

export function loadSettings(sql: SqlStorage): StoredSettings {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", KEY).next();
  return row.done ? DEFAULT_STORED : StoredSettings.parse(JSON.parse(row.value.value));
}

export function saveSettings(sql: SqlStorage, settings: StoredSettings): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", KEY, JSON.stringify(settings));
}

/**
 * Omitted secret → keep (re-sealed under the current key if an older key sealed it, so
 * every settings save moves secrets off a retiring key); `null` → clear; a string → seal.
 */
async function nextSecret(
  box: SecretBox,
  current: string | undefined,
  input: string | null | undefined,
): Promise<string | undefined> {
  if (input === null) return undefined;
  if (input !== undefined) return box.seal(input);
  if (current === undefined || !box.needsReseal(current)) return current;
  try {
    return await box.seal(await box.open(current));
  } catch {
    // Its key is no longer configured: keep the ciphertext; the source reports the failure.
    return current;
  }
}

export async function mergeSettings(
  box: SecretBox,
  current: StoredSettings,
  input: SettingsInput,
): Promise<StoredSettings> {
  const gh = input.integrations?.github;
  const aws = input.integrations?.aws;
  const slack = input.integrations?.slack;
  const webhook = input.integrations?.webhook;
  const cur = current.integrations;
  return {
    notifications: { ...current.notifications, ...input.notifications },
    thresholds: { ...current.thresholds, ...input.thresholds },
    integrations: {
      github: {
        enabled: gh?.enabled ?? cur.github.enabled,
        token: await nextSecret(box, cur.github.token, gh?.token),
        owner: gh?.owner ?? cur.github.owner,
        repositories: gh?.repositories ?? cur.github.repositories,
        // `null` returns to api.github.com.
        apiUrl: gh?.apiUrl === null ? undefined : (gh?.apiUrl ?? cur.github.apiUrl),
      },
      aws: {
        // Regions, services and endpoints are set through their own route: carry them over.
        ...cur.aws,
        enabled: aws?.enabled ?? cur.aws.enabled,
        accessKey: await nextSecret(box, cur.aws.accessKey, aws?.accessKey),
        secretKey: await nextSecret(box, cur.aws.secretKey, aws?.secretKey),
      },
      slack: {
        enabled: slack?.enabled ?? cur.slack.enabled,
        webhookUrl: await nextSecret(box, cur.slack.webhookUrl, slack?.webhookUrl),
      },
      webhook: {
        enabled: webhook?.enabled ?? cur.webhook.enabled,
        url: await nextSecret(box, cur.webhook.url, webhook?.url),
        urlHost:
          webhook?.url === null
            ? undefined
            : webhook?.url !== undefined
              ? new URL(webhook.url).host
              : cur.webhook.urlHost,
        secret: await nextSecret(box, cur.webhook.secret, webhook?.secret),
      },
    },
    retention: { ...current.retention, ...input.retention },
  };
}

/** The retention in force: what the workspace set, the defaults for the rest. */
export function retentionOf(stored: StoredSettings): RetentionSettings {
  return { ...RETENTION_DEFAULTS, ...stored.retention };
}

/** The readable view: secrets become "is one set". */
export function viewSettings(stored: StoredSettings): Settings {
  const { github, aws, slack, webhook } = stored.integrations;
  return {
    notifications: stored.notifications,
    thresholds: stored.thresholds,
    integrations: {
      github: {
        enabled: github.enabled,
        tokenSet: githubTokenSet(github),
        ...(github.owner !== undefined ? { owner: github.owner } : {}),
        ...(github.repositories !== undefined ? { repositories: github.repositories } : {}),
        ...(github.apiUrl !== undefined ? { apiUrl: github.apiUrl } : {}),
      },
      aws: {
        enabled: aws.enabled,
        accessKeySet: aws.accessKey !== undefined,
        secretKeySet: aws.secretKey !== undefined,
      },
      slack: { enabled: slack.enabled, webhookUrlSet: slack.webhookUrl !== undefined },
      webhook: {
        enabled: webhook.enabled,
        urlSet: webhook.url !== undefined,
        ...(webhook.urlHost !== undefined ? { urlHost: webhook.urlHost } : {}),
        secretSet: webhook.secret !== undefined,
      },
    },
    retention: retentionOf(stored),
  };
}
