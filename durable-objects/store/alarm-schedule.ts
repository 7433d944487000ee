import { logSafe } from "../../lib/log-safe";

/** Keys in the `meta` table; no migration needed and nothing else uses the prefix. */
const TASK_PREFIX = "alarm:";

/**
 * Several jobs (collectors, paced frames, notification retries) share the object's single alarm. Each named task
 * keeps its own due time in SQLite; the alarm always points at the earliest one, so
 * scheduling one task never loses another. Alarms are at-least-once: `due()` is derived
 * from stored times, so a repeated firing finds nothing left to do.
 */
export class AlarmSchedule {
  private readonly sql: SqlStorage;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
  }

  dueAt(task: string): number | undefined {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", TASK_PREFIX + task)
      .next();
    return row.done ? undefined : Number(row.value.value);
  }

  /** Runs `task` at `at` (replacing its previous time) and re-points the alarm. */
  async set(task: string, at: number): Promise<void> {
    this.write(task, at);
    await this.arm();
  }

  /**
   * Schedules `task` at `at` unless it is scheduled already; re-arms if the alarm itself
   * has gone missing, so a scheduled task can never sit without an alarm to run it.
   */
  async ensure(task: string, at: number): Promise<void> {
    if (this.dueAt(task) === undefined) this.write(task, at);
    else if ((await this.storage.getAlarm()) !== null) return;
    await this.arm();
  }

  /** Sets the next time without touching the alarm; `alarm()` calls `arm()` once at the end. */
  write(task: string, at: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      TASK_PREFIX + task,
      String(at),
    );
  }

  /**
   * Runs `task` at `at` unless it is due sooner already, and points the alarm once the current
   * transaction (if any) has committed: usable inside `transactionSync`, where the alarm cannot
   * be set. The microtask still runs within the request that scheduled it.
   */
  soon(task: string, at: number): void {
    const due = this.dueAt(task);
    if (due !== undefined && due <= at) return;
    this.write(task, at);
    queueMicrotask(() => {
      this.arm().catch((error: unknown) => {
        console.error(`AlarmSchedule:arm ${task}`, logSafe(error));
      });
    });
  }

  cancel(task: string): void {
    this.sql.exec("DELETE FROM meta WHERE key = ?", TASK_PREFIX + task);
  }

  /**
   * Tasks due at `at`, earliest first. Strictly by stored time: an alarm that fires again,
   * or early, finds nothing due and only re-arms.
   */
  due(at: number): string[] {
    return this.entries()
      .filter((entry) => entry.at <= at)
      .map((entry) => entry.task);
  }

  /**
   * Runs every due task, then re-arms. An unknown name (a task from another version, or the
   * retired `heartbeat`) is cancelled, or it would re-fire forever; a task that throws alone
   * runs again `retryMs` later.
   */
  async runDue(
    tasks: Record<string, (now: number) => void | Promise<void>>,
    now: number,
    retryMs: number,
  ): Promise<void> {
    for (const task of this.due(now)) {
      const run = tasks[task];
      if (!run) {
        this.cancel(task);
        continue;
      }
      try {
        await run(now);
      } catch (error) {
        console.error(`Workspace:alarm ${task}`, logSafe(error));
        this.write(task, now + retryMs);
      }
    }
    await this.arm();
  }

  /** Points the alarm at the earliest task, or clears it when nothing is scheduled. */
  async arm(): Promise<void> {
    const earliest = this.entries()[0]?.at;
    if (earliest === undefined) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(earliest);
  }

  private entries(): Array<{ task: string; at: number }> {
    return this.sql
      .exec<{ key: string; value: string }>(
        "SELECT key, value FROM meta WHERE key LIKE ?",
        `${TASK_PREFIX}%`,
      )
      .toArray()
      .map((row) => ({ task: row.key.slice(TASK_PREFIX.length), at: Number(row.value) }))
      .sort((a, b) => a.at - b.at);
  }
}
