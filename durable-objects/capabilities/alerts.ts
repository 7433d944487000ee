import {
  Alert,
  LIST_CAPS,
  fail,
  ok,
  type AlertDetail,
  type AlertStatus,
  type Deployment,
  type Outcome,
  type Pipeline,
  type Principal,
  type Severity,
} from "../../schema";
import {
  acknowledge,
  activeAlerts,
  alertActivity,
  alertCounts,
  dismiss,
  resolve,
  type AlertChange,
} from "../domain/alert-actions";
import {
  activityFor,
  applyAlerts,
  type AlertSource,
  type BatchChanges,
  type IncomingAlert,
} from "../domain/alert-ingest";
import { correlate } from "../domain/correlation";
import type { Notifier } from "../domain/notifications";
import { Silences } from "../domain/silences";
import { pruneClosedAlerts } from "../store/alert-retention";
import { ObservedRecordStore } from "../store/observed-records";
import type { RecordStore } from "../store/records";
import { alertRows, openAlertTally } from "../store/open-alerts";
import type { Activity } from "./activity";
import { OpenAlertCap } from "./alert-cap";
import type { Host } from "./host";

const ALERT_PRUNE_EVERY_MS = 60 * 60 * 1000;

export type AlertsDeps = {
  activity: Activity;
  notifier: Notifier;
  /** Deployments and pipeline runs to correlate an alert with (`GET api/alerts/:id`). */
  changes: () => { deployments: Deployment[]; pipelines: Pipeline[] };
};

/**
 * Alerts: the table (observed, so every change is judged for notification), the silences that
 * suppress them, and what people do to them.
 */
export class Alerts {
  readonly store: RecordStore<typeof Alert>;
  readonly silences: Silences;
  /** The open-alert cap sender deliveries are judged against (alert-cap.ts). */
  readonly cap: OpenAlertCap;
  /** When closed alerts were last pruned (memory only: at most hourly, at the next publish). */
  private lastPrune = 0;
  /**
   * The open-alert tally and the alert row count it was taken at. Counting afresh parses every
   * alert row's JSON (10 kB labels make that milliseconds per hundred alerts) and
   * `GET api/status` asks on every call, so it is counted once and then kept in step with each
   * write through the store's observer (the before and after of every alert). It is counted
   * afresh when the row count moves without the store (retention deletes rows directly) and
   * after a rolled-back transaction. Memory only.
   */
  /**
   * The board's list as last read, kept like `tallied` (dropped on any alert write, a row count
   * that moved, a rollback): every snapshot, resume and alerts frame read and parsed up to 200
   * alerts afresh, which under a reconnect loop beside a flood of 10 kB alerts was most of the
   * object's time. Callers get their own array; the alerts in it are not changed by anyone.
   */
  private listed?: { rows: number; alerts: Alert[] };
  private tallied?: { rows: number; value: { firing: Record<Severity, number>; open: number } };

  constructor(
    private readonly host: Host,
    private readonly deps: AlertsDeps,
  ) {
    this.store = new ObservedRecordStore(
      host.sql,
      "alert",
      Alert,
      (a) => a.lastSeen,
      (before, after) => {
        this.follow(before, after);
        deps.notifier.alertChanged(before, after);
      },
    );
    this.silences = new Silences(host.sql);
    this.cap = new OpenAlertCap(host);
    host.onRollback(() => {
      this.tallied = undefined;
      this.listed = undefined;
    });
  }

  /** Moves the kept tally by one alert's write (see `tallied`). */
  private follow(before: Alert | undefined, after: Alert): void {
    this.listed = undefined;
    const t = this.tallied;
    if (!t) return;
    for (const [alert, sign] of [
      [before, -1],
      [after, 1],
    ] as const) {
      if (!alert || alert.status === "resolved" || alert.dismissedAt !== undefined) continue;
      t.value.open += sign;
      if (alert.status === "firing") t.value.firing[alert.severity] += sign;
    }
    if (!before) t.rows += 1;
  }

