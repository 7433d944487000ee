import { z } from "zod";
import { mapGithubEvent, type GithubChange } from "./events";
import { GithubError, type GithubClient } from "./client";

/**
 * GitHub collection adapter: lists workflow runs and their jobs, deployments and their latest
 * status, and code scanning and Dependabot alerts for each planned repository, then maps them
 * with the webhook receiver's own mapping (`mapGithubEvent`), because the REST objects have the
 * webhook payloads' shapes. Webhook and collector therefore produce the same records with the
 * same ids, and the object merges both by the same rules. Pure: fetch and map, nothing stored.
 */

/** A configured repository. */
export type RepoRef = { owner: string; name: string };
/** GitHub's id and canonical name for it (security record ids embed the repository id). */
export type RepoIdentity = { id: number; full_name: string };

export type RepoPlan = {
  key: string;
  ref: RepoRef;
  identity?: RepoIdentity;
  security: boolean;
  /** What earlier runs already read in full for this repository. */
  seen: SeenKeys;
};

/** What earlier runs already fetched in full, so unchanged details are not fetched again. */
export type SeenKeys = { runs: Record<string, string>; deployments: Record<string, string> };

export type RepoHarvest = {
  key: string;
  identity: RepoIdentity;
  changes: GithubChange[];
  /** Completed runs whose jobs were fetched, and terminal deployments whose status was. */
  seen: SeenKeys;
  /** Ids present in this run's lists (the cursor keeps only these). */
  listed: { runs: string[]; deployments: string[] };
  /** Whether security alerts were read this run (false when not due). */
  security: boolean;
  /** Things worth saying that are not failures (e.g. code scanning not enabled). */
  notes: string[];
  /** Items whose shape the mapping refused; they are skipped, not fatal. */
  skipped: number;
};

export type RepoFailure = { key: string; error: GithubError };

/** Page sizes: one page per list per run keeps the request count fixed and small. */
export const PAGE = { runs: 20, jobs: 100, deployments: 20, alerts: 50 } as const;

const RunHead = z.object({
  id: z.number(),
  status: z.string().nullish(),
  updated_at: z.string(),
  run_attempt: z.number().optional(),
});
const DeploymentHead = z.object({ id: z.number(), updated_at: z.string() });
const StatusHead = z.object({ id: z.number(), state: z.string() });
const Identity = z.object({ id: z.number().int(), full_name: z.string() });
const RunsPage = z.object({ workflow_runs: z.array(z.unknown()) });
const JobsPage = z.object({ jobs: z.array(z.unknown()) });
const List = z.array(z.unknown());

const TERMINAL_STATES = new Set(["success", "failure", "error", "inactive"]);

/** `GET` result checked against the envelope Opsdeck reads; a mismatch is a malformed reply. */
function envelope<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue ? ` (${issue.path.join(".") || "body"}: ${issue.message})` : "";
  throw new GithubError(`${what}: GitHub sent a reply Opsdeck cannot read${where}`, "malformed");
}

const runAction = (status: string | null | undefined) =>
  status === "completed" ? "completed" : status === "in_progress" ? "in_progress" : "requested";
const jobAction = (status: unknown) =>
  status === "completed" || status === "in_progress" || status === "waiting" ? status : "queued";
const codeScanningAction = (state: unknown) =>
  state === "fixed" ? "fixed" : state === "dismissed" ? "closed_by_user" : "created";
const dependabotAction = (state: unknown) =>
  state === "fixed" || state === "dismissed" || state === "auto_dismissed" ? state : "created";

function stateOf(item: unknown): unknown {
  return typeof item === "object" && item !== null && "state" in item ? item.state : undefined;
}
function statusOf(item: unknown): unknown {
  return typeof item === "object" && item !== null && "status" in item ? item.status : undefined;
}

/**
 * Maps one REST object through the webhook mapping, wrapped as the event GitHub would send.
 * Returns undefined when the object lacks what the mapping needs.
 */
export function asChange(
  event: string,
  payload: Record<string, unknown>,
  now: Date,
): GithubChange | undefined {
  const mapping = mapGithubEvent(event, payload, now);
  return mapping.outcome === "change" ? mapping.change : undefined;
}

type Lists = {
  plan: RepoPlan;
  identity: RepoIdentity;
  runs: unknown[];
  deployments: unknown[];
  codeScanning?: unknown[];
  dependabot?: unknown[];
  notes: string[];
};

/**
 * Collects the planned repositories. A failure that concerns every repository (token rejected,
 * rate limit) is thrown; any other failure is reported per repository and the others go on.
 * Detail fetches (jobs, statuses) use what is left of the client's request budget, most useful
 * first (runs in progress, then newest); what does not fit waits for the next run.
 */
