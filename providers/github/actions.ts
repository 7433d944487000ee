import { z } from "zod";
import type { DeploymentLog, StageLog, StageLogs } from "../../schema";
import { checkOutboundUrl } from "../../lib/url-policy";
import { asChange, type RepoIdentity, type RepoRef } from "./collector";
import { GithubError, type GithubClient } from "./client";
import { UpstreamError } from "../http";
import type { GithubChange } from "./mapping";

/**
 * The provider calls behind the dashboard's actions: re-run and cancel a workflow run, read a
 * job's log, create a deployment (retry, rollback) and its first status, read a deployment's
 * statuses as its log. Pure: each call returns what GitHub answered, mapped to schema records
 * with the webhook mapping; failures leave as `GithubError`.
 */

const Identity = z.object({ id: z.number().int(), full_name: z.string() });
const StatusItem = z.object({
  state: z.string(),
  description: z.string().nullish(),
  environment_url: z.string().nullish(),
  log_url: z.string().nullish(),
  target_url: z.string().nullish(),
  created_at: z.string(),
});
const DeploymentItem = z.object({ id: z.number().int() });

/** Log downloads: the tail kept, how much may stream past, and how long it may take. */
export const LOG_LIMITS = { keepBytes: 2 * 1024 * 1024, maxBytes: 64 * 1024 * 1024, lines: 5000 };
const LOG_TIMEOUT_MS = 20_000;

/** `owner/name` → its parts. */
export function splitRepo(full: string): RepoRef {
  const [owner = "", name = ""] = full.split("/");
  return { owner, name };
}

function parsed<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new GithubError(`${what}: GitHub sent a reply Opsdeck cannot read`, "malformed");
}

/** Re-runs every job of a run, or only the failed ones (GitHub answers 201). */
export async function rerunRun(
  client: GithubClient,
  repo: RepoRef,
  runId: number,
  failedOnly: boolean,
): Promise<void> {
  const { owner, name } = repo;
  const what = `POST ${owner}/${name} run ${runId} ${failedOnly ? "rerun-failed-jobs" : "rerun"}`;
  await client.call(what, (o) =>
    failedOnly
      ? o.rest.actions.reRunWorkflowFailedJobs({ owner, repo: name, run_id: runId })
      : o.rest.actions.reRunWorkflow({ owner, repo: name, run_id: runId }),
  );
}

/** Asks GitHub to cancel a run (202; the run completes as cancelled shortly after). */
export async function cancelRun(client: GithubClient, repo: RepoRef, runId: number) {
  const { owner, name } = repo;
  await client.call(`POST ${owner}/${name} run ${runId} cancel`, (o) =>
    o.rest.actions.cancelWorkflowRun({ owner, repo: name, run_id: runId }),
  );
}

/** The run as GitHub has it now, mapped like a `workflow_run` event. */
export async function readRun(
  client: GithubClient,
  repo: RepoRef,
  runId: number,
  now: Date,
): Promise<GithubChange> {
  const { owner, name } = repo;
  const what = `GET ${owner}/${name} run ${runId}`;
  const reply = await client.call(what, (o) =>
    o.rest.actions.getWorkflowRun({ owner, repo: name, run_id: runId }),
  );
  const run: unknown = reply.data;
  const repository = Identity.safeParse((run as { repository?: unknown } | null)?.repository);
  const status = (run as { status?: unknown } | null)?.status;
  const change = asChange(
    "workflow_run",
    {
      action:
        status === "completed"
          ? "completed"
          : status === "in_progress"
            ? "in_progress"
            : "requested",
      workflow_run: run,
      repository: repository.success ? repository.data : undefined,
    },
    now,
  );
  if (!change) throw new GithubError(`${what}: GitHub sent a run Opsdeck cannot read`, "malformed");
  return change;
}

export type NewDeployment = {
  ref: string;
  environment: string;
  production: boolean;
  description: string;
  payload: Record<string, unknown>;
};

/**
 * Creates a deployment and gives it a first `queued` status saying who asked. The version was
 * deployed before, so its status checks were verified then: `required_contexts: []` keeps GitHub
 * from refusing an old commit whose checks have since expired; `auto_merge: false` keeps it from
 * merging the default branch into the ref. The status is best effort: the deployment exists
 * either way, and the deploy system will post its own statuses.
 */
export async function createDeployment(
  client: GithubClient,
  repository: RepoIdentity,
  input: NewDeployment,
  now: Date,
): Promise<{ changes: GithubChange[]; statusError?: string }> {
  const { owner, name } = splitRepo(repository.full_name);
  const what = `POST ${repository.full_name} deployments`;
  const reply = await client.call(what, (o) =>
    o.rest.repos.createDeployment({
      owner,
      repo: name,
      ref: input.ref,
      environment: input.environment,
      production_environment: input.production,
      description: input.description.slice(0, 140),
      payload: input.payload,
      auto_merge: false,
      required_contexts: [],
    }),
  );
  // 202 means GitHub merged instead of deploying; with auto_merge off it should never happen.
  if (reply.status !== 201)
    throw new GithubError(
      `${what}: GitHub created no deployment (HTTP ${reply.status})`,
      "rejected",
      reply.status,
    );
  const deployment = parsed(DeploymentItem, reply.data, what);
  const created = asChange(
    "deployment",
    { action: "created", deployment: reply.data, repository },
    now,
  );
  if (!created)
    throw new GithubError(`${what}: GitHub sent a deployment Opsdeck cannot read`, "malformed");
  const changes = [created];
  try {
    const status = await client.call(`POST ${repository.full_name} deployment status`, (o) =>
      o.rest.repos.createDeploymentStatus({
        owner,
        repo: name,
        deployment_id: deployment.id,
        state: "queued",
        description: input.description.slice(0, 140),
      }),
    );
    const change = asChange(
      "deployment_status",
      { action: "created", deployment: reply.data, deployment_status: status.data, repository },
      now,
    );
    if (change) changes.push(change);
    return { changes };
  } catch (error) {
    return { changes, statusError: error instanceof Error ? error.message : String(error) };
  }
}

