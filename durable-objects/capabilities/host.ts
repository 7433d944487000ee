import { WorkspaceInfo, type ChangeEvent } from "../../schema";
import { SOCKET_TAG, broadcast } from "../connections";
import { AlarmSchedule } from "../store/alarm-schedule";
import { AuditLog } from "../store/audit";
import { armBudgetGuard, guardedSql } from "../store/budget-guard";
import { EventLog } from "../store/event-log";
import { Outlet, type ListType } from "./outlet";
import { SecretBox } from "../store/secret-box";

/** A capability's alarm tasks, by name (`collect:web3`, `notify`, …); each must be idempotent. */
export type AlarmTasks = Record<string, (now: number) => void | Promise<void>>;

/**
 * What every capability module receives instead of the whole object: storage, a transaction,
 * the audit trail, the event log with its fan-out, the alarm schedule and the secret box.
 * One instance per object, built in the constructor.
 */
export class Host {
  readonly sql: SqlStorage;
  readonly log: EventLog;
  readonly audit: AuditLog;
  readonly schedule: AlarmSchedule;
  /** Integrations may use loopback URLs (local development and tests only). */
  readonly allowLoopback: boolean;
  /** The one way out for a change (see outlet.ts). */
  readonly outlet: Outlet;
  private secretBox?: SecretBox;

  constructor(
    readonly ctx: DurableObjectState,
    readonly env: Env,
  ) {
    // Locally every write is checked against the row budget that production enforces.
    this.sql = armBudgetGuard(env) ? guardedSql(ctx.storage.sql) : ctx.storage.sql;
    this.log = new EventLog(this.sql);
    this.audit = new AuditLog(this.sql);
    this.schedule = new AlarmSchedule(ctx.storage);
    this.allowLoopback = env.ALLOW_LOOPBACK_URLS === "true";
    this.outlet = new Outlet(
      this.sql,
      this.schedule,
      (event, now, contract) => broadcast(ctx, this.log.append(event, now), contract),
      () => this.sockets().length,
    );
  }

  transaction<T>(fn: () => T): T {
    try {
      return this.ctx.storage.transactionSync(fn);
    } catch (error) {
      // Writes were undone: memory derived from them must be too.
      for (const hook of this.rollbackHooks) hook();
      throw error;
    }
  }

  private readonly rollbackHooks: (() => void)[] = [];

  /** Runs `hook` whenever a transaction is rolled back (a cache kept in step with writes). */
  onRollback(hook: () => void): void {
    this.rollbackHooks.push(hook);
  }

  /**
   * Announces a change: the outlet's `publish` task sends it (a list read fresh, a run, new
   * feed items) right after this request, paced under sustained change. `now` is when the
   * change happened; the frame carries the time it leaves.
   */
  publish(event: ChangeEvent, _now?: Date): void {
    this.outlet.changed(event);
  }

  /** Announces that a list changed without reading it: the flush reads it as it is then. */
  listChanged(type: ListType): void {
    this.outlet.listChanged(type);
  }

  /** Live sockets of this workspace (hibernated ones included). */
  sockets(): WebSocket[] {
    return this.ctx.getWebSockets(SOCKET_TAG);
  }

  info(): WorkspaceInfo | undefined {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'workspace'")
      .next();
    return row.done ? undefined : WorkspaceInfo.parse(JSON.parse(row.value.value));
  }

  /** The workspace id, or "" before `create`. */
  workspaceId(): string {
    return this.info()?.id ?? "";
  }

  async box(): Promise<SecretBox | undefined> {
    this.secretBox ??= await SecretBox.fromSetting(this.env.SECRETS_KEY);
    return this.secretBox;
  }
}
