import type { CollectionIntervals, Principal } from "../../schema";
import { loadIntervals, saveIntervals } from "../collection/intervals";
import { CollectionRunner, type CollectedSource, type CollectionJob } from "../collection/runner";
import type { AlarmTasks, Host } from "./host";
import type { SourceStates } from "./sources";

/** A collector: whether the workspace has configured it, and its job for one run. */
export type Collector = { configured: () => boolean; job: () => CollectionJob };

type RunResult = "ran" | "skipped" | "failed";

/**
 * Runs the collectors on the object's alarm: one `collect:<source>` task each, isolated (a
 * failing source keeps its data, says why, backs off), started by the cron (`wake`), the
 * Refresh button, or a configuration change.
 */
export class Collection {
  private readonly runner: CollectionRunner;

  constructor(
    private readonly host: Host,
    sources: SourceStates,
    private readonly collectors: () => Record<CollectedSource, Collector>,
  ) {
    this.runner = new CollectionRunner(host.sql, sources.reports, host.schedule, (now) =>
      sources.publish(now),
    );
  }

  readonly tasks: AlarmTasks = {
    "collect:web3": async (now) => void (await this.run("web3", new Date(now))),
    "collect:github": async (now) => void (await this.run("github", new Date(now))),
    "collect:aws": async (now) => void (await this.run("aws", new Date(now))),
    "collect:prometheus": async (now) => void (await this.run("prometheus", new Date(now))),
  };

  intervals(): CollectionIntervals {
    return loadIntervals(this.host.sql);
  }

  setIntervals(actor: Principal, intervals: CollectionIntervals): CollectionIntervals {
    const before = loadIntervals(this.host.sql);
    saveIntervals(this.host.sql, intervals);
    const change = { before, after: intervals };
    this.host.audit.record(actor, "collection.intervals", "collection", change, new Date());
    return intervals;
  }

  /** Runs every configured collector now (the Refresh button); one already running is skipped. */
  async refresh(actor: Principal): Promise<Record<string, RunResult>> {
    const now = new Date();
    const results: Record<string, RunResult> = {};
    for (const source of this.configured()) results[source] = await this.run(source, now);
    await this.host.schedule.arm();
    this.host.audit.record(actor, "collection.refresh", "collection", { after: results }, now);
    return results;
  }

  /** Called by the cron: makes sure every configured collector has its alarm task. */
  async wake(): Promise<void> {
    const now = Date.now();
    for (const source of this.configured()) {
      const task = `collect:${source}`;
      if (this.host.schedule.dueAt(task) === undefined) this.host.schedule.write(task, now);
    }
    await this.host.schedule.arm();
  }

  /** A source's configuration changed: collect now (a fixed key should not wait out a backoff). */
  async reschedule(source: CollectedSource, now: Date): Promise<void> {
    if (this.collectors()[source].configured())
      return this.host.schedule.set(`collect:${source}`, now.getTime());
    this.host.schedule.cancel(`collect:${source}`);
    await this.host.schedule.arm();
  }

  private configured(): CollectedSource[] {
    const collectors = this.collectors();
    return (Object.keys(collectors) as CollectedSource[]).filter((s) => collectors[s].configured());
  }

  private async run(source: CollectedSource, now: Date): Promise<RunResult> {
    const collector = this.collectors()[source];
    if (!collector.configured()) {
      this.host.schedule.cancel(`collect:${source}`);
      return "skipped";
    }
    return this.runner.run(collector.job(), now);
  }
}
