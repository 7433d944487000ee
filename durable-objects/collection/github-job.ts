import {
  GithubCursor,
  type ActivityItem,
  type ChangeEvent,
  type CollectionIntervals,
  type StoredSettings,
} from "../../schema";
import {
  collectRepositories,
  type RepoFailure,
  type RepoHarvest,
  type RepoPlan,
} from "../../providers/github/collector";
import { GithubClient, GithubError } from "../../providers/github/client";
import { UpstreamError } from "../../providers/http";
import { applyGithubChanges, publishApplied, type GithubStores } from "../domain/github-apply";
import { githubCollectable } from "../domain/configured";
import { COLLECT_LIMITS, openGithub } from "../domain/github-access";
import type { SecretBox } from "../store/secret-box";
import type { CollectionJob } from "./runner";

const CURSOR_KEY = "github-cursor";
/** Requests kept back from the list calls so each run can also read some jobs and statuses. */
const DETAIL_SHARE = 10;

export type GithubJobDeps = GithubStores & {
  sql: SqlStorage;
  settings: () => StoredSettings;
  intervals: () => CollectionIntervals;
  box: () => Promise<SecretBox | undefined>;
  publish: (event: ChangeEvent, now: Date) => void;
  addActivity: (items: ActivityItem[], now: Date) => void;
};

export function loadCursor(sql: SqlStorage): GithubCursor {
  const row = sql
    .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", CURSOR_KEY)
    .next();
  const parsed = row.done ? undefined : GithubCursor.safeParse(JSON.parse(row.value.value));
  return parsed?.success ? parsed.data : GithubCursor.parse({});
}

function saveCursor(sql: SqlStorage, cursor: GithubCursor): void {
  sql.exec(
    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
    CURSOR_KEY,
    JSON.stringify(cursor),
  );
}

/**
 * The GitHub collector as the workspace runs it: deployments and workflow runs every
 * `deployments` seconds, security alerts every `security` seconds (the job runs at the shorter
 * interval and reads alerts only where they are due). Each run spends at most
 * `COLLECT_LIMITS.maxRequests`; with many repositories the runs take them in turn.
 */
export function githubJob(deps: GithubJobDeps): CollectionJob {
  const intervals = deps.intervals();
  return {
    task: "collect:github",
    source: "github",
    intervalMs: Math.min(intervals.deployments, intervals.security) * 1000,
    collect: (now) => collect(deps, intervals.security * 1000, now),
  };
}

async function collect(deps: GithubJobDeps, securityMs: number, now: Date): Promise<() => void> {
  const github = deps.settings().integrations.github;
  if (!githubCollectable(github)) throw new Error("GitHub collection is not configured");
  const opened = await openGithub(github, await deps.box());
  if (!opened.ok) throw new UpstreamError(opened.detail, undefined, "credentials");
  const cursor = loadCursor(deps.sql);
  const limited = cursor.rateLimit;
  if (limited && limited.remaining <= COLLECT_LIMITS.reserve && limited.resetAt > now.getTime())
    throw new GithubError(
      `GitHub rate limit nearly spent (${limited.remaining} left); collection resumes at ${new Date(limited.resetAt).toISOString()}`,
      "rate_limited",
      undefined,
      limited.resetAt,
    );
  const owner = github.owner!;
  const names = github.repositories ?? [];
  const plans = plan(owner, names, cursor, now.getTime(), securityMs);
  const client = new GithubClient(opened.value, COLLECT_LIMITS, () => now.getTime());
  let result: { harvests: RepoHarvest[]; failures: RepoFailure[] };
  try {
    result = await collectRepositories(client, plans, now);
  } catch (error) {
    // Remember a spent rate limit, so a Refresh before the reset makes no doomed calls.
    saveCursor(deps.sql, { ...loadCursor(deps.sql), rateLimit: rateOf(client, error) });
    throw error;
  }
  return () => {
    const before = loadCursor(deps.sql);
    for (const harvest of result.harvests) {
      const known = before.repos[harvest.key]?.syncedAt !== undefined;
      const applied = applyGithubChanges(deps, harvest.changes, known);
      publishApplied(applied, deps, deps.publish, deps.addActivity, now);
    }
    saveCursor(deps.sql, advance(before, names.length, plans, result, client, now.getTime()));
    // Some repositories failed: what the others brought is kept, and the source says stale.
    if (result.failures.length > 0)
      throw new Error(summarise(result.failures.map((f) => f.error.message)));
  };
}

