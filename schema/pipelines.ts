import { z } from "zod";
import { Truncation } from "./budgets";
import { Provenance, RecordId, Timestamp } from "./common";
import { RunStatus } from "./deployments";
import { fillDuration } from "./durations";

/** One step of a stage as its provider reports it (GitHub Actions job steps). */
export const StageStep = z.object({
  name: z.string().max(300),
  number: z.number().int(),
  status: RunStatus,
  startedAt: Timestamp.optional(),
  completedAt: Timestamp.optional(),
});
export type StageStep = z.infer<typeof StageStep>;

/**
 * Contract stage plus timing, link, run attempt and the provider's own conclusion (additive).
 * `duration` is the contract's display string, derived from `status` and `durationMs` (0 until
 * the stage has finished); stages stored when `duration` was seconds are read as `durationMs`.
 */
export const PipelineStage = z.preprocess(
  fillDuration,
  z.object({
    id: RecordId,
    name: z.string().max(300),
    status: RunStatus,
    duration: z.string().max(50),
    durationMs: z.number().nonnegative(),
    url: z.string().max(2000).optional(),
    startedAt: Timestamp.optional(),
    completedAt: Timestamp.optional(),
    attempt: z.number().int().positive().optional(),
    /** The provider's word when `status` folds several into one (e.g. `cancelled`, `skipped`). */
    conclusion: z.string().max(50).optional(),
    steps: z.array(StageStep).max(1000).optional(),
  }),
);
export type PipelineStage = z.infer<typeof PipelineStage>;

/** Contract `Pipeline` plus repository, run links and timing (additive). */
export const Pipeline = z.object({
  id: RecordId,
  name: z.string().max(300),
  branch: z.string().max(300),
  commit: z.string().max(100),
  author: z.string().max(200),
  status: RunStatus,
  stages: z.array(PipelineStage),
  repository: z.string().max(300).optional(),
  url: z.string().max(2000).optional(),
  startedAt: Timestamp.optional(),
  /** Run attempt (a re-run keeps the run's id and bumps this; only the latest is kept). */
  attempt: z.number().int().positive().optional(),
  /** What started the run (`push`, `pull_request`, `workflow_dispatch`, …). */
  trigger: z.string().max(100).optional(),
  conclusion: z.string().max(50).optional(),
  /**
   * True while only stage events have arrived: the run's own fields (status, author, link)
   * are not known yet, so `author` is empty and `status` reflects the stages seen so far.
   */
  incomplete: z.boolean().optional(),
  /** What was cut to fit the row budget (schema/budgets.ts PIPELINE_ROW_BYTES). */
  truncated: z.array(Truncation).max(20).optional(),
  ...Provenance,
});
export type Pipeline = z.infer<typeof Pipeline>;

export const StageLog = z.object({ time: Timestamp, message: z.string() });
export type StageLog = z.infer<typeof StageLog>;
