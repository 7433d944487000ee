/** Keys in the `meta` table; no migration needed and nothing else uses the prefix. */
const TASK_PREFIX = "alarm:";
const ARMED_KEY = "alarm-armed-for";

/**
 * Several jobs (heartbeat, collectors) share the object's single alarm. Each named task
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

  /** Schedules `task` at `at` only if it is not scheduled already. */
  async ensure(task: string, at: number): Promise<void> {
    if (this.dueAt(task) !== undefined) return;
    await this.set(task, at);
  }

  /** Sets the next time without touching the alarm; `alarm()` calls `arm()` once at the end. */
  write(task: string, at: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      TASK_PREFIX + task,
      String(at),
    );
  }

  cancel(task: string): void {
    this.sql.exec("DELETE FROM meta WHERE key = ?", TASK_PREFIX + task);
  }

  /**
   * The time a firing alarm stands for: the time it was armed for, or now if later. An
   * alarm that fires means its time has come (and `runDurableObjectAlarm` in tests fires
   * it early without making the due work look premature).
   */
  firedAt(now: number): number {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", ARMED_KEY)
      .next();
    return row.done ? now : Math.max(now, Number(row.value.value));
  }

  /** Tasks due at `at`, earliest first. */
  due(at: number): string[] {
    return this.entries()
      .filter((entry) => entry.at <= at)
      .map((entry) => entry.task);
  }

  /** Points the alarm at the earliest task, or clears it when nothing is scheduled. */
  async arm(): Promise<void> {
    const earliest = this.entries()[0]?.at;
    if (earliest === undefined) {
      this.sql.exec("DELETE FROM meta WHERE key = ?", ARMED_KEY);
      await this.storage.deleteAlarm();
      return;
    }
    this.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      ARMED_KEY,
      String(earliest),
    );
    await this.storage.setAlarm(earliest);
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