export async function collectRepositories(
  client: GithubClient,
  plans: RepoPlan[],
  now: Date,
): Promise<{ harvests: RepoHarvest[]; failures: RepoFailure[] }> {
  const failures: RepoFailure[] = [];
  const listed = await Promise.allSettled(plans.map((plan) => listRepository(client, plan)));
  const lists: Lists[] = [];
  listed.forEach((outcome, i) => {
    if (outcome.status === "fulfilled") lists.push(outcome.value);
    else failures.push({ key: plans[i]!.key, error: asGithubError(outcome.reason) });
  });
  throwIfGlobal(failures);
  const harvests = lists.map((l) => harvest(l, now));
  await fetchDetails(client, lists, harvests, now, failures);
  throwIfGlobal(failures);
  return { harvests, failures };
}

function asGithubError(error: unknown): GithubError {
  return error instanceof GithubError
    ? error
    : new GithubError(error instanceof Error ? error.message : String(error), "malformed");
}

/** Token and rate-limit failures concern every repository: the run stops. */
function throwIfGlobal(failures: RepoFailure[]): void {
  const global = failures.find(
    (f) => f.error.category === "unauthorized" || f.error.category === "rate_limited",
  );
  if (global) throw global.error;
}

async function listRepository(client: GithubClient, plan: RepoPlan): Promise<Lists> {
  const { owner, name: repo } = plan.ref;
  const label = `${owner}/${repo}`;
  const identity =
    plan.identity ??
    envelope(
      Identity,
      (await client.call(`GET ${label}`, (o) => o.rest.repos.get({ owner, repo }))).data,
      `GET ${label}`,
    );
  const [runs, deployments, codeScanning, dependabot] = await Promise.all([
    client
      .call(`GET ${label} runs`, (o) =>
        o.rest.actions.listWorkflowRunsForRepo({ owner, repo, per_page: PAGE.runs }),
      )
      .then((r) => envelope(RunsPage, r.data, `GET ${label} runs`).workflow_runs),
    client
      .call(`GET ${label} deployments`, (o) =>
        o.rest.repos.listDeployments({ owner, repo, per_page: PAGE.deployments }),
      )
      .then((r) => envelope(List, r.data, `GET ${label} deployments`)),
    plan.security
      ? optionalAlerts(`GET ${label} code scanning alerts`, () =>
          client.call(`GET ${label} code scanning alerts`, (o) =>
            o.rest.codeScanning.listAlertsForRepo({
              owner,
              repo,
              per_page: PAGE.alerts,
              sort: "updated",
              direction: "desc",
            }),
          ),
        )
      : undefined,
    plan.security
      ? optionalAlerts(`GET ${label} Dependabot alerts`, () =>
          client.call(`GET ${label} Dependabot alerts`, (o) =>
            o.rest.dependabot.listAlertsForRepo({
              owner,
              repo,
              per_page: PAGE.alerts,
              sort: "updated",
              direction: "desc",
            }),
          ),
        )
      : undefined,
  ]);
  const notes = [codeScanning, dependabot].flatMap((r) => (typeof r === "string" ? [r] : []));
  return {
    plan,
    identity,
    runs,
    deployments,
    codeScanning: Array.isArray(codeScanning) ? codeScanning : undefined,
    dependabot: Array.isArray(dependabot) ? dependabot : undefined,
    notes,
  };
}

/**
 * Alerts a repository may simply not have: GitHub answers 403 when Advanced Security or
 * Dependabot alerts are off and 404 when code scanning never ran. That is a note, not a failure.
 */
async function optionalAlerts(
  what: string,
  call: () => Promise<{ data: unknown }>,
): Promise<unknown[] | string> {
  try {
    return envelope(List, (await call()).data, what);
  } catch (error) {
    if (
      error instanceof GithubError &&
      (error.category === "forbidden" || error.category === "not_found")
    )
      return `${what}: not available (${error.githubMessage ?? error.category})`;
    throw error;
  }
}

/** List-level changes of one repository: runs, deployments (creation only) and alerts. */
function harvest(lists: Lists, now: Date): RepoHarvest {
  const repository = lists.identity;
  const out: RepoHarvest = {
    key: lists.plan.key,
    identity: repository,
    changes: [],
    seen: { runs: {}, deployments: {} },
    listed: { runs: [], deployments: [] },
    // Read, or found not available (a note): either way not due again until its interval.
    security: lists.plan.security,
    notes: lists.notes,
    skipped: 0,
  };
  const add = (change: GithubChange | undefined) =>
    change ? out.changes.push(change) : out.skipped++;
  for (const run of lists.runs) {
    const head = RunHead.safeParse(run);
    if (head.success) out.listed.runs.push(String(head.data.id));
    const ownRepo = Identity.safeParse((run as { repository?: unknown }).repository);
    add(
      asChange(
        "workflow_run",
        {
          action: runAction(head.success ? head.data.status : undefined),
          workflow_run: run,
          repository: ownRepo.success ? ownRepo.data : repository,
        },
        now,
      ),
    );
  }
  for (const deployment of lists.deployments) {
    const head = DeploymentHead.safeParse(deployment);
    if (head.success) out.listed.deployments.push(String(head.data.id));
    add(asChange("deployment", { action: "created", deployment, repository }, now));
  }
  for (const alert of lists.codeScanning ?? [])
    add(
      asChange(
        "code_scanning_alert",
        { action: codeScanningAction(stateOf(alert)), alert, repository },
        now,
      ),
    );
  for (const alert of lists.dependabot ?? [])
    add(
      asChange(
        "dependabot_alert",
        { action: dependabotAction(stateOf(alert)), alert, repository },
        now,
      ),
    );
  return out;
}

