import type { ActivityItem, Deployment, Pipeline, PipelineStage, SecurityScan } from "../../schema";

/**
 * What mapping one GitHub payload yields. It lives apart from events.ts (the dispatcher) so the
 * per-event mappers (map-feed.ts, map-pipelines.ts) and the dispatcher all import it from here,
 * and no mapper imports the dispatcher back.
 */

/** One fact to store: a run, a stage of a run, a deployment, a security scan or an activity. */
export type GithubChange =
  | { kind: "run"; pipeline: Pipeline }
  | { kind: "stage"; stage: PipelineStage; placeholder: Pipeline }
  | { kind: "deployment"; deployment: Deployment; fromStatus: boolean; activity?: ActivityItem }
  | { kind: "security"; scan: SecurityScan; activity: ActivityItem }
  | { kind: "activity"; item: ActivityItem };

/** The outcome for one delivery: a change, an event or action Opsdeck ignores, or a bad body. */
export type GithubMapping =
  | { outcome: "change"; action?: string; change: GithubChange }
  | { outcome: "ignored"; action?: string; reason: string }
  | { outcome: "invalid"; action?: string; issues: { path: string; message: string }[] };