const LEVEL: Record<string, DeploymentLog["level"]> = {
  success: "success",
  failure: "error",
  error: "error",
};

/** A deployment's statuses, oldest first, as log lines (GitHub keeps up to 1000 per deployment). */
export async function deploymentLog(
  client: GithubClient,
  repo: RepoRef,
  deploymentId: number,
): Promise<DeploymentLog[]> {
  const { owner, name } = repo;
  const what = `GET ${owner}/${name} deployment ${deploymentId} statuses`;
  const reply = await client.call(what, (o) =>
    o.rest.repos.listDeploymentStatuses({
      owner,
      repo: name,
      deployment_id: deploymentId,
      per_page: 100,
    }),
  );
  return parsed(z.array(StatusItem), reply.data, what)
    .toReversed()
    .map((s): DeploymentLog => ({
      time: iso(s.created_at),
      level: LEVEL[s.state] ?? "info",
      message: [s.state, s.description, s.log_url ?? s.target_url ?? s.environment_url]
        .filter((part): part is string => Boolean(part))
        .join(" · "),
    }));
}

/**
 * A job's log. GitHub answers 302 with a short-lived download URL on another host: that URL
 * must pass the outbound URL policy, and it is fetched without the token (it is pre-signed, and
 * the token must never travel to another host). Only the tail is kept when the log is long.
 */
export async function jobLog(
  client: GithubClient,
  repo: RepoRef,
  jobId: number,
  options: { allowLoopback: boolean },
): Promise<StageLogs> {
  const { owner, name } = repo;
  const what = `GET ${owner}/${name} job ${jobId} logs`;
  const reply = await client.call(what, (o) =>
    o.rest.actions.downloadJobLogsForWorkflowRun({ owner, repo: name, job_id: jobId }),
  );
  const location = reply.headers.location;
  if (reply.status !== 302 || typeof location !== "string")
    throw new GithubError(
      `${what}: expected a redirect to the log (HTTP ${reply.status})`,
      "malformed",
      reply.status,
    );
  const verdict = checkOutboundUrl(location, { allowLoopback: options.allowLoopback });
  if (!verdict.ok)
    throw new GithubError(
      `${what}: the log is at a URL Opsdeck will not fetch (${verdict.reason})`,
      "malformed",
    );
  const { text, truncated } = await downloadTail(verdict.url.toString(), what);
  return parseLog(text, truncated);
}

async function downloadTail(
  url: string,
  what: string,
): Promise<{ text: string; truncated: boolean }> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { "User-Agent": "opsdeck" },
      redirect: "manual",
      signal: AbortSignal.timeout(LOG_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut =
      error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new GithubError(
      `${what}: the log download ${timedOut ? `took over ${LOG_TIMEOUT_MS} ms` : "failed"}`,
      timedOut ? "timeout" : "unreachable",
    );
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new GithubError(
      `${what}: the log download answered HTTP ${response.status} (the link may have expired; retry)`,
      "server",
      response.status,
    );
  }
  try {
    return await readTail(response, LOG_LIMITS.keepBytes, LOG_LIMITS.maxBytes);
  } catch (error) {
    if (error instanceof GithubError) throw error;
    if (error instanceof UpstreamError)
      throw new GithubError(`${what}: ${error.message}`, "malformed");
    throw new GithubError(`${what}: the log download broke off`, "timeout");
  }
}

/** Streams the body, keeping only its last `keepBytes`; refuses more than `maxBytes` in all. */
async function readTail(
  response: Response,
  keepBytes: number,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const reader = response.body?.getReader();
  if (!reader) return { text: "", truncated: false };
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new GithubError(`the log is over ${maxBytes} bytes`, "malformed");
    }
    chunks.push(value);
    kept += value.byteLength;
    while (chunks.length > 1 && kept - chunks[0]!.byteLength >= keepBytes)
      kept -= chunks.shift()!.byteLength;
  }
  const bytes = new Uint8Array(kept);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const start = Math.max(0, kept - keepBytes);
  return {
    text: new TextDecoder().decode(bytes.subarray(start)),
    truncated: total > kept || start > 0,
  };
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z ?(.*)$/;

/**
 * Actions logs carry a timestamp per line (`2024-01-02T03:04:05.1234567Z text`); a line without
 * one (a wrapped multi-line message) takes the time of the line before it.
 */
export function parseLog(text: string, truncated: boolean): StageLogs {
  let lines = text.replace(/^\uFEFF/, "").split("\n");
  // A cut tail starts mid-line; drop the fragment.
  if (truncated) lines = lines.slice(1);
  if (lines.at(-1) === "") lines.pop();
  let cut = truncated;
  if (lines.length > LOG_LIMITS.lines) {
    lines = lines.slice(-LOG_LIMITS.lines);
    cut = true;
  }
  let last = new Date(0).toISOString();
  const logs = lines.map((raw): StageLog => {
    const line = raw.replace(/\r$/, "");
    const match = STAMP.exec(line);
    if (!match) return { time: last, message: line };
    const millis = (match[2] ?? ".000").slice(0, 4).padEnd(4, "0");
    const time = new Date(`${match[1]}${millis}Z`);
    if (!Number.isNaN(time.getTime())) last = time.toISOString();
    return { time: last, message: match[3] ?? "" };
  });
  return { logs, truncated: cut };
}

export function iso(value: string): string {
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? new Date(0).toISOString() : t.toISOString();
}
