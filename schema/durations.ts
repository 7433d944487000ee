/**
 * Durations as people read them: the one function behind `Deployment.duration` and each
 * stage's `duration` (the contract's display strings), and behind the pages that show them.
 * No zod here: the browser client imports this file.
 */

/**
 * Milliseconds as "42s", "3m 24s", "1h 2m" (the contract's style), rounded to the second.
 * @example formatDuration(204_000) // "3m 24s"
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ""}`;
  const minutes = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)}h${minutes ? ` ${minutes}m` : ""}`;
}

/**
 * A run's or stage's display duration. One still going has no duration yet, and one not
 * started has none at all: each says so rather than show a made-up "0s".
 * @example runDuration({ status: "running", durationMs: 0 }) // "in progress"
 */
export function runDuration(run: { status: string; durationMs: number }): string {
  if (run.status === "running") return "in progress";
  if (run.status === "pending") return "not started";
  return formatDuration(run.durationMs);
}

/**
 * Fills `durationMs` and `duration` of a stored or incoming run record: rows written before
 * `durationMs` existed carry `duration` as seconds, and `duration` is always recomputed from
 * the status and `durationMs`, so it can never disagree with them. Anything else passes
 * through untouched for the schema to judge.
 */
export function fillDuration(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const record = raw as Record<string, unknown>;
  const legacy = record.duration;
  const durationMs =
    typeof record.durationMs === "number"
      ? record.durationMs
      : typeof legacy === "number"
        ? Math.round(legacy * 1000)
        : undefined;
  const status = record.status;
  if (durationMs === undefined || typeof status !== "string") return raw;
  return { ...record, durationMs, duration: runDuration({ status, durationMs }) };
}
