import {
  SilenceRecord,
  fail,
  matcherMatches,
  ok,
  type Alert,
  type CreateMaintenanceBody,
  type CreateSilenceBody,
  type Outcome,
  type Silence,
  type SilenceKind,
  type SilenceState,
} from "../../schema";
import { RecordStore } from "../store/records";

/** Silences and windows kept for reading back; the oldest beyond this are dropped. */
const KEEP = 1000;
/**
 * Silences and windows pending or in effect at once, as Alertmanager's `--silences.max-silences`:
 * every alert is matched against all of them, so this bounds the work per alert, and trimming
 * to KEEP can then only ever drop expired ones.
 */
export const MAX_LIVE_SILENCES = 500;
/** Schema bound on `Alert.silencedBy`. */
const MAX_SILENCED_BY = 100;

export function stateOf(s: SilenceRecord, now: Date): SilenceState {
  const t = now.getTime();
  if (t < Date.parse(s.startsAt)) return "pending";
  return t < Date.parse(s.endsAt) ? "active" : "expired";
}

/**
 * Silences (label matchers, Alertmanager semantics) and maintenance windows (a time range,
 * optionally narrowed by matchers). An alert that matches an active one is `suppressed`.
 * Suppression is re-evaluated on every delivery, on every create or expire, and by the
 * workspace alarm at each start and end time (`nextBoundary`), so it ends on time.
 */
export class Silences {
  private readonly store: RecordStore<typeof SilenceRecord>;

  constructor(sql: SqlStorage) {
    this.store = new RecordStore(sql, "silence", SilenceRecord, (s) => s.createdAt);
  }

  list(kind: SilenceKind, now: Date, state?: SilenceState): Silence[] {
    return this.store
      .list(KEEP, { kind })
      .map((s) => this.view(s, now))
      .filter((s) => !state || s.state === state);
  }

  get(kind: SilenceKind, id: string, now: Date): Silence | undefined {
    const record = this.store.get(id);
    return record?.kind === kind ? this.view(record, now) : undefined;
  }

  create(
    kind: SilenceKind,
    body: CreateSilenceBody | CreateMaintenanceBody,
    createdBy: string,
    now: Date,
  ): Outcome<Silence> {
    const startsAt = body.startsAt ?? now.toISOString();
    if (Date.parse(body.endsAt) <= now.getTime())
      return fail(400, "validation_failed", "endsAt must be in the future.", {
        field: "json.endsAt",
      });
    if (Date.parse(body.endsAt) <= Date.parse(startsAt))
      return fail(400, "validation_failed", "endsAt must be after startsAt.", {
        field: "json.endsAt",
      });
    const live = this.store.list(KEEP).filter((s) => stateOf(s, now) !== "expired").length;
    if (live >= MAX_LIVE_SILENCES)
      return fail(
        409,
        "limit_reached",
        `This workspace has ${live} silences and maintenance windows pending or active, the most it keeps at once (${MAX_LIVE_SILENCES}); expire some first.`,
      );
    const record: SilenceRecord = {
      id: crypto.randomUUID(),
      kind,
      name: "name" in body ? body.name : undefined,
      matchers: body.matchers,
      startsAt: new Date(Date.parse(startsAt)).toISOString(),
      endsAt: new Date(Date.parse(body.endsAt)).toISOString(),
      comment: body.comment,
      createdBy,
      createdAt: now.toISOString(),
    };
    this.store.put(record);
    this.store.trim(KEEP);
    return ok(this.view(record, now));
  }

  /**
   * Ends a silence now (as Alertmanager's expire does: `endsAt` becomes now). Expiring one
   * that has already ended changes nothing and returns it as it is (idempotent).
   */
  expire(
    kind: SilenceKind,
    id: string,
    by: string,
    now: Date,
  ): Outcome<{ before: Silence; after: Silence; changed: boolean }> {
    const record = this.store.get(id);
    if (!record || record.kind !== kind)
      return fail(
        404,
        "not_found",
        `No ${kind === "silence" ? "silence" : "maintenance window"} '${id}'.`,
        { field: "id" },
      );
    const before = this.view(record, now);
    if (before.state === "expired") return ok({ before, after: before, changed: false });
    const at = now.toISOString();
    // A pending one never started: it ends where it would have begun.
    const next: SilenceRecord = {
      ...record,
      startsAt: before.state === "pending" ? at : record.startsAt,
      endsAt: at,
      expiredAt: at,
      expiredBy: by,
    };
    this.store.put(next);
    return ok({ before, after: this.view(next, now), changed: true });
  }

  /** Silences and windows in effect at `now`. */
  active(now: Date): SilenceRecord[] {
    return this.store.list(KEEP).filter((s) => stateOf(s, now) === "active");
  }

  /** Ids of the `active` ones whose matchers all accept the labels (none = everything). */
  matching(labels: Record<string, string>, active: SilenceRecord[]): string[] {
    return active
      .filter((s) => s.matchers.every((m) => matcherMatches(m, labels)))
      .map((s) => s.id)
      .slice(0, MAX_SILENCED_BY);
  }

  /** The next time any silence starts or ends after `now`: when suppression must be redone. */
  nextBoundary(now: Date): number | undefined {
    const t = now.getTime();
    let next: number | undefined;
    for (const s of this.store.list(KEEP)) {
      for (const at of [Date.parse(s.startsAt), Date.parse(s.endsAt)]) {
        if (at > t && (next === undefined || at < next)) next = at;
      }
    }
    return next;
  }

  private view(record: SilenceRecord, now: Date): Silence {
    return { ...record, state: stateOf(record, now) };
  }
}

/**
 * An open alert's status given the silences matching it: suppressed while any matches,
 * otherwise back to acknowledged or firing. Resolved alerts keep their status.
 */
export function withSuppression(alert: Alert, silencedBy: string[]): Alert {
  const next: Alert = { ...alert, silencedBy: silencedBy.length ? silencedBy : undefined };
  if (alert.status === "resolved") return next;
  next.status = silencedBy.length ? "suppressed" : alert.acknowledged ? "acknowledged" : "firing";
  return next;
}

const sameIds = (a: string[] | undefined, b: string[] | undefined) =>
  (a ?? []).join(",") === (b ?? []).join(",");

/**
 * Re-applies the silences in effect at `now` to every open alert; returns how many changed.
 * Runs when a silence is created or expired and at each silence's start and end time.
 */
export function reapplySilences(
  alerts: RecordStore<typeof Alert>,
  silences: Silences,
  now: Date,
): number {
  const active = silences.active(now);
  let changed = 0;
  for (const status of ["firing", "acknowledged", "suppressed"] as const) {
    for (const alert of alerts.list(5000, { status })) {
      const next = withSuppression(alert, silences.matching(alert.labels, active));
      if (next.status === alert.status && sameIds(next.silencedBy, alert.silencedBy)) continue;
      alerts.put(next);
      changed += 1;
    }
  }
  return changed;
}
