import { z } from "zod";
import { Provenance, RecordId, Timestamp } from "./common";
import { RunStatus } from "./deployments";

export const PipelineStage = z.object({
  id: RecordId,
  name: z.string().max(300),
  status: RunStatus,
  duration: z.number().nonnegative(),
});
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
  ...Provenance,
});
export type Pipeline = z.infer<typeof Pipeline>;

export const StageLog = z.object({ time: Timestamp, message: z.string() });
export type StageLog = z.infer<typeof StageLog>;
