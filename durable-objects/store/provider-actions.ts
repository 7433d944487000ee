import {
  actorOf,
  ProviderAction,
  type ProviderActionKind,
  type Principal,
  type RunStatus,
} from "../../schema";
import { RecordStore } from "./records";

/** A call still `pending` after this long died with the object (the call's deadline is 10 s). */
const CALL_TTL_MS = 2 * 60_000;
/** A rollback whose deployment never reports back stops blocking the environment after this. */
const DEPLOY_TTL_MS = 30 * 60_000;
const KEEP = 1000;

/**
 * Provider actions (re-run, cancel, retry, rollback) as records in SQLite: who asked, what the
 * provider answered, and for rollbacks the per-environment lock. The lock is derived from the
 * records themselves, so it needs no separate release: a rollback blocks its environment while
 * its call is pending, or while the deployment it created is still pending or running.
 */
export class ProviderActions {
  private readonly records: RecordStore<typeof ProviderAction>;

  constructor(sql: SqlStorage) {
    this.records = new RecordStore(sql, "provider-action", ProviderAction, (a) => a.requestedAt);
  }

  list(limit: number): ProviderAction[] {
    return this.records.list(limit);
  }

  /** Records an action as pending; callers check locks first with no `await` in between. */
  start(
    kind: ProviderActionKind,
    target: string,
    actor: Principal,
    now: Date,
    extra: Pick<ProviderAction, "lockKey" | "rollbackTo"> = {},
  ): ProviderAction {
    this.sweep(now);
    const action: ProviderAction = {
      id: `act-${crypto.randomUUID()}`,
      kind,
      target,
      state: "pending",
      actor: actor.name,
      actorRef: actorOf(actor),
      requestedAt: now.toISOString(),
      ...extra,
    };
    this.records.put(action);
    this.records.trim(KEEP);
    return action;
  }

  succeed(action: ProviderAction, now: Date, resultId?: string, note?: string): ProviderAction {
    const done: ProviderAction = {
      ...action,
      state: "succeeded",
      completedAt: now.toISOString(),
      ...(resultId ? { resultId } : {}),
      ...(note ? { reason: note.slice(0, 2000) } : {}),
    };
    this.records.put(done);
    return done;
  }

  fail(
    action: ProviderAction,
    now: Date,
    reason: string,
    upstreamStatus: number | undefined,
    retryable: boolean,
  ): ProviderAction {
    const done: ProviderAction = {
      ...action,
      state: "failed",
      completedAt: now.toISOString(),
      reason: reason.slice(0, 2000),
      retryable,
      ...(upstreamStatus !== undefined ? { upstreamStatus } : {}),
    };
    this.records.put(done);
    return done;
  }

  /**
   * The rollback holding `lockKey`, if any: one whose call is still pending, or which created a
   * deployment that is still pending or running.
   */
  rollbackInFlight(
    lockKey: string,
    now: Date,
    statusOf: (deploymentId: string) => RunStatus | undefined,
  ): ProviderAction | undefined {
    const age = (a: ProviderAction) => now.getTime() - Date.parse(a.requestedAt);
    return this.records.list(20, { kind: "deployment.rollback", lockKey }).find((a) => {
      if (a.state === "pending") return age(a) < CALL_TTL_MS;
      if (a.state !== "succeeded" || !a.resultId || age(a) >= DEPLOY_TTL_MS) return false;
      const status = statusOf(a.resultId);
      return status === "pending" || status === "running";
    });
  }

  /** Pending actions whose call can no longer be running: the object restarted during it. */
  private sweep(now: Date): void {
    for (const stale of this.records.list(50, { state: "pending" })) {
      if (now.getTime() - Date.parse(stale.requestedAt) >= CALL_TTL_MS)
        this.fail(
          stale,
          now,
          "interrupted: the workspace restarted during the call",
          undefined,
          true,
        );
    }
  }
}
