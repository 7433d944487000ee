import type { NotificationChannel, SourceId, StoredSettings } from "../../schema";

/**
 * Whether each settings-held integration is complete enough to run. The source strip, the
 * collectors, the integration views and the notifier all ask here, so "configured" means one
 * thing everywhere.
 */
type Integrations = StoredSettings["integrations"];

/** A GitHub token is stored (what settings views show as `tokenSet`). */
export function githubTokenSet(github: Integrations["github"]): boolean {
  return github.token !== undefined;
}

/**
 * Actions (rollback, re-run, logs) can call GitHub: enabled with a token. The source strip's
 * `tokenSet` carries this, so menus offer actions exactly when they can run.
 */
export function githubActionsReady(github: Integrations["github"]): boolean {
  return github.enabled && githubTokenSet(github);
}

/** Collected when enabled, with a token and at least one repository under an owner. */
export function githubCollectable(github: Integrations["github"]): boolean {
  return (
    githubActionsReady(github) &&
    github.owner !== undefined &&
    (github.repositories?.length ?? 0) > 0
  );
}

/** The AWS collector runs only with both keys and the switch on. */
export function awsConfigured(settings: StoredSettings): boolean {
  const aws = settings.integrations.aws;
  return aws.enabled && aws.accessKey !== undefined && aws.secretKey !== undefined;
}

/** A notification channel is queued to when its toggle is on and its integration is complete. */
export function channelConfigured(channel: NotificationChannel, settings: StoredSettings): boolean {
  if (channel === "slack") {
    const s = settings.integrations.slack;
    return s.enabled && s.webhookUrl !== undefined;
  }
  const w = settings.integrations.webhook;
  return w.enabled && w.url !== undefined && w.secret !== undefined;
}

/** The sources settings alone make configured; senders and chains are configured elsewhere. */
export function configuredBySettings(id: SourceId, settings: StoredSettings): boolean {
  switch (id) {
    case "github":
      return githubCollectable(settings.integrations.github);
    case "aws":
      return awsConfigured(settings);
    case "slack":
    case "webhook":
      return channelConfigured(id, settings);
    default:
      return false;
  }
}
