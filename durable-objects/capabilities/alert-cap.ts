import {
  AlertRefusalReason,
  OPEN_ALERTS_MAX,
  type AlertLimitStats,
  type Failure,
} from "../../schema";
import type { IncomingAlert } from "../domain/alert-ingest";
import { alertLimitReached, fitsCap, openDelta } from "../domain/open-alert-cap";
import { Counters } from "../store/counters";
import { alertRows, alertStates, openAlertCount } from "../store/open-alerts";
import type { Host } from "./host";

const REFUSED = "alerts_refused.";

/**
 * The open-alert cap (schema/caps.ts) for sender deliveries. Judged inside the delivery's
 * transaction before anything is written, so a refused delivery leaves no trace but its
 * counters, and nothing can interleave between the count and the write. Alerts raised by
 * Opsdeck itself (thresholds, alert rules, gas prices) are not refused: they are bounded by
 * their rules (at most 200 series, 200 alert rules and one per watched network), and they
 * count toward the total like any other open alert.
 */
export class OpenAlertCap {
  private readonly counters: Counters;
  /**
   * The last exact count, kept until the alerts change (`forget`, called on every alert
   * publish): a flood refused at the cap then costs no recount per delivery. Memory only.
   */
  private known?: number;

  constructor(private readonly host: Host) {
    this.counters = new Counters(host.sql);
  }

  /**
   * An Alertmanager or Grafana batch: undefined when it fits, else the 503 that makes the
   * sender retry the whole notification later. Call inside the delivery's transaction.
   */
  admitBatch(incoming: ReadonlyArray<Pick<IncomingAlert, "id" | "status">>): Failure | undefined {
    if (!incoming.some((a) => a.status === "firing")) return undefined;
    const { sql } = this.host;
    const states = alertStates(
      sql,
      incoming.map((a) => a.id),
    );
    const change = openDelta(incoming, states);
    const fits = fitsCap(change, alertRows(sql), () => this.open());
    return fits ? undefined : alertLimitReached(change.opened);
  }

  /** A PagerDuty-style trigger that would open one alert: undefined, or the 429 to retry. */
  admitOne(): Failure | undefined {
    const { sql } = this.host;
    const change = { opened: 1, closed: 0 };
    return fitsCap(change, alertRows(sql), () => this.open())
      ? undefined
      : alertLimitReached(1, true);
  }

  /** The alerts changed: the next judgement counts afresh. */
  forget(): void {
    this.known = undefined;
  }

  private open(): number {
    this.known ??= openAlertCount(this.host.sql);
    return this.known;
  }

  /** Counts a refusal for `/metrics` (two rows updated in place, whatever the flood). */
  refused(reason: AlertRefusalReason, now: Date): void {
    this.counters.add(`${REFUSED}${reason}`, now.getTime());
  }

  /** The cap, how full it is (`open`, counted by the caller's tally) and what it refused. */
  stats(open: number): AlertLimitStats {
    const totals = this.counters.totals(REFUSED);
    const refused: AlertLimitStats["refused"] = {};
    for (const reason of AlertRefusalReason.options) {
      const n = totals[`${REFUSED}${reason}`];
      if (n !== undefined) refused[reason] = n;
    }
    return { open, limit: OPEN_ALERTS_MAX, refused };
  }
}
