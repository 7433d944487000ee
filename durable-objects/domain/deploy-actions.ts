import {
  fail,
  ok,
  type Outcome,
  type ActivityItem,
  type Deployment,
  type DeploymentLog,
  type Principal,
  type ProviderAction,
  type RollbackBody,
} from "../../schema";
import { createDeployment, deploymentLog, splitRepo } from "../../providers/github/actions";
import type { GithubClient } from "../../providers/github/client";
import { providerFailure } from "./github-access";
import { applyGithubChanges, publishApplied } from "./github-apply";
import { actionClient, attempt, githubNumber, succeeded, type ActionDeps } from "./provider-call";

/**
 * Retry and rollback of deployments through GitHub, and a deployment's log. Rollback rules:
 * the version redeployed is the newest successful deployment of the same repository and
 * environment that is older than the one rolled back and has a different commit (or the one
 * named by `targetId`, under the same rules); one rollback per environment at a time. Every
 * refusal of ours comes before any GitHub call.
 */

const notFound = (id: string) => fail(404, "not_found", `No deployment '${id}'.`, { field: "id" });

type GithubDeployment = Deployment & { repository: string; environmentName: string };

/** Only deployments GitHub reported can be acted on through GitHub. */
function asGithub(deployment: Deployment): Outcome<GithubDeployment> {
  const { repository, environmentName } = deployment;
  if (
    deployment.source === "github" &&
    repository !== undefined &&
    environmentName !== undefined &&
    githubNumber(deployment.id, "gh-deploy-") !== undefined
  )
    return ok({ ...deployment, repository, environmentName });
  return fail(
    409,
    "action_unsupported",
    `Deployment '${deployment.id}' did not come from GitHub; Opsdeck can only act on GitHub deployments.`,
  );
}

/**
 * The GitHub client and the stored GitHub deployment `id`, read again after the client's await
 * (the record may have changed meanwhile).
 */
async function githubTarget(
  deps: ActionDeps,
  id: string,
): Promise<Outcome<{ client: GithubClient; from: GithubDeployment }>> {
  if (!deps.stores.deployments.get(id)) return notFound(id);
  const client = await actionClient(deps);
  if (!client.ok) return client;
  const stored = deps.stores.deployments.get(id);
  if (!stored) return notFound(id);
  const from = asGithub(stored);
  if (!from.ok) return from;
  return ok({ client: client.value, from: from.value });
}

/** One rollback at a time per repository and environment. */
export const rollbackLockKey = (d: GithubDeployment) =>
  `${d.repository}:${d.environmentName}`.toLowerCase();

const time = (d: Deployment) => Date.parse(d.timestamp);

/**
 * The version a rollback of `from` redeploys, chosen from `candidates` (the stored deployments
 * of the same repository and environment).
 * @example rollbackTarget(current, stored) // ok(last good deployment before `current`)
 */
export function rollbackTarget(
  from: GithubDeployment,
  candidates: Deployment[],
  targetId?: string,
): Outcome<Deployment> {
  const eligible = candidates
    .filter(
      (d) =>
        d.id !== from.id &&
        d.repository === from.repository &&
        d.environmentName === from.environmentName &&
        d.status === "success" &&
        time(d) < time(from) &&
        d.commit !== from.commit,
    )
    .sort((a, b) => time(b) - time(a));
  const env = `${from.environmentName} of ${from.repository}`;
  if (targetId !== undefined) {
    const chosen = eligible.find((d) => d.id === targetId);
    return chosen
      ? ok(chosen)
      : fail(
          409,
          "rollback_conflict",
          `Deployment '${targetId}' is not an earlier successful deployment of ${env} with another commit; pick one of those, or omit targetId.`,
          { field: "json.targetId" },
        );
  }
  const latest = eligible[0];
  return latest
    ? ok(latest)
    : fail(
        409,
        "rollback_conflict",
        `No earlier successful deployment of ${env} with another commit than ${from.commit.slice(0, 7)}: there is nothing to roll back to.`,
      );
}

