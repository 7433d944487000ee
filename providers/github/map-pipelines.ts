import type {
  ActivityItem,
  Deployment,
  GithubCheckRunEvent,
  GithubCheckSuiteEvent,
  GithubDeploymentEvent,
  GithubDeploymentStatusEvent,
  GithubWorkflowJobEvent,
  GithubWorkflowRunEvent,
  Pipeline,
  PipelineStage,
} from "../../schema";
import type { GithubMapping } from "./mapping";
import { runDuration } from "../../schema/durations";
import { clip, environmentOf, foldDeploymentState, link, millis, runStatus } from "./fold";

/** GitHub events that become pipelines (runs, jobs, check suites, check runs) and deployments. */

export const run = (pipeline: Pipeline): GithubMapping => ({
  outcome: "change",
  action: undefined,
  change: { kind: "run", pipeline },
});

// ── Pipelines: workflow runs and jobs, check suites and runs ───────────────────────────

export function workflowRunPipeline(p: GithubWorkflowRunEvent): Pipeline {
  const r = p.workflow_run;
  return {
    id: `gh-run-${r.id}`,
    name: clip(r.name || p.workflow?.name || r.path, 300),
    branch: clip(r.head_branch, 300),
    commit: clip(r.head_sha, 100),
    author: clip(
      r.actor?.login ??
        r.triggering_actor?.login ??
        r.head_commit?.author?.username ??
        r.head_commit?.author?.name,
      200,
    ),
    status: runStatus(r.status, r.conclusion),
    stages: [],
    repository: clip(p.repository.full_name, 300),
    url: link(r.html_url),
    startedAt: r.run_started_at ?? r.created_at,
    attempt: r.run_attempt ?? 1,
    trigger: r.event ? clip(r.event, 100) : undefined,
    conclusion: r.conclusion ? clip(r.conclusion, 50) : undefined,
    source: "github",
    updatedAt: r.updated_at,
  };
}

export function workflowJobStage(p: GithubWorkflowJobEvent): GithubMapping {
  const j = p.workflow_job;
  const status = runStatus(j.status, j.conclusion);
  const durationMs = j.completed_at ? millis(j.started_at, j.completed_at) : 0;
  const stage: PipelineStage = {
    id: `gh-job-${j.id}`,
    name: clip(j.name, 300),
    status,
    duration: runDuration({ status, durationMs }),
    durationMs,
    url: link(j.html_url),
    startedAt: j.started_at ?? undefined,
    completedAt: j.completed_at ?? undefined,
    attempt: j.run_attempt ?? 1,
    conclusion: j.conclusion ? clip(j.conclusion, 50) : undefined,
    steps: j.steps?.map((s) => ({
      name: clip(s.name, 300),
      number: s.number,
      status: runStatus(s.status, s.conclusion),
      startedAt: s.started_at ?? undefined,
      completedAt: s.completed_at ?? undefined,
    })),
  };
  const placeholder: Pipeline = {
    id: `gh-run-${j.run_id}`,
    name: clip(j.workflow_name, 300),
    branch: clip(j.head_branch, 300),
    commit: clip(j.head_sha, 100),
    author: "",
    status: "pending",
    stages: [],
    repository: clip(p.repository.full_name, 300),
    attempt: j.run_attempt ?? 1,
    incomplete: true,
    source: "github",
  };
  return { outcome: "change", action: p.action, change: { kind: "stage", stage, placeholder } };
}

const isActionsApp = (app: { slug?: string } | null | undefined) => app?.slug === "github-actions";

const ACTIONS_DUPLICATE =
  "Made by GitHub Actions: the same work arrives as workflow_run/workflow_job events.";

export function checkSuitePipeline(p: GithubCheckSuiteEvent): GithubMapping {
  const s = p.check_suite;
  if (isActionsApp(s.app))
    return { outcome: "ignored", action: p.action, reason: ACTIONS_DUPLICATE };
  const pipeline: Pipeline = {
    id: `gh-suite-${s.id}`,
    name: clip(s.app.name, 300),
    branch: clip(s.head_branch, 300),
    commit: clip(s.head_sha, 100),
    author: clip(s.head_commit?.author?.username ?? s.head_commit?.author?.name, 200),
    status: runStatus(s.status, s.conclusion),
    stages: [],
    repository: clip(p.repository.full_name, 300),
    startedAt: s.created_at,
    conclusion: s.conclusion ? clip(s.conclusion, 50) : undefined,
    source: "github",
    updatedAt: s.updated_at,
  };
  return { ...run(pipeline), action: p.action };
}

