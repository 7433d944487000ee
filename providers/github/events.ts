import type { z } from "zod";
import {
  GithubCheckRunEvent,
  GithubCheckSuiteEvent,
  GithubCodeScanningAlertEvent,
  GithubDependabotAlertEvent,
  GithubDeploymentEvent,
  GithubDeploymentStatusEvent,
  GithubPullRequestEvent,
  GithubPushEvent,
  GithubReleaseEvent,
  GithubSecretScanningAlertEvent,
  GithubWorkflowJobEvent,
  GithubWorkflowRunEvent,
} from "../../schema";
import {
  codeScanningAlert,
  dependabotAlert,
  pullRequestActivity,
  pushActivity,
  releaseActivity,
  secretScanningAlert,
} from "./map-feed";
import {
  checkRunStage,
  checkSuitePipeline,
  deploymentCreated,
  deploymentStatusChange,
  run,
  workflowJobStage,
  workflowRunPipeline,
} from "./map-pipelines";
import type { GithubMapping } from "./mapping";

export { alertStatus, environmentOf, foldDeploymentState, runStatus, severityOf } from "./fold";
export type { GithubChange, GithubMapping } from "./mapping";

/**
 * Pure mapping from GitHub webhook payloads to Opsdeck records. No storage, no clock: the
 * receive time is passed in and used only where GitHub's payload has no time of its own.
 * Reusable by anything that holds GitHub payloads (the receiver, an Actions collector).
 *
 * Status folding (the contract has four run states):
 * - runs, jobs, check suites and check runs: `requested|queued|waiting|pending` → pending,
 *   `in_progress` → running; `completed` with `success|neutral|skipped` → success,
 *   `action_required` → pending (waiting for a person, nothing failed), any other conclusion
 *   (`failure|cancelled|timed_out|startup_failure|stale`, or none) → failed. The raw conclusion
 *   is kept in `conclusion`.
 * - deployment states: `queued|pending` → pending, `in_progress` → running, `success` →
 *   success, `error|failure` → failed, `inactive` (superseded by a newer deployment) keeps the
 *   stored status, or success when none is stored. The raw state is kept in `state`.
 * - environments: `production`/`prod` or `production_environment: true` → production,
 *   `staging`/`stage` → staging, anything else → preview; the raw name is `environmentName`.
 * - alerts: open (`created`, `reopened`, …) → failed; `fixed|dismissed|resolved|closed` →
 *   passed. Severity: critical → critical, high/error → error, medium/warning → warning,
 *   low/note/none → info; a leaked secret is critical.
 * - activity types (the contract has deployment|alert|security|incident): pushes, pull
 *   requests, releases and deployment results are `deployment` (the change stream); alert
 *   changes are `security`.
 * - check suites and check runs made by the GitHub Actions app are ignored: the same work
 *   arrives as `workflow_run`/`workflow_job`, and counting it twice would duplicate pipelines.
 */

type Mapper = (payload: unknown, receivedAt: Date) => GithubMapping;

/** The actions Opsdeck maps, per event; any other action is acknowledged and ignored. */
const ACTIONS: Record<string, readonly string[] | null> = {
  workflow_run: ["requested", "in_progress", "completed"],
  workflow_job: ["queued", "waiting", "in_progress", "completed"],
  check_suite: ["requested", "rerequested", "completed"],
  check_run: ["created", "rerequested", "requested_action", "completed"],
  deployment: ["created"],
  deployment_status: ["created"],
  code_scanning_alert: [
    "created",
    "reopened",
    "reopened_by_user",
    "appeared_in_branch",
    "fixed",
    "closed_by_user",
  ],
  dependabot_alert: [
    "created",
    "reopened",
    "auto_reopened",
    "reintroduced",
    "fixed",
    "dismissed",
    "auto_dismissed",
  ],
  secret_scanning_alert: ["created", "reopened", "publicly_leaked", "validated", "resolved"],
  push: null,
  pull_request: ["opened", "reopened", "closed", "ready_for_review"],
  release: ["published", "unpublished", "deleted"],
};

const MAPPERS: Record<string, Mapper> = {
  workflow_run: parsed(GithubWorkflowRunEvent, (p) => run(workflowRunPipeline(p))),
  workflow_job: parsed(GithubWorkflowJobEvent, workflowJobStage),
  check_suite: parsed(GithubCheckSuiteEvent, checkSuitePipeline),
  check_run: parsed(GithubCheckRunEvent, checkRunStage),
  deployment: parsed(GithubDeploymentEvent, deploymentCreated),
  deployment_status: parsed(GithubDeploymentStatusEvent, deploymentStatusChange),
  code_scanning_alert: parsed(GithubCodeScanningAlertEvent, codeScanningAlert),
  dependabot_alert: parsed(GithubDependabotAlertEvent, dependabotAlert),
  secret_scanning_alert: parsed(GithubSecretScanningAlertEvent, secretScanningAlert),
  push: parsed(GithubPushEvent, pushActivity),
  pull_request: parsed(GithubPullRequestEvent, pullRequestActivity),
  release: parsed(GithubReleaseEvent, releaseActivity),
};

/** Events this receiver maps (for docs and tests). */
export const MAPPED_EVENTS = Object.keys(MAPPERS);

/**
 * Maps one delivery's parsed JSON body.
 * @example mapGithubEvent("workflow_run", payload, new Date()) // { outcome: "change", change: { kind: "run", … } }
 */
export function mapGithubEvent(event: string, payload: unknown, receivedAt: Date): GithubMapping {
  const mapper = MAPPERS[event];
  if (!mapper) return { outcome: "ignored", reason: `Opsdeck does not use '${event}' events.` };
  const action = actionOf(payload);
  const known = ACTIONS[event];
  if (known && (action === undefined || !known.includes(action)))
    return {
      outcome: "ignored",
      action,
      reason: `Opsdeck does not use '${event}' with action '${action ?? "(none)"}'.`,
    };
  return mapper(payload, receivedAt);
}

function actionOf(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null || !("action" in payload)) return undefined;
  return typeof payload.action === "string" ? payload.action : undefined;
}

function parsed<S extends z.ZodType>(
  schema: S,
  map: (payload: z.infer<S>, receivedAt: Date) => GithubMapping,
): Mapper {
  return (payload, receivedAt) => {
    const result = schema.safeParse(payload);
    if (result.success) return map(result.data, receivedAt);
    return {
      outcome: "invalid",
      action: actionOf(payload),
      issues: result.error.issues.map((issue) => ({
        path: ["body", ...issue.path.map(String)].join("."),
        message: issue.message,
      })),
    };
  };
}