  /** Alerts still on the board (not dismissed), newest first: frames, snapshot and REST. */
  list(): Alert[] {
    const rows = alertRows(this.host.sql);
    if (this.listed?.rows !== rows)
      this.listed = { rows, alerts: activeAlerts(this.host.sql, LIST_CAPS.alerts) };
    return [...this.listed.alerts];
  }

  /** Alerts per severity in `statuses`, dismissed ones excluded. */
  counts(statuses: readonly AlertStatus[]): Record<Severity, number> {
    return alertCounts(this.host.sql, statuses);
  }

  /** Firing alerts per severity and all open ones, counted in one pass (stats, `/metrics`). */
  tally(): { firing: Record<Severity, number>; open: number } {
    const rows = alertRows(this.host.sql);
    if (this.tallied?.rows !== rows) this.tallied = { rows, value: openAlertTally(this.host.sql) };
    const { firing, open } = this.tallied.value;
    return { firing: { ...firing }, open };
  }

  /** The alert (dismissed ones too) and the changes that finished shortly before it began. */
  get(id: string): Outcome<AlertDetail> {
    const alert = this.store.get(id);
    if (!alert) return fail(404, "not_found", `No alert '${id}'.`, { field: "id" });
    const { deployments, pipelines } = this.deps.changes();
    return ok({ alert, correlated: correlate(alert, deployments, pipelines) });
  }

  acknowledge(actor: Principal, id: string, notes?: string): Outcome<Alert> {
    return this.act(actor, id, "acknowledge", notes, (a, now) => acknowledge(a, actor, notes, now));
  }

  resolve(actor: Principal, id: string, notes?: string): Outcome<Alert> {
    return this.act(actor, id, "resolve", notes, (a, now) => resolve(a, actor, notes, now));
  }

  /** Takes the alert off every list; the record stays for the audit trail. Idempotent. */
  dismiss(actor: Principal, id: string): Outcome<Alert> {
    return this.act(actor, id, "dismiss", undefined, (a, now) => ok(dismiss(a, actor, now)));
  }

  /**
   * Applies incoming alerts (a sender's batch, or breaches judged here) through the shared
   * lifecycle: dedupe, silences, resolve. Call inside the caller's transaction.
   */
  apply(source: AlertSource, incoming: IncomingAlert[], from: string, now: Date): BatchChanges {
    return applyAlerts(this.store, this.silences, source, incoming, from, now);
  }

  /** Breaches (or anomalies) judged in this object: their alerts and activity go out at once. */
  breached(changes: BatchChanges | undefined, now: Date, source: AlertSource = "threshold"): void {
    if (!changes) return;
    this.publish(now);
    this.deps.activity.add(activityFor(source, changes, now), now);
  }

  /** The list changed: the outlet sends it (what `alerts` frames carry). */
  publish(now: Date): void {
    this.cap.forget();
    if (now.getTime() - this.lastPrune > ALERT_PRUNE_EVERY_MS) {
      this.lastPrune = now.getTime();
      pruneClosedAlerts(this.host.sql, now);
    }
    // The frame reads the list when it leaves (paced): reading it here too parsed up to 200
    // alerts per sender delivery for nothing, the largest cost in the pattern flood's profile.
    this.host.listChanged("alerts");
  }

  /** Load, decide, then store + audit + broadcast only when something changed. */
  private act(
    actor: Principal,
    id: string,
    action: "acknowledge" | "resolve" | "dismiss",
    note: string | undefined,
    decide: (alert: Alert, now: Date) => Outcome<AlertChange>,
  ): Outcome<Alert> {
    const alert = this.store.get(id);
    if (!alert) return fail(404, "not_found", `No alert '${id}'.`, { field: "id" });
    const now = new Date();
    const decided = decide(alert, now);
    if (!decided.ok) return decided;
    const { before, after, changed } = decided.value;
    if (!changed) return ok(after);
    this.host.transaction(() => {
      this.store.put(after);
      this.host.audit.record(actor, `alert.${action}`, id, { before, after }, now);
    });
    this.publish(now);
    this.deps.activity.add([alertActivity(action, after, actor, note, now)], now);
    return ok(after);
  }
}
