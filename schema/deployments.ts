import { z } from "zod";
import { LIST_CAPS } from "./list-caps";
import { Provenance, RecordId, Timestamp } from "./common";
import { fillDuration } from "./durations";

export const Environment = z.enum(["production", "staging", "preview"]);
export type Environment = z.infer<typeof Environment>;

export const RunStatus = z.enum(["pending", "running", "success", "failed"]);
export type RunStatus = z.infer<typeof RunStatus>;

/**
 * Contract `Deployment` plus repository and links (additive). `duration` is the contract's
 * display string ("3m 24s", "in progress"), always derived from `status` and `durationMs`
 * (schema/durations.ts); records stored when `duration` was seconds are read as `durationMs`.
 */
export const Deployment = z.preprocess(
  fillDuration,
  z.object({
    id: RecordId,
    name: z.string().max(300),
    environment: Environment,
    status: RunStatus,
    branch: z.string().max(300),
    commit: z.string().max(100),
    author: z.string().max(200),
    timestamp: Timestamp,
    duration: z.string().max(50),
    /** From the deployment's creation to its latest status, in milliseconds. */
    durationMs: z.number().nonnegative(),
    repository: z.string().max(300).optional(),
    url: z.string().max(2000).optional(),
    logUrl: z.string().max(2000).optional(),
    /** The provider's environment name before it was folded into `environment`. */
    environmentName: z.string().max(300).optional(),
    /** The provider's own state (e.g. GitHub `inactive`, `error`) behind `status`. */
    state: z.string().max(50).optional(),
    description: z.string().max(2000).optional(),
    ...Provenance,
  }),
);
export type Deployment = z.infer<typeof Deployment>;

export const DeploymentQuery = z.object({
  environment: Environment.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(LIST_CAPS.deployments),
});
export type DeploymentQuery = z.infer<typeof DeploymentQuery>;

export const DeploymentLog = z.object({
  time: Timestamp,
  level: z.enum(["info", "success", "error"]),
  message: z.string(),
});
export type DeploymentLog = z.infer<typeof DeploymentLog>;
