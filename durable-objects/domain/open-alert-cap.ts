import { ALERT_LIMIT_RETRY_AFTER_SECONDS, OPEN_ALERTS_MAX, fail, type Failure } from "../../schema";
import type { StoredAlertState } from "../store/open-alerts";
import type { IncomingAlert } from "./alert-ingest";

/**
 * How a sender's delivery would change the number of open alerts, following the rules of
 * `applyAlerts` (alert-ingest.ts) step by step: a firing alert not stored yet opens one; a
 * resolve of a stored open one closes it; repeats, late repeats of resolved instances and
 * resolves seen first change nothing. Pure, so the cap is judged before anything is written.
 */
export function openDelta(
  incoming: ReadonlyArray<Pick<IncomingAlert, "id" | "status">>,
  stored: ReadonlyMap<string, StoredAlertState>,
): { opened: number; closed: number } {
  const seen = new Map(stored);
  let opened = 0;
  let closed = 0;
  for (const a of incoming) {
    const existing = seen.get(a.id);
    if (!existing) {
      if (a.status === "firing") opened++;
      seen.set(a.id, { resolved: a.status === "resolved", dismissed: false });
      continue;
    }
    if (existing.resolved || a.status !== "resolved") continue;
    if (!existing.dismissed) closed++;
    seen.set(a.id, { ...existing, resolved: true });
  }
  return { opened, closed };
}

/**
 * Whether a change that opens `opened` and closes `closed` alerts keeps the workspace within
 * `max` open alerts. `open` is asked only when the cheap bound (`rows`, every stored alert)
 * cannot decide, since an exact count parses every alert row. A change that opens nothing
 * always fits: updates and resolves apply whatever the count.
 */
export function fitsCap(
  change: { opened: number; closed: number },
  rows: number,
  open: () => number,
  max: number = OPEN_ALERTS_MAX,
): boolean {
  if (change.opened === 0) return true;
  if (rows + change.opened <= max) return true;
  return open() - change.closed + change.opened <= max;
}

/**
 * The answer to a delivery refused at the cap: a 503 (Alertmanager and Grafana retry a 5xx and
 * drop a 4xx), or for PagerDuty-style events the 429 its clients retry (`pagerDuty`).
 */
export function alertLimitReached(opening: number, pagerDuty = false): Failure {
  const detail =
    `This workspace holds its limit of ${OPEN_ALERTS_MAX} open alerts, and this delivery would ` +
    `open ${opening} more, so none of it was stored. Resolve or dismiss alerts, then retry; ` +
    "updates and resolves of stored alerts are still accepted.";
  return fail(pagerDuty ? 429 : 503, "alert_limit", detail, {
    retryAfterSeconds: ALERT_LIMIT_RETRY_AFTER_SECONDS,
  });
}
