import type { Alert, CorrelatedChanges, Deployment, Pipeline } from "../../schema";

/** How far before an alert began a finished change still counts as a likely cause. */
export const CORRELATION_WINDOW_MS = 2 * 60 * 60 * 1000;
/** Sources' clocks differ: a change that finished this much after the alert still counts. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const MAX_EACH = 10;

/** Alert labels that name the repository or service an alert is about, in Prometheus habit. */
const LABELS = ["repository", "repo", "service", "job", "app"] as const;

/**
 * Comparable forms of a name: lowercased, and for `owner/repo` also the bare `repo`, so the
 * label `service=api` matches the repository `acme/api` and vice versa.
 */
function namesOf(value: string | undefined): string[] {
  if (!value) return [];
  const full = value.trim().toLowerCase();
  if (!full) return [];
  const bare = full.split("/").at(-1) ?? full;
  return bare && bare !== full ? [full, bare] : [full];
}

function targetsOf(alert: Alert): { names: Set<string>; matchedOn: string[] } {
  const names = new Set<string>();
  const matchedOn: string[] = [];
  for (const label of LABELS) {
    const found = namesOf(alert.labels[label]);
    if (found.length === 0) continue;
    matchedOn.push(`${label}=${alert.labels[label]}`);
    for (const name of found) names.add(name);
  }
  return { names, matchedOn };
}

const matches = (names: Set<string>, record: { repository?: string; name: string }) =>
  [...namesOf(record.repository), ...namesOf(record.name)].some((n) => names.has(n));

/** A deployment's `timestamp` is its start; `durationMs` takes it to its end. */
function deploymentFinishedAt(d: Deployment): number | undefined {
  if (d.status !== "success" && d.status !== "failed") return undefined;
  return Date.parse(d.timestamp) + d.durationMs;
}

/**
 * A run's end: its last stage's completion when known, else its start plus its stages'
 * durations, else its last update.
 */
function pipelineFinishedAt(p: Pipeline): number | undefined {
  if (p.status !== "success" && p.status !== "failed") return undefined;
  // Read loosely: stage `completedAt` is an additive field that older records lack.
  const completed = p.stages.flatMap((s) => {
    const at = (s as { completedAt?: string }).completedAt;
    return at ? [Date.parse(at)] : [];
  });
  if (completed.length > 0) return Math.max(...completed);
  if (p.startedAt)
    return Date.parse(p.startedAt) + p.stages.reduce((sum, s) => sum + s.durationMs, 0);
  return p.updatedAt ? Date.parse(p.updatedAt) : undefined;
}

function within<T>(
  records: T[],
  names: Set<string>,
  finishedAt: (r: T) => number | undefined,
  named: (r: T) => { repository?: string; name: string },
  began: number,
): T[] {
  return records
    .map((record) => ({ record, at: finishedAt(record) }))
    .filter(
      (x): x is { record: T; at: number } =>
        x.at !== undefined &&
        x.at >= began - CORRELATION_WINDOW_MS &&
        x.at <= began + CLOCK_SKEW_MS &&
        matches(names, named(x.record)),
    )
    .sort((a, b) => b.at - a.at)
    .slice(0, MAX_EACH)
    .map((x) => x.record);
}

/**
 * Deployments and pipeline runs of the alert's repository or service that finished in the
 * two hours before it began (its `timestamp`, the sender's start time), nearest first.
 * @example correlate(alert, deployments.list(), pipelines.list()).deployments[0]?.commit
 */
export function correlate(
  alert: Alert,
  deployments: Deployment[],
  pipelines: Pipeline[],
): CorrelatedChanges {
  const { names, matchedOn } = targetsOf(alert);
  const windowMinutes = CORRELATION_WINDOW_MS / 60_000;
  const began = Date.parse(alert.timestamp);
  if (names.size === 0 || Number.isNaN(began))
    return { deployments: [], pipelines: [], matchedOn, windowMinutes };
  return {
    deployments: within(deployments, names, deploymentFinishedAt, (d) => d, began),
    pipelines: within(pipelines, names, pipelineFinishedAt, (p) => p, began),
    matchedOn,
    windowMinutes,
  };
}
