import { z } from "zod";
import { RecordId, Timestamp } from "./common";
import { Deployment, DeploymentLog } from "./deployments";
import { Actor } from "./members";
import { Pipeline, StageLog } from "./pipelines";

/** Actions Opsdeck performs through a provider's API on someone's behalf. */
export const ProviderActionKind = z.enum([
  "deployment.retry",
  "deployment.rollback",
  "pipeline.rerun",
  "pipeline.rerun-failed",
  "pipeline.cancel",
]);
export type ProviderActionKind = z.infer<typeof ProviderActionKind>;

/**
 * One provider action as recorded: `pending` while the provider call runs, then `succeeded`
 * or `failed` with the reason. A failed action changed nothing here and may simply be retried.
 */
export const ProviderAction = z.object({
  id: RecordId,
  kind: ProviderActionKind,
  /** The deployment or pipeline acted on. */
  target: RecordId,
  state: z.enum(["pending", "succeeded", "failed"]),
  actor: z.string().max(200),
  /** Who asked, as a member or a token (absent on actions recorded before). */
  actorRef: Actor.optional(),
  requestedAt: Timestamp,
  completedAt: Timestamp.optional(),
  reason: z.string().max(2000).optional(),
  /** The provider's HTTP status when it refused or failed. */
  upstreamStatus: z.number().int().optional(),
  retryable: z.boolean().optional(),
  /** Rollbacks: repository + environment; one rollback per key at a time. */
  lockKey: z.string().max(700).optional(),
  /** Rollbacks: the earlier deployment whose version is redeployed. */
  rollbackTo: RecordId.optional(),
  /** Retry and rollback: the deployment the provider created. */
  resultId: RecordId.optional(),
});
export type ProviderAction = z.infer<typeof ProviderAction>;

export const ProviderActionQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** `POST api/deployments/:id/rollback`: by default the last earlier successful version. */
export const RollbackBody = z
  .object({
    /** Roll back to this deployment instead; it must be an older success of the same env. */
    targetId: RecordId.optional(),
  })
  .strict();
export type RollbackBody = z.infer<typeof RollbackBody>;

/** `POST api/pipeline/:id/rerun`: every job, or only the failed ones. */
export const RerunBody = z.object({ failedOnly: z.boolean().default(false) }).strict();
export type RerunBody = z.infer<typeof RerunBody>;

export const DeploymentActionResult = z.object({
  success: z.literal(true),
  deployment: Deployment,
  action: ProviderAction,
});
export type DeploymentActionResult = z.infer<typeof DeploymentActionResult>;

export const PipelineActionResult = z.object({
  success: z.literal(true),
  pipeline: Pipeline,
  action: ProviderAction,
});
export type PipelineActionResult = z.infer<typeof PipelineActionResult>;

export const DeploymentLogs = z.object({ logs: z.array(DeploymentLog) });
export type DeploymentLogs = z.infer<typeof DeploymentLogs>;

/** Stage logs, oldest first; only the tail when the job wrote more than the cap. */
export const StageLogs = z.object({ logs: z.array(StageLog), truncated: z.boolean() });
export type StageLogs = z.infer<typeof StageLogs>;
