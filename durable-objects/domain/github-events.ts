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
  type ActivityItem,
  type Deployment,
  type Environment,
  type Pipeline,
  type PipelineStage,
  type RunStatus,
  type SecurityScan,
  type Severity,
} from "../../schema";

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

export type GithubChange =
  | { kind: "run"; pipeline: Pipeline }
  | { kind: "stage"; stage: PipelineStage; placeholder: Pipeline }
  | { kind: "deployment"; deployment: Deployment; fromStatus: boolean; activity?: ActivityItem }
  | { kind: "security"; scan: SecurityScan; activity: ActivityItem }
  | { kind: "activity"; item: ActivityItem };

export type GithubMapping =
  | { outcome: "change"; action?: string; change: GithubChange }
  | { outcome: "ignored"; action?: string; reason: string }
  | { outcome: "invalid"; action?: string; issues: { path: string; message: string }[] };

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

// ── Status folding ─────────────────────────────────────────────────────────────────────

const SUCCESSFUL = new Set(["success", "neutral", "skipped"]);

/** GitHub run/job/check status + conclusion → contract status. */
export function runStatus(
  status: string | null | undefined,
  conclusion?: string | null,
): RunStatus {
  if (status === "in_progress") return "running";
  if (status !== "completed") return "pending";
  if (conclusion && SUCCESSFUL.has(conclusion)) return "success";
  if (conclusion === "action_required") return "pending";
  return "failed";
}

/** Deployment state → contract status; undefined for `inactive` (the caller keeps the old one). */
export function foldDeploymentState(state: string): RunStatus | undefined {
  switch (state) {
    case "queued":
    case "pending":
      return "pending";
    case "in_progress":
      return "running";
    case "success":
      return "success";
    case "inactive":
      return undefined;
    default:
      return "failed";
  }
}

export function environmentOf(name: string, production?: boolean): Environment {
  const n = name.trim().toLowerCase();
  if (production === true || n === "production" || n === "prod") return "production";
  if (n === "staging" || n === "stage") return "staging";
  return "preview";
}

export function severityOf(level: string | null | undefined): Severity {
  switch (level?.toLowerCase()) {
    case "critical":
      return "critical";
    case "high":
    case "error":
      return "error";
    case "medium":
    case "moderate":
    case "warning":
      return "warning";
    default:
      return "info";
  }
}

// ── Small helpers ──────────────────────────────────────────────────────────────────────

const clip = (text: string | null | undefined, max: number) => (text ?? "").slice(0, max);

/** Only http(s) links of a sane length; anything else is dropped rather than shown. */
function link(url: string | null | undefined): string | undefined {
  return url && url.length <= 2000 && /^https?:\/\//i.test(url) ? url : undefined;
}

/** A piece of a record id: only the characters RecordId allows. */
const idPart = (text: string) => text.replace(/[^A-Za-z0-9._:@-]/g, "_").slice(0, 80);

function seconds(from: string | null | undefined, to: string | null | undefined): number {
  if (!from || !to) return 0;
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}

function latest(...times: (string | null | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const t of times) if (t && (!best || Date.parse(t) > Date.parse(best))) best = t;
  return best;
}

const firstLine = (text: string | undefined) => clip(text?.split("\n", 1)[0], 1024);

const run = (pipeline: Pipeline): GithubMapping => ({
  outcome: "change",
  action: undefined,
  change: { kind: "run", pipeline },
});

// ── Pipelines: workflow runs and jobs, check suites and runs ───────────────────────────

