import type { SourceId, SourceStatus } from "../../schema";
import { UpstreamError } from "../../providers/http";
import type { Sources } from "../domain/sources";
import type { AlarmSchedule } from "../store/alarm-schedule";

/** Sources filled by collectors (as opposed to webhooks). */
export type CollectedSource = Extract<SourceId, "web3" | "github" | "aws" | "prometheus">;

/** A collector as the workspace runs it on its alarm. */
export type CollectionJob = {
  /** Alarm task name, e.g. `collect:web3`. */
  task: string;
  source: SourceId;
  intervalMs: number;
  /**
   * Does the provider I/O and returns the writes to apply. The writes run synchronously after
   * all I/O, so one run's records, events and source status commit together. `apply` may throw
   * after writing to fail the run yet keep what it wrote (cards that carry their own errors).
   */
  collect: (now: Date) => Promise<() => void>;
};

const FAILURES_PREFIX = "collect-failures:";
const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Runs collection jobs with isolation: a failing source keeps its last good data, says why and
 * since when, retries with backoff, and never stops the others. A job already in flight (alarm
 * and manual refresh at once) is not started twice.
 */
export class CollectionRunner {
  private readonly running = new Set<string>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly sources: Sources,
    private readonly schedule: AlarmSchedule,
    private readonly sourcesChanged: (now: Date) => void,
  ) {}

  async run(job: CollectionJob, now: Date): Promise<"ran" | "skipped" | "failed"> {
    if (this.running.has(job.task)) return "skipped";
    this.running.add(job.task);
    try {
      const apply = await job.collect(now);
      apply();
      this.setFailures(job.task, 0);
      this.report(
        {
          id: job.source,
          status: "live",
          lastSuccessAt: now.toISOString(),
          lastAttemptAt: now.toISOString(),
        },
        now,
      );
      this.schedule.write(job.task, now.getTime() + job.intervalMs);
      return "ran";
    } catch (error) {
      const failures = this.failures(job.task) + 1;
      this.setFailures(job.task, failures);
      const previous = this.sources.get(job.source);
      const credentials = error instanceof UpstreamError && error.kind === "credentials";
      const reason = error instanceof Error ? error.message : String(error);
      this.report(
        {
          id: job.source,
          status: credentials || !previous?.lastSuccessAt ? "error" : "stale",
          lastSuccessAt: previous?.lastSuccessAt,
          lastAttemptAt: now.toISOString(),
          lastError: (credentials ? `credentials invalid: ${reason}` : reason).slice(0, 2000),
        },
        now,
      );
      const backoff = Math.min(MAX_BACKOFF_MS, job.intervalMs * 2 ** Math.min(failures, 6));
      // A rate limit says exactly when calls work again: sooner is refused, later is a waste.
      const retryAt = error instanceof UpstreamError ? error.retryAt : undefined;
      const next =
        retryAt !== undefined
          ? Math.max(retryAt, now.getTime() + 1000)
          : now.getTime() + Math.max(job.intervalMs, backoff);
      this.schedule.write(job.task, next);
      return "failed";
    } finally {
      this.running.delete(job.task);
    }
  }

  /** Publishes only when what a screen shows changes, so a flapping source cannot spam. */
  private report(next: SourceStatus, now: Date): void {
    const previous = this.sources.get(next.id);
    this.sources.report(next);
    const changed = previous?.status !== next.status || previous?.lastError !== next.lastError;
    if (changed) this.sourcesChanged(now);
  }

  private failures(task: string): number {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", FAILURES_PREFIX + task)
      .next();
    return row.done ? 0 : Number(row.value.value);
  }

  private setFailures(task: string, n: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      FAILURES_PREFIX + task,
      String(n),
    );
  }
}
