import {
  fail,
  ok,
  type Outcome,
  type Pipeline,
  type Principal,
  type ProviderAction,
  type StageLogs,
} from "../../schema";
import { cancelRun, jobLog, readRun, rerunRun, splitRepo } from "../../providers/github/actions";
import type { RepoRef } from "../../providers/github/collector";
import type { GithubClient } from "../../providers/github/client";
import { providerFailure } from "./github-access";
import { applyGithubChanges, publishApplied } from "./github-apply";
import { actionClient, attempt, githubNumber, succeeded, type ActionDeps } from "./provider-call";

/**
 * Re-run and cancel of workflow runs through GitHub, and a stage's (job's) log. Opsdeck does not
 * second-guess GitHub on whether a run may be re-run or cancelled (its copy may be a minute
 * old): GitHub decides, and its refusal comes back as a 409 with its own words.
 */

const notFound = (id: string) => fail(404, "not_found", `No pipeline '${id}'.`, { field: "id" });

type GithubRun = { pipeline: Pipeline; repo: RepoRef; runId: number };

function asGithubRun(pipeline: Pipeline): Outcome<GithubRun> {
  const runId = githubNumber(pipeline.id, "gh-run-");
  if (pipeline.source === "github" && runId !== undefined && pipeline.repository?.includes("/"))
    return ok({ pipeline, repo: splitRepo(pipeline.repository), runId });
  return fail(
    409,
    "action_unsupported",
    `Pipeline '${pipeline.id}' is not a GitHub Actions run; Opsdeck can only act on those.`,
  );
}

/**
 * After GitHub accepted an action, reads the run back and stores what GitHub says now, so the
 * screen shows the new attempt (or the cancellation) without waiting for the collector. A failed
 * read changes nothing; the collector or the next webhook brings the news.
 */
async function refreshRun(
  deps: ActionDeps,
  client: GithubClient,
  run: GithubRun,
): Promise<{ pipeline: Pipeline; note?: string }> {
  try {
    const change = await readRun(client, run.repo, run.runId, new Date());
    const now = new Date();
    const applied = applyGithubChanges(deps.stores, [change], true);
    publishApplied(applied, deps.stores, deps.publish, deps.addActivity, now);
  } catch (error) {
    return {
      pipeline: deps.stores.pipelines.get(run.pipeline.id) ?? run.pipeline,
      note: `accepted by GitHub; reading the run back failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  return { pipeline: deps.stores.pipelines.get(run.pipeline.id) ?? run.pipeline };
}

async function act(
  deps: ActionDeps,
  actor: Principal,
  id: string,
  kind: ProviderAction["kind"],
  call: (client: GithubClient, run: GithubRun) => Promise<void>,
): Promise<Outcome<{ pipeline: Pipeline; action: ProviderAction }>> {
  if (!deps.stores.pipelines.get(id)) return notFound(id);
  const client = await actionClient(deps);
  if (!client.ok) return client;
  const stored = deps.stores.pipelines.get(id);
  if (!stored) return notFound(id);
  const run = asGithubRun(stored);
  if (!run.ok) return run;
  const action = deps.actions.start(kind, id, actor, new Date());
  const done = await attempt(deps, actor, action, () => call(client.value, run.value));
  if (!done.ok) return done;
  const { pipeline, note } = await refreshRun(deps, client.value, run.value);
  const recorded = succeeded(deps, actor, action, { before: stored, after: pipeline, note });
  return ok({ pipeline, action: recorded });
}

/** Re-runs every job, or only the failed ones. */
export function rerunPipeline(deps: ActionDeps, actor: Principal, id: string, failedOnly: boolean) {
  return act(deps, actor, id, failedOnly ? "pipeline.rerun-failed" : "pipeline.rerun", (c, r) =>
    rerunRun(c, r.repo, r.runId, failedOnly),
  );
}

export function cancelPipeline(deps: ActionDeps, actor: Principal, id: string) {
  return act(deps, actor, id, "pipeline.cancel", (c, r) => cancelRun(c, r.repo, r.runId));
}

/** The log of one stage (a GitHub Actions job) of the pipeline, read from GitHub now. */
export async function stageLogs(
  deps: ActionDeps,
  id: string,
  stageId: string,
): Promise<Outcome<StageLogs>> {
  const pipeline = deps.stores.pipelines.get(id);
  if (!pipeline) return notFound(id);
  const run = asGithubRun(pipeline);
  if (!run.ok) return run;
  if (!pipeline.stages.some((s) => s.id === stageId))
    return fail(404, "not_found", `Pipeline '${id}' has no stage '${stageId}'.`, {
      field: "stageId",
    });
  const jobId = githubNumber(stageId, "gh-job-");
  if (jobId === undefined)
    return fail(409, "action_unsupported", `Stage '${stageId}' is not a GitHub Actions job.`);
  const client = await actionClient(deps);
  if (!client.ok) return client;
  try {
    return ok(
      await jobLog(client.value, run.value.repo, jobId, { allowLoopback: deps.allowLoopback }),
    );
  } catch (error) {
    return providerFailure(error);
  }
}