function workflowRunPipeline(p: GithubWorkflowRunEvent): Pipeline {
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

function workflowJobStage(p: GithubWorkflowJobEvent): GithubMapping {
  const j = p.workflow_job;
  const stage: PipelineStage = {
    id: `gh-job-${j.id}`,
    name: clip(j.name, 300),
    status: runStatus(j.status, j.conclusion),
    duration: j.completed_at ? seconds(j.started_at, j.completed_at) : 0,
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

function checkSuitePipeline(p: GithubCheckSuiteEvent): GithubMapping {
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

function checkRunStage(p: GithubCheckRunEvent): GithubMapping {
  const c = p.check_run;
  if (isActionsApp(c.app) || isActionsApp(c.check_suite.app))
    return { outcome: "ignored", action: p.action, reason: ACTIONS_DUPLICATE };
  const stage: PipelineStage = {
    id: `gh-check-${c.id}`,
    name: clip(c.name, 300),
    status: runStatus(c.status, c.conclusion),
    duration: c.completed_at ? seconds(c.started_at, c.completed_at) : 0,
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
    duration: 0,
    repository: clip(p.repository.full_name, 300),
    environmentName: clip(d.environment, 300),
    description: d.description ? clip(d.description, 2000) : undefined,
    source: "github",
    updatedAt: d.updated_at,
  };
}

function deploymentCreated(p: GithubDeploymentEvent): GithubMapping {
  return {
    outcome: "change",
    action: p.action,
    change: { kind: "deployment", deployment: baseDeployment(p), fromStatus: false },
  };
}

function deploymentStatusChange(p: GithubDeploymentStatusEvent): GithubMapping {
  const s = p.deployment_status;
  const mapped = foldDeploymentState(s.state);
  const deployment: Deployment = {
    ...baseDeployment(p),
    // `inactive` has no status of its own: the merge keeps the stored one (success if none).
    status: mapped ?? "success",
    duration: seconds(p.deployment.created_at, s.created_at),
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

// ── Security alerts ────────────────────────────────────────────────────────────────────

const OPENING = new Set([
  "created",
  "reopened",
  "reopened_by_user",
  "appeared_in_branch",
  "auto_reopened",
  "reintroduced",
  "publicly_leaked",
  "validated",
]);

/** The alert's own state decides; the action only where GitHub sent no state (older payloads). */
export function alertStatus(state: string | null | undefined, action: string): "passed" | "failed" {
  if (state) return state === "open" ? "failed" : "passed";
  return OPENING.has(action) ? "failed" : "passed";
}

const KIND_LABEL = {
  code_scanning: "Code scanning",
  dependabot: "Dependabot",
  secret_scanning: "Secret scanning",
} as const;

type AlertFacts = {
  kind: keyof typeof KIND_LABEL;
  action: string;
  number: number;
  state: string | null | undefined;
  name: string;
  description?: string | null;
  severity: Severity;
  url: string | null | undefined;
  time: string | undefined;
  repository: z.infer<typeof GithubCodeScanningAlertEvent>["repository"];
  sender: string | undefined;
};

function securityChange(f: AlertFacts, receivedAt: Date): GithubMapping {
  const status = alertStatus(f.state, f.action);
  const scan: SecurityScan = {
    id: `gh-${f.kind.replace("_", "-")}-${f.repository.id}-${f.number}`,
    name: clip(f.name, 500),
    kind: f.kind,
    status,
    severity: f.severity,
    repository: clip(f.repository.full_name, 300),
    url: link(f.url),
    state: clip(f.state ?? f.action, 50),
    description: f.description ? clip(f.description, 10_000) : undefined,
    timestamp: f.time ?? receivedAt.toISOString(),
    source: "github",
    updatedAt: receivedAt.toISOString(),
  };
  const verb = f.action.replaceAll("_", " ");
  const activity: ActivityItem = {
    id: `${scan.id}-${idPart(f.action)}-${idPart(scan.timestamp)}`,
    type: "security",
    title: clip(
      `${KIND_LABEL[f.kind]} alert #${f.number} ${verb} in ${f.repository.full_name}`,
      1024,
    ),
    description: scan.name,
    user: f.sender ? clip(f.sender, 200) : undefined,
    timestamp: scan.timestamp,
    status:
      status === "passed"
        ? "healthy"
        : f.severity === "critical" || f.severity === "error"
          ? "critical"
          : "warning",
    url: scan.url,
    source: "github",
  };
  return { outcome: "change", action: f.action, change: { kind: "security", scan, activity } };
}

function codeScanningAlert(p: GithubCodeScanningAlertEvent, receivedAt: Date): GithubMapping {
  const a = p.alert;
  const rule = a.rule.description || a.rule.name || a.rule.id || "rule";
  return securityChange(
    {
      kind: "code_scanning",
      action: p.action,
      number: a.number,
      state: a.state,
      name: a.tool?.name ? `${a.tool.name}: ${rule}` : rule,
      description: a.rule.id,
      severity: severityOf(a.rule.security_severity_level ?? a.rule.severity),
      url: a.html_url,
      time: latest(a.updated_at, a.fixed_at, a.dismissed_at, a.created_at),
      repository: p.repository,
      sender: p.sender?.login,
    },
    receivedAt,
  );
}

function dependabotAlert(p: GithubDependabotAlertEvent, receivedAt: Date): GithubMapping {
  const a = p.alert;
  const pkg = a.dependency?.package?.name;
  return securityChange(
    {
      kind: "dependabot",
      action: p.action,
      number: a.number,
      state: a.state,
      name: pkg ? `${pkg}: ${a.security_advisory.summary}` : a.security_advisory.summary,
      description: a.dependency?.manifest_path,
      severity: severityOf(a.security_vulnerability?.severity ?? a.security_advisory.severity),
      url: a.html_url,
      time: latest(a.updated_at, a.fixed_at, a.dismissed_at, a.auto_dismissed_at, a.created_at),
      repository: p.repository,
      sender: p.sender?.login,
    },
    receivedAt,
  );
}

function secretScanningAlert(p: GithubSecretScanningAlertEvent, receivedAt: Date): GithubMapping {
  const a = p.alert;
  const type = a.secret_type_display_name ?? a.secret_type;
  return securityChange(
    {
      kind: "secret_scanning",
      action: p.action,
      number: a.number,
      state: a.state,
      name: type ? `Exposed secret: ${type}` : "Exposed secret",
      description: a.resolution ? `Resolution: ${a.resolution}` : undefined,
      // Any exposed credential is treated as critical: GitHub assigns no severity.
      severity: "critical",
      url: a.html_url,
      time: latest(a.updated_at, a.resolved_at, a.created_at),
      repository: p.repository,
      sender: p.sender?.login,
    },
    receivedAt,
  );
}

// ── Activity: pushes, pull requests, releases ──────────────────────────────────────────

function activity(action: string | undefined, item: ActivityItem): GithubMapping {
  return { outcome: "change", action, change: { kind: "activity", item } };
}

/** `repository.pushed_at` is epoch seconds in push payloads. */
function pushedAt(value: number | string | null | undefined): string | undefined {
  if (typeof value === "number") return new Date(value * 1000).toISOString();
  return value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : undefined;
}

function pushActivity(p: GithubPushEvent, receivedAt: Date): GithubMapping {
  const repo = p.repository.full_name;
  const tag = p.ref.startsWith("refs/tags/");
  const name = p.ref.replace(/^refs\/(heads|tags)\//, "");
  const count = p.commits?.length ?? 0;
  const title = p.deleted
    ? `${tag ? "Tag" : "Branch"} ${name} deleted in ${repo}`
    : tag
      ? `Tag ${name} pushed to ${repo}`
      : `${count} commit${count === 1 ? "" : "s"} pushed to ${name} in ${repo}${p.forced ? " (force-push)" : ""}`;
  return activity(undefined, {
    id: `gh-push-${p.repository.id}-${idPart(name)}-${idPart(p.after.slice(0, 12))}`,
    type: "deployment",
    title: clip(title, 1024),
    description: firstLine(p.head_commit?.message),
    user: clip(p.pusher?.name ?? p.sender?.login, 200) || undefined,
    timestamp:
      p.head_commit?.timestamp ?? pushedAt(p.repository.pushed_at) ?? receivedAt.toISOString(),
    url: link(p.compare),
    source: "github",
  });
}

function pullRequestActivity(p: GithubPullRequestEvent): GithubMapping {
  const pr = p.pull_request;
  const verb =
    p.action === "closed" ? (pr.merged ? "merged" : "closed") : p.action.replaceAll("_", " ");
  return activity(p.action, {
    id: `gh-pr-${pr.id}-${idPart(p.action)}-${idPart(pr.updated_at)}`,
    type: "deployment",
    title: clip(`Pull request #${pr.number} ${verb} in ${p.repository.full_name}`, 1024),
    description: clip(`${pr.title} (${pr.head.ref} → ${pr.base.ref})`, 10_000),
    user: clip(p.sender?.login ?? pr.user?.login, 200) || undefined,
    timestamp: pr.updated_at,
    url: link(pr.html_url),
    source: "github",
  });
}

function releaseActivity(p: GithubReleaseEvent, receivedAt: Date): GithubMapping {
  const r = p.release;
  const kind = r.prerelease ? "Pre-release" : "Release";
  return activity(p.action, {
    id: `gh-release-${r.id}-${idPart(p.action)}`,
    type: "deployment",
    title: clip(`${kind} ${r.name || r.tag_name} ${p.action} in ${p.repository.full_name}`, 1024),
    description: clip(`Tag ${r.tag_name}`, 10_000),
    user: clip(r.author?.login ?? p.sender?.login, 200) || undefined,
    timestamp: r.published_at ?? r.created_at ?? receivedAt.toISOString(),
    url: link(r.html_url),
    source: "github",
  });
}