/** A deployment as GitHub now has it after we created it (and its first status). */
async function deployVersion(
  deps: ActionDeps,
  client: GithubClient,
  actor: Principal,
  action: ProviderAction,
  from: GithubDeployment,
  version: Deployment,
  verb: string,
): Promise<Outcome<{ deployment: Deployment; action: ProviderAction }>> {
  const repository = deps.identity(from.repository) ?? {
    // Deployment records never use the repository id (only security records do).
    id: 0,
    full_name: from.repository,
  };
  const sha = version.commit.slice(0, 7);
  const made = await attempt(deps, actor, action, () =>
    createDeployment(
      client,
      repository,
      {
        ref: version.commit,
        environment: from.environmentName,
        production: from.environment === "production",
        description: `${verb} of ${sha} requested in Opsdeck by ${actor.name}`,
        payload: { opsdeck: { action: action.kind, actionId: action.id, of: from.id } },
      },
      new Date(),
    ),
  );
  if (!made.ok) return made;
  const now = new Date();
  const applied = applyGithubChanges(deps.stores, made.value.changes, true);
  const createdId = made.value.changes.find((c) => c.kind === "deployment")?.deployment.id;
  const deployment = createdId ? deps.stores.deployments.get(createdId) : undefined;
  if (!deployment) {
    const detail = "GitHub's reply named no deployment Opsdeck could read; nothing was stored.";
    deps.actions.fail(action, now, detail, undefined, true);
    return fail(502, "upstream_error", detail);
  }
  const done = succeeded(deps, actor, action, {
    before: from,
    after: deployment,
    resultId: deployment.id,
    note: made.value.statusError ? `status not set: ${made.value.statusError}` : undefined,
  });
  publishApplied(applied, deps.stores, deps.publish, deps.addActivity, now);
  deps.addActivity([requestActivity(done, from, sha, verb, now)], now);
  return ok({ deployment, action: done });
}

function requestActivity(
  action: ProviderAction,
  from: GithubDeployment,
  sha: string,
  verb: string,
  now: Date,
): ActivityItem {
  return {
    id: action.id,
    type: "deployment",
    title: `${verb} of ${from.environmentName} to ${sha} requested`,
    description: `${from.repository}: GitHub deployment ${action.resultId ?? ""}`.trim(),
    user: action.actor,
    timestamp: now.toISOString(),
    source: "opsdeck",
  };
}

/**
 * Redeploys the same commit to the same environment. A deployment still pending or running is
 * refused: a second one would race it.
 */
export async function retryDeployment(
  deps: ActionDeps,
  actor: Principal,
  id: string,
): Promise<Outcome<{ deployment: Deployment; action: ProviderAction }>> {
  const ready = await githubTarget(deps, id);
  if (!ready.ok) return ready;
  const { client, from } = ready.value;
  if (from.status === "pending" || from.status === "running")
    return fail(
      409,
      "deployment_in_progress",
      `Deployment '${id}' is still ${from.status}; retry it once it has finished.`,
      { current: from },
    );
  const action = deps.actions.start("deployment.retry", id, actor, new Date());
  return deployVersion(deps, client, actor, action, from, from, "Redeploy");
}

/**
 * Redeploys the last good version before `id` (or `body.targetId`). Target and lock are checked
 * and the lock taken in one synchronous step, so two concurrent rollbacks of one environment
 * cannot both pass.
 */
export async function rollbackDeployment(
  deps: ActionDeps,
  actor: Principal,
  id: string,
  body: RollbackBody,
): Promise<Outcome<{ deployment: Deployment; action: ProviderAction }>> {
  const ready = await githubTarget(deps, id);
  if (!ready.ok) return ready;
  const { client, from } = ready.value;
  const candidates = deps.stores.deployments.list(1000, {
    repository: from.repository,
    environmentName: from.environmentName,
  });
  const target = rollbackTarget(from, candidates, body.targetId);
  if (!target.ok) return target;
  const now = new Date();
  const lockKey = rollbackLockKey(from);
  const holder = deps.actions.rollbackInFlight(
    lockKey,
    now,
    (d) => deps.stores.deployments.get(d)?.status,
  );
  if (holder)
    return fail(
      409,
      "rollback_conflict",
      `A rollback of ${from.environmentName} is already in flight (${holder.id} by ${holder.actor}, ${holder.resultId ? `deployment ${holder.resultId}` : "calling GitHub"}); wait for it to finish.`,
    );
  const action = deps.actions.start("deployment.rollback", id, actor, now, {
    lockKey,
    rollbackTo: target.value.id,
  });
  return deployVersion(deps, client, actor, action, from, target.value, "Rollback");
}

/** The deployment's statuses from GitHub, oldest first, after a line for its creation. */
export async function deploymentLogs(
  deps: ActionDeps,
  id: string,
): Promise<Outcome<DeploymentLog[]>> {
  const stored = deps.stores.deployments.get(id);
  if (!stored) return notFound(id);
  const from = asGithub(stored);
  if (!from.ok) return from;
  const client = await actionClient(deps);
  if (!client.ok) return client;
  const d = from.value;
  const created: DeploymentLog = {
    time: new Date(d.timestamp).toISOString(),
    level: "info",
    message: `Deployment of ${d.branch} (${d.commit.slice(0, 7)}) to ${d.environmentName} created${d.author ? ` by ${d.author}` : ""}`,
  };
  const number = githubNumber(d.id, "gh-deploy-")!;
  try {
    return ok([created, ...(await deploymentLog(client.value, splitRepo(d.repository), number))]);
  } catch (error) {
    return providerFailure(error);
  }
}
