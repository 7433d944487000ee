import { z } from "zod";
import { Timestamp } from "./common";

export const SourceId = z.enum([
  "github",
  "aws",
  "web3",
  "alertmanager",
  "grafana",
  "pagerduty",
  "slack",
  "webhook",
  "prometheus",
]);
export type SourceId = z.infer<typeof SourceId>;

/**
 * Per-source freshness: the screen never shows a stale number as fresh. `pending` is a
 * configured source that has not reported yet.
 */
export const SourceState = z.enum(["live", "stale", "error", "not_configured", "pending"]);
export type SourceState = z.infer<typeof SourceState>;

export const SourceStatus = z.object({
  id: SourceId,
  status: SourceState,
  lastSuccessAt: Timestamp.optional(),
  lastAttemptAt: Timestamp.optional(),
  lastError: z.string().max(2000).optional(),
  /**
   * GitHub only: whether an API token is set. Webhooks alone feed deployments and pipelines,
   * but rollback, redeploy, re-run, cancel and logs go through the API and need the token.
   */
  tokenSet: z.boolean().optional(),
});
export type SourceStatus = z.infer<typeof SourceStatus>;

/** The sources whose data each read panel shows (`slack` and `webhook` only receive notifications). */
export const PANEL_SOURCES = {
  metrics: ["aws", "prometheus"],
  alerts: ["alertmanager", "grafana", "pagerduty"],
  incidents: ["alertmanager", "grafana", "pagerduty"],
  deployments: ["github"],
  pipelines: ["github"],
  security: ["github"],
  "aws-services": ["aws"],
  web3: ["web3"],
  activity: ["github", "aws", "web3", "alertmanager", "grafana", "pagerduty"],
} as const satisfies Record<string, readonly SourceId[]>;
export type Panel = keyof typeof PANEL_SOURCES;

/**
 * The status of the sources feeding `panel`, so an empty list says why it is empty
 * (not configured, pending, failing) instead of looking like "nothing happened".
 */
export function sourcesFor(panel: Panel, all: readonly SourceStatus[]): SourceStatus[] {
  const wanted: readonly SourceId[] = PANEL_SOURCES[panel];
  return all.filter((s) => wanted.includes(s.id));
}
