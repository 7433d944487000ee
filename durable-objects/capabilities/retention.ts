import type { RetentionSettings, StorageUsage } from "../../schema";
import { loadSettings, retentionOf } from "../domain/settings";
import { RETENTION_BATCH, pruneAll, type Pruned } from "../store/retention";
import { tableUsage } from "../store/table-usage";
import type { Alerts } from "./alerts";
import type { AlarmTasks, Host } from "./host";

/** The `retention` alarm task's name. */
export const RETENTION_TASK = "retention";
/** How often stored history is pruned when there is no backlog. */
export const RETENTION_EVERY_MS = 60 * 60 * 1000;
/** While a batch came back full, the next one runs this soon, so a backlog drains in minutes. */
export const RETENTION_BACKLOG_MS = 5_000;
/** `/metrics` storage counts read every row, so a scrape reuses them for this long. */
export const USAGE_CACHE_MS = 60_000;

/**
 * Keeps stored history bounded in time: the hourly `retention` alarm task deletes what has
 * outlived its rule (store/retention.ts) in batches of `RETENTION_BATCH` rows per rule, and
 * re-arms within seconds while a batch was full. Also answers `/metrics`' per-table counts.
 */
export class Retention {
  /** Memory only: lost on hibernation, which just means the next scrape counts afresh. */
  private usageCache?: { at: number; usage: StorageUsage };

  constructor(
    private readonly host: Host,
    private readonly alerts: Alerts,
  ) {}

  readonly tasks: AlarmTasks = {
    [RETENTION_TASK]: (now) => void this.run(now),
  };

  /** The retention in force for this workspace (settings, or the defaults). */
  settings(): RetentionSettings {
    return retentionOf(loadSettings(this.host.sql));
  }

  /**
   * One pruning turn: every rule at most one batch, in one transaction, then the next turn is
   * written (the alarm handler arms once at the end). Idempotent: a repeat finds less to do.
   */
  run(now: number, limit: number = RETENTION_BATCH): { pruned: Pruned[]; full: boolean } {
    const settings = this.settings();
    const result = this.host.transaction(() => pruneAll(this.host.sql, now, settings, limit));
    const next = result.full ? RETENTION_BACKLOG_MS : RETENTION_EVERY_MS;
    this.host.schedule.write(RETENTION_TASK, now + next);
    // Alerts left the board: send the list fresh, as any other alert change does.
    if (result.pruned.some((p) => p.rule === "pagerduty_unkeyed" && p.removed > 0))
      this.alerts.publish(new Date(now));
    return result;
  }

  /**
   * Makes sure the task is scheduled (the cron's `wake` calls this for every workspace, so
   * objects created before retention existed get it too). Writes only; the caller arms.
   */
  ensure(now: number): void {
    if (this.host.schedule.dueAt(RETENTION_TASK) === undefined)
      this.host.schedule.write(RETENTION_TASK, now + RETENTION_EVERY_MS);
  }

  /** Rows and bytes per table and per record kind, counted at most once a minute. */
  usage(now: Date = new Date()): StorageUsage {
    const cached = this.usageCache;
    if (cached && now.getTime() - cached.at < USAGE_CACHE_MS) return cached.usage;
    const usage = tableUsage(this.host.sql, now);
    this.usageCache = { at: now.getTime(), usage };
    return usage;
  }
}
