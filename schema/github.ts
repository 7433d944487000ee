import { z } from "zod";
import { Timestamp } from "./common";

/**
 * The subset of GitHub webhook payloads Opsdeck reads, per event. Field names and shapes follow
 * GitHub's published schema (npm @octokit/openapi-webhooks; types in
 * @octokit/openapi-webhooks-types). Objects strip what they do not name, so the many fields
 * GitHub adds over time are tolerated; a field Opsdeck relies on that is missing or mistyped is a
 * 400 with the path that failed.
 */

const Login = z.object({ login: z.string() });
const Id = z.number().int().nonnegative();
const Time = Timestamp;

export const GithubRepository = z.object({
  id: Id,
  full_name: z.string(),
  html_url: z.string().optional(),
  // `push` payloads carry epoch seconds here; the other events an ISO string.
  pushed_at: z.union([z.number(), z.string()]).nullish(),
});

const Envelope = {
  action: z.string().optional(),
  repository: GithubRepository,
  sender: Login.nullish(),
};

const CommitAuthor = z.object({ name: z.string().nullish(), username: z.string().nullish() });
const HeadCommit = z.object({
  id: z.string().optional(),
  message: z.string().optional(),
  timestamp: Time.optional(),
  author: CommitAuthor.nullish(),
});

export const GithubPing = z.object({
  zen: z.string().optional(),
  hook_id: z.number().optional(),
  hook: z.object({ type: z.string().optional() }).nullish(),
});
export type GithubPing = z.infer<typeof GithubPing>;

export const GithubWorkflowRunEvent = z.object({
  ...Envelope,
  action: z.string(),
  workflow: z.object({ name: z.string().nullish(), path: z.string().nullish() }).nullish(),
  workflow_run: z.object({
    id: Id,
    run_attempt: z.number().int().positive().optional(),
    name: z.string().nullish(),
    display_title: z.string().nullish(),
    path: z.string().nullish(),
    head_branch: z.string().nullish(),
    head_sha: z.string(),
    event: z.string().nullish(),
    status: z.string().nullish(),
    conclusion: z.string().nullish(),
    html_url: z.string(),
    created_at: Time,
    updated_at: Time,
    run_started_at: Time.nullish(),
    actor: Login.nullish(),
    triggering_actor: Login.nullish(),
    head_commit: HeadCommit.nullish(),
  }),
});
export type GithubWorkflowRunEvent = z.infer<typeof GithubWorkflowRunEvent>;

const Step = z.object({
  name: z.string(),
  number: z.number().int(),
  status: z.string(),
  conclusion: z.string().nullish(),
  started_at: Time.nullish(),
  completed_at: Time.nullish(),
});

export const GithubWorkflowJobEvent = z.object({
  ...Envelope,
  action: z.string(),
  workflow_job: z.object({
    id: Id,
    run_id: Id,
    run_attempt: z.number().int().positive().optional(),
    name: z.string(),
    workflow_name: z.string().nullish(),
    head_branch: z.string().nullish(),
    head_sha: z.string(),
    status: z.string(),
    conclusion: z.string().nullish(),
    html_url: z.string().nullish(),
    started_at: Time.nullish(),
    completed_at: Time.nullish(),
    steps: z.array(Step).max(1000).optional(),
  }),
});
export type GithubWorkflowJobEvent = z.infer<typeof GithubWorkflowJobEvent>;

const App = z.object({ id: z.number().optional(), slug: z.string().optional(), name: z.string() });

const CheckSuite = z.object({
  id: Id,
  head_branch: z.string().nullish(),
  head_sha: z.string(),
  status: z.string().nullish(),
  conclusion: z.string().nullish(),
  app: App.nullish(),
  created_at: Time.optional(),
  updated_at: Time.optional(),
  head_commit: HeadCommit.nullish(),
});

export const GithubCheckSuiteEvent = z.object({
  ...Envelope,
  action: z.string(),
  check_suite: CheckSuite.extend({ app: App }),
});
export type GithubCheckSuiteEvent = z.infer<typeof GithubCheckSuiteEvent>;

export const GithubCheckRunEvent = z.object({
  ...Envelope,
  action: z.string(),
  check_run: z.object({
    id: Id,
    name: z.string(),
    head_sha: z.string(),
    status: z.string(),
    conclusion: z.string().nullish(),
    html_url: z.string().nullish(),
    details_url: z.string().nullish(),
    started_at: Time.nullish(),
    completed_at: Time.nullish(),
    app: App.nullish(),
    check_suite: CheckSuite,
  }),
});
export type GithubCheckRunEvent = z.infer<typeof GithubCheckRunEvent>;

const DeploymentPayload = z.object({
  id: Id,
  sha: z.string(),
  ref: z.string(),
  task: z.string().nullish(),
  environment: z.string(),
  description: z.string().nullish(),
  production_environment: z.boolean().optional(),
  creator: Login.nullish(),
  created_at: Time,
  updated_at: Time,
});

export const GithubDeploymentEvent = z.object({
  ...Envelope,
  action: z.string(),
  deployment: DeploymentPayload,
});
export type GithubDeploymentEvent = z.infer<typeof GithubDeploymentEvent>;

