import type { Deployment, Pipeline, PipelineStage, RunStatus, SecurityScan } from "../../schema";
import { fitPipeline } from "./pipeline-budget";

/**
 * Pure rules for folding one GitHub event into what is already stored. GitHub does not promise
 * delivery order, and a redelivery may arrive days late, so every rule keeps the newer fact:
 * a later run attempt beats an earlier one, a later `updated_at` beats an earlier one, and a
 * status never moves backwards within one attempt (completed > in progress > queued). Each
 * function returns the record to store; when the event is stale it returns `existing` as is.
 */

const RANK: Record<RunStatus, number> = { pending: 0, running: 1, success: 2, failed: 2 };

const time = (iso: string | undefined) => (iso ? Date.parse(iso) : Number.NEGATIVE_INFINITY);
const attemptOf = (r: { attempt?: number }) => r.attempt ?? 1;

/** True when `incoming` is at least as new as `existing` (time first, then status progress). */
function isNewer(
  incoming: { updatedAt?: string; status: RunStatus },
  existing: { updatedAt?: string; status: RunStatus },
): boolean {
  const a = time(incoming.updatedAt);
  const b = time(existing.updatedAt);
  if (a !== b) return a > b;
  return RANK[incoming.status] >= RANK[existing.status];
}

/** Stages from older attempts are dropped: the pipeline shows the latest attempt only. */
const stagesOf = (stages: PipelineStage[], attempt: number) =>
  stages.filter((s) => attemptOf(s) >= attempt);

/** Run-level event (workflow_run, check_suite) into the stored pipeline. */
export function mergeRun(existing: Pipeline | undefined, incoming: Pipeline): Pipeline {
  if (!existing) return incoming;
  const attempt = attemptOf(incoming);
  if (!existing.incomplete) {
    if (attempt < attemptOf(existing)) return existing;
    if (attempt === attemptOf(existing) && !isNewer(incoming, existing)) return existing;
  }
  return { ...incoming, stages: stagesOf(existing.stages, attempt) };
}

/** While the run itself is unknown, its status is what its stages say so far (never final). */
function statusFromStages(stages: PipelineStage[]): RunStatus {
  if (stages.every((s) => s.status === "pending")) return "pending";
  return "running";
}

const byStart = (a: PipelineStage, b: PipelineStage) =>
  (a.startedAt ?? "~").localeCompare(b.startedAt ?? "~") || a.id.localeCompare(b.id);

/**
 * Stage event (workflow_job, check_run) into its pipeline. Without a stored pipeline the
 * placeholder (marked `incomplete`) is used until the run event arrives.
 */
export function mergeStage(
  existing: Pipeline | undefined,
  placeholder: Pipeline,
  stage: PipelineStage,
): Pipeline {
  let pipeline = existing ?? placeholder;
  const attempt = attemptOf(stage);
  if (attempt < attemptOf(pipeline)) return pipeline;
  const newAttempt = attempt > attemptOf(pipeline);
  const stages = newAttempt ? stagesOf(pipeline.stages, attempt) : pipeline.stages;
  const previous = stages.find((s) => s.id === stage.id);
  if (previous && RANK[previous.status] > RANK[stage.status]) return pipeline;
  const next = [...stages.filter((s) => s.id !== stage.id), stage].sort(byStart);
  pipeline = { ...pipeline, stages: next };
  if (newAttempt) {
    // A re-run's jobs arrived before its run event: the old conclusion no longer applies.
    pipeline = { ...pipeline, attempt, conclusion: undefined, status: statusFromStages(next) };
  } else if (pipeline.incomplete) {
    pipeline = { ...pipeline, status: statusFromStages(next) };
  }
  // Stages are where a run grows: each event may add a job with up to 1,000 steps.
  return fitPipeline(pipeline);
}

/**
 * Deployment event or status into the stored deployment. A `deployment` (created) event
 * never overrides a status already recorded; an `inactive` status keeps the stored status
 * (success when only the creation was seen).
 */
export function mergeDeployment(
  existing: Deployment | undefined,
  incoming: Deployment,
  fromStatus: boolean,
): Deployment {
  if (!existing) return incoming;
  if (!fromStatus) {
    const { status, duration, durationMs, url, logUrl, state, updatedAt } = existing;
    return { ...incoming, status, duration, durationMs, url, logUrl, state, updatedAt };
  }
  const hadStatus = existing.state !== undefined;
  if (hadStatus && !isNewer(incoming, existing)) return existing;
  // `inactive` only says a newer deployment superseded this one: what it achieved still stands.
  const superseded = incoming.state === "inactive" && hadStatus;
  return {
    ...incoming,
    status: superseded ? existing.status : incoming.status,
    duration: superseded ? existing.duration : incoming.duration,
    durationMs: superseded ? existing.durationMs : incoming.durationMs,
    url: incoming.url ?? existing.url,
    logUrl: incoming.logUrl ?? existing.logUrl,
  };
}

/** Alert change into the stored scan: an older alert timestamp does not win. */
export function mergeScan(
  existing: SecurityScan | undefined,
  incoming: SecurityScan,
): SecurityScan {
  if (!existing) return incoming;
  return time(incoming.timestamp) >= time(existing.timestamp) ? incoming : existing;
}

/** Whether `after` differs from `before` (so a stale or repeated event publishes nothing). */
export function changed<T>(before: T | undefined, after: T): boolean {
  return before === undefined || JSON.stringify(before) !== JSON.stringify(after);
}
