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
});
export type SourceStatus = z.infer<typeof SourceStatus>;