export const GithubDeploymentStatusEvent = z.object({
  ...Envelope,
  action: z.string(),
  deployment: DeploymentPayload,
  deployment_status: z.object({
    id: Id,
    state: z.string(),
    environment: z.string().optional(),
    description: z.string().nullish(),
    environment_url: z.string().nullish(),
    log_url: z.string().nullish(),
    target_url: z.string().nullish(),
    creator: Login.nullish(),
    created_at: Time,
    updated_at: Time.optional(),
  }),
});
export type GithubDeploymentStatusEvent = z.infer<typeof GithubDeploymentStatusEvent>;

const AlertTimes = {
  created_at: Time.nullish(),
  updated_at: Time.nullish(),
  fixed_at: Time.nullish(),
  dismissed_at: Time.nullish(),
};

export const GithubCodeScanningAlertEvent = z.object({
  ...Envelope,
  action: z.string(),
  ref: z.string().nullish(),
  alert: z.object({
    number: z.number().int(),
    state: z.string().nullish(),
    html_url: z.string(),
    rule: z.object({
      id: z.string().nullish(),
      name: z.string().nullish(),
      description: z.string().nullish(),
      severity: z.string().nullish(),
      security_severity_level: z.string().nullish(),
    }),
    tool: z.object({ name: z.string() }).nullish(),
    ...AlertTimes,
  }),
});
export type GithubCodeScanningAlertEvent = z.infer<typeof GithubCodeScanningAlertEvent>;

export const GithubDependabotAlertEvent = z.object({
  ...Envelope,
  action: z.string(),
  alert: z.object({
    number: z.number().int(),
    state: z.string(),
    html_url: z.string(),
    security_advisory: z.object({ summary: z.string(), severity: z.string() }),
    security_vulnerability: z.object({ severity: z.string().optional() }).nullish(),
    dependency: z
      .object({
        package: z.object({ name: z.string(), ecosystem: z.string().optional() }).optional(),
        manifest_path: z.string().optional(),
      })
      .nullish(),
    ...AlertTimes,
    auto_dismissed_at: Time.nullish(),
  }),
});
export type GithubDependabotAlertEvent = z.infer<typeof GithubDependabotAlertEvent>;

export const GithubSecretScanningAlertEvent = z.object({
  ...Envelope,
  action: z.string(),
  alert: z.object({
    number: z.number().int(),
    state: z.string().nullish(),
    secret_type: z.string().nullish(),
    secret_type_display_name: z.string().nullish(),
    resolution: z.string().nullish(),
    html_url: z.string().nullish(),
    created_at: Time.nullish(),
    updated_at: Time.nullish(),
    resolved_at: Time.nullish(),
  }),
});
export type GithubSecretScanningAlertEvent = z.infer<typeof GithubSecretScanningAlertEvent>;

export const GithubPushEvent = z.object({
  ...Envelope,
  ref: z.string(),
  after: z.string(),
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  forced: z.boolean().optional(),
  compare: z.string().optional(),
  commits: z.array(z.object({ id: z.string() })).optional(),
  head_commit: HeadCommit.nullish(),
  pusher: z.object({ name: z.string().nullish() }).nullish(),
});
export type GithubPushEvent = z.infer<typeof GithubPushEvent>;

export const GithubPullRequestEvent = z.object({
  ...Envelope,
  action: z.string(),
  pull_request: z.object({
    id: Id,
    number: z.number().int(),
    title: z.string(),
    html_url: z.string(),
    merged: z.boolean().nullish(),
    draft: z.boolean().optional(),
    user: Login.nullish(),
    updated_at: Time,
    head: z.object({ ref: z.string() }),
    base: z.object({ ref: z.string() }),
  }),
});
export type GithubPullRequestEvent = z.infer<typeof GithubPullRequestEvent>;

export const GithubReleaseEvent = z.object({
  ...Envelope,
  action: z.string(),
  release: z.object({
    id: Id,
    tag_name: z.string(),
    name: z.string().nullish(),
    html_url: z.string(),
    prerelease: z.boolean().optional(),
    author: Login.nullish(),
    created_at: Time.nullish(),
    published_at: Time.nullish(),
  }),
});
export type GithubReleaseEvent = z.infer<typeof GithubReleaseEvent>;

/** What the GitHub receiver answers (besides problem+json for rejections). */
export const GithubDeliveryResult = z.object({
  status: z.enum(["accepted", "duplicate", "ignored", "pong"]),
  delivery: z.string(),
  event: z.string(),
  action: z.string().optional(),
  /** Why an accepted event changed nothing, or why it was ignored. */
  reason: z.string().optional(),
  /** Ids of the records this delivery created or updated. */
  changed: z
    .object({
      pipelines: z.array(z.string()),
      deployments: z.array(z.string()),
      security: z.array(z.string()),
      activity: z.array(z.string()),
    })
    .optional(),
});
export type GithubDeliveryResult = z.infer<typeof GithubDeliveryResult>;

/** What the Worker hands the workspace object for one delivery (the body is the raw bytes). */
export type GithubDelivery = {
  event: string | undefined;
  deliveryId: string | undefined;
  signature256: string | undefined;
  /** Whether the legacy SHA-1 `X-Hub-Signature` was sent (for a clearer 401). */
  legacySignature?: boolean;
  contentType: string | undefined;
  body: Uint8Array<ArrayBuffer>;
};