export function checkRunStage(p: GithubCheckRunEvent): GithubMapping {
  const c = p.check_run;
  if (isActionsApp(c.app) || isActionsApp(c.check_suite.app))
    return { outcome: "ignored", action: p.action, reason: ACTIONS_DUPLICATE };
  const status = runStatus(c.status, c.conclusion);
  const durationMs = c.completed_at ? millis(c.started_at, c.completed_at) : 0;
  const stage: PipelineStage = {
    id: `gh-check-${c.id}`,
    name: clip(c.name, 300),
    status,
    duration: runDuration({ status, durationMs }),
    durationMs,
    url: link(c.html_url) ?? link(c.details_url),
    startedAt: c.started_at ?? undefined,
    completedAt: c.completed_at ?? undefined,
    conclusion: c.conclusion ? clip(c.conclusion, 50) : undefined,
  };
  const suite = c.check_suite;
  const placeholder: Pipeline = {
    id: `gh-suite-${suite.id}`,
    name: clip(suite.app?.name ?? c.app?.name, 300),
    branch: clip(suite.head_branch, 300),
    commit: clip(suite.head_sha, 100),
    author: "",
    status: "pending",
    stages: [],
    repository: clip(p.repository.full_name, 300),
    incomplete: true,
    source: "github",
  };
  return { outcome: "change", action: p.action, change: { kind: "stage", stage, placeholder } };
}

// ── Deployments ───────────────────────────────────────────────────────────────────────

function baseDeployment(p: GithubDeploymentEvent): Deployment {
  const d = p.deployment;
  return {
    id: `gh-deploy-${d.id}`,
    name: clip(p.repository.full_name, 300),
    environment: environmentOf(d.environment, d.production_environment),
    status: "pending",
    branch: clip(d.ref, 300),
    commit: clip(d.sha, 100),
    author: clip(d.creator?.login, 200),
    timestamp: d.created_at,
    duration: runDuration({ status: "pending", durationMs: 0 }),
    durationMs: 0,
    repository: clip(p.repository.full_name, 300),
    environmentName: clip(d.environment, 300),
    description: d.description ? clip(d.description, 2000) : undefined,
    source: "github",
    updatedAt: d.updated_at,
  };
}

export function deploymentCreated(p: GithubDeploymentEvent): GithubMapping {
  return {
    outcome: "change",
    action: p.action,
    change: { kind: "deployment", deployment: baseDeployment(p), fromStatus: false },
  };
}

export function deploymentStatusChange(p: GithubDeploymentStatusEvent): GithubMapping {
  const s = p.deployment_status;
  const mapped = foldDeploymentState(s.state);
  // `inactive` has no status of its own: the merge keeps the stored one (success if none).
  const status = mapped ?? "success";
  const durationMs = millis(p.deployment.created_at, s.created_at);
  const deployment: Deployment = {
    ...baseDeployment(p),
    status,
    duration: runDuration({ status, durationMs }),
    durationMs,
    url: link(s.environment_url),
    logUrl: link(s.log_url) ?? link(s.target_url),
    state: clip(s.state, 50),
    description: s.description ? clip(s.description, 2000) : undefined,
    updatedAt: s.created_at,
  };
  const done = mapped === "success" || mapped === "failed";
  const activity: ActivityItem | undefined = done
    ? {
        id: `${deployment.id}-status-${s.id}`,
        type: "deployment",
        title: clip(
          `Deployment to ${deployment.environmentName} ${mapped === "success" ? "succeeded" : "failed"}`,
          1024,
        ),
        description: clip(
          `${p.repository.full_name} ${p.deployment.ref} @ ${p.deployment.sha.slice(0, 7)}`,
          10_000,
        ),
        user: s.creator?.login ? clip(s.creator.login, 200) : undefined,
        timestamp: s.created_at,
        status: mapped === "success" ? "healthy" : "critical",
        url: deployment.logUrl ?? deployment.url,
        source: "github",
      }
    : undefined;
  return {
    outcome: "change",
    action: p.action,
    change: { kind: "deployment", deployment, fromStatus: true, activity },
  };
}