type Detail =
  | { kind: "jobs"; index: number; runId: number; key: string; done: boolean; priority: number }
  | { kind: "statuses"; index: number; deployment: unknown; id: number; key: string };

/** Runs still moving, or changed since their jobs were last read; deployments likewise. */
function detailsWanted(lists: Lists[]): Detail[] {
  const wanted: Detail[] = [];
  lists.forEach((l, index) => {
    const seen = l.plan.seen;
    l.runs.forEach((run, position) => {
      const head = RunHead.safeParse(run);
      if (!head.success) return;
      const key = `${head.data.updated_at}|${head.data.run_attempt ?? 1}`;
      const done = head.data.status === "completed";
      if (done && seen.runs[String(head.data.id)] === key) return;
      // Moving runs first, then the newest (lists come newest first).
      wanted.push({ kind: "jobs", index, runId: head.data.id, key, done, priority: position });
    });
    for (const deployment of l.deployments) {
      const head = DeploymentHead.safeParse(deployment);
      if (!head.success || seen.deployments[String(head.data.id)] === head.data.updated_at)
        continue;
      wanted.push({
        kind: "statuses",
        index,
        deployment,
        id: head.data.id,
        key: head.data.updated_at,
      });
    }
  });
  const rank = (d: Detail) =>
    d.kind === "jobs" ? (d.done ? 1000 : 0) + d.priority : 500 + wanted.indexOf(d);
  return wanted.sort((a, b) => rank(a) - rank(b));
}

async function fetchDetails(
  client: GithubClient,
  lists: Lists[],
  harvests: RepoHarvest[],
  now: Date,
  failures: RepoFailure[],
): Promise<void> {
  const chosen = detailsWanted(lists).slice(0, client.left());
  const settled = await Promise.allSettled(
    chosen.map((detail) => fetchDetail(client, lists[detail.index]!, detail, now)),
  );
  settled.forEach((outcome, i) => {
    const detail = chosen[i]!;
    const target = harvests[detail.index]!;
    if (outcome.status === "rejected") {
      failures.push({ key: target.key, error: asGithubError(outcome.reason) });
      return;
    }
    const { changes, skipped, complete } = outcome.value;
    target.changes.push(...changes);
    target.skipped += skipped;
    if (!complete) return;
    if (detail.kind === "jobs") target.seen.runs[String(detail.runId)] = detail.key;
    else target.seen.deployments[String(detail.id)] = detail.key;
  });
}

/** Jobs of one run (latest attempt), or the latest status of one deployment. */
async function fetchDetail(
  client: GithubClient,
  lists: Lists,
  detail: Detail,
  now: Date,
): Promise<{ changes: GithubChange[]; skipped: number; complete: boolean }> {
  const { owner, name: repo } = lists.plan.ref;
  const repository = lists.identity;
  if (detail.kind === "jobs") {
    const what = `GET ${owner}/${repo} run ${detail.runId} jobs`;
    const reply = await client.call(what, (o) =>
      o.rest.actions.listJobsForWorkflowRun({
        owner,
        repo,
        run_id: detail.runId,
        filter: "latest",
        per_page: PAGE.jobs,
      }),
    );
    const jobs = envelope(JobsPage, reply.data, what).jobs;
    const changes = jobs.flatMap((job) => {
      const c = asChange(
        "workflow_job",
        { action: jobAction(statusOf(job)), workflow_job: job, repository },
        now,
      );
      return c ? [c] : [];
    });
    return { changes, skipped: jobs.length - changes.length, complete: detail.done };
  }
  const what = `GET ${owner}/${repo} deployment ${detail.id} statuses`;
  const reply = await client.call(what, (o) =>
    o.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: detail.id, per_page: 1 }),
  );
  const latest = envelope(List, reply.data, what)[0];
  if (latest === undefined) return { changes: [], skipped: 0, complete: false };
  const change = asChange(
    "deployment_status",
    {
      action: "created",
      deployment: detail.deployment,
      deployment_status: latest,
      repository,
    },
    now,
  );
  const state = StatusHead.safeParse(latest);
  return {
    changes: change ? [change] : [],
    skipped: change ? 0 : 1,
    complete: state.success && TERMINAL_STATES.has(state.data.state),
  };
}