/** The repositories this run covers: in turn from where the last run stopped, within budget. */
function plan(
  owner: string,
  names: string[],
  cursor: GithubCursor,
  now: number,
  securityMs: number,
): RepoPlan[] {
  const budget = COLLECT_LIMITS.maxRequests - DETAIL_SHARE;
  const start = names.length > 0 ? cursor.offset % names.length : 0;
  const order = [...names.slice(start), ...names.slice(0, start)];
  const plans: RepoPlan[] = [];
  let cost = 0;
  for (const name of order) {
    const key = `${owner}/${name}`.toLowerCase();
    const known = cursor.repos[key];
    const security = known?.securityAt === undefined || now - known.securityAt >= securityMs;
    const price = (known ? 0 : 1) + 2 + (security ? 2 : 0);
    if (plans.length > 0 && cost + price > budget) break;
    cost += price;
    plans.push({
      key,
      ref: { owner, name },
      identity: known ? { id: known.id, full_name: known.fullName } : undefined,
      security,
      seen: { runs: known?.runs ?? {}, deployments: known?.deployments ?? {} },
    });
  }
  return plans;
}

/** The cursor after a run: identities, what is now known in full, where to continue. */
function advance(
  cursor: GithubCursor,
  repoCount: number,
  plans: RepoPlan[],
  result: { harvests: RepoHarvest[] },
  client: GithubClient,
  now: number,
): GithubCursor {
  const repos = { ...cursor.repos };
  for (const h of result.harvests) {
    const before = repos[h.key];
    repos[h.key] = {
      id: h.identity.id,
      fullName: h.identity.full_name,
      syncedAt: before?.syncedAt ?? now,
      securityAt: h.security ? now : before?.securityAt,
      // Only what the lists still show is kept, so the cursor stays as small as the lists.
      runs: { ...keep(before?.runs, h.listed.runs), ...h.seen.runs },
      deployments: { ...keep(before?.deployments, h.listed.deployments), ...h.seen.deployments },
    };
  }
  return {
    offset: repoCount > 0 ? (cursor.offset + plans.length) % repoCount : 0,
    repos,
    rateLimit: rateOf(client),
  };
}

function keep(entries: Record<string, string> | undefined, ids: string[]): Record<string, string> {
  const listed = new Set(ids);
  return Object.fromEntries(Object.entries(entries ?? {}).filter(([id]) => listed.has(id)));
}

function rateOf(client: GithubClient, error?: unknown): GithubCursor["rateLimit"] {
  if (error instanceof GithubError && error.category === "rate_limited" && error.retryAt)
    return { remaining: 0, resetAt: error.retryAt };
  const { remaining, resetAt } = client.rate;
  return remaining !== undefined && resetAt !== undefined ? { remaining, resetAt } : undefined;
}

function summarise(problems: string[]): string {
  const first = problems.slice(0, 3).join("; ");
  return problems.length > 3 ? `${first}; and ${problems.length - 3} more` : first;
}

/** GitHub's id for a repository the collector has seen (case-insensitive full name). */
export function knownRepository(
  sql: SqlStorage,
  fullName: string,
): { id: number; full_name: string } | undefined {
  const wanted = fullName.toLowerCase();
  const repo = Object.values(loadCursor(sql).repos).find(
    (r) => r.fullName.toLowerCase() === wanted,
  );
  return repo ? { id: repo.id, full_name: repo.fullName } : undefined;
}
