import {
  Incident,
  LIST_CAPS,
  TIMELINE_INLINE_ENTRIES,
  TIMELINE_READ_MAX,
  fail,
  ok,
  type CreateIncidentBody,
  type IncidentDetail,
  type IncidentQuery,
  type IncidentUpdateBody,
  type Outcome,
  type Principal,
} from "../../schema";
import type { Notifier } from "../domain/notifications";
import {
  applyUpdate,
  checkAlerts,
  incidentActivity,
  newIncident,
  requestedAlertIds,
} from "../domain/incidents";
import { IncidentTimeline } from "../store/incident-timeline";
import { ObservedRecordStore } from "../store/observed-records";
import type { RecordStore } from "../store/records";
import type { Activity } from "./activity";
import type { Alerts } from "./alerts";
import type { Host } from "./host";

/**
 * Incidents: opened from one or several alerts, with a status timeline people append to. The
 * timeline is stored one entry per row (store/incident-timeline.ts); the incident's own row
 * keeps its newest `TIMELINE_INLINE_ENTRIES` and `timelineTotal`, so neither it nor the frames
 * that carry it grow with the incident's age.
 */
export class Incidents {
  readonly store: RecordStore<typeof Incident>;
  private readonly timeline: IncidentTimeline;

  constructor(
    private readonly host: Host,
    private readonly alerts: Alerts,
    private readonly activity: Activity,
    notifier: Notifier,
  ) {
    // Observed: every incident change, whatever made it, is judged for notification.
    this.store = new ObservedRecordStore(
      host.sql,
      "incident",
      Incident,
      (i) => i.createdAt,
      (before, after) => notifier.incidentChanged(before, after),
    );
    this.timeline = new IncidentTimeline(host.sql);
  }

  /** Newest first: the snapshot's and the frames' list. */
  recent(): Incident[] {
    return this.store.list(LIST_CAPS.incidents);
  }

  list(query: IncidentQuery): Incident[] {
    return this.store
      .list(500)
      .filter((i) => !query.status || (query.status === "resolved") === (i.status === "resolved"))
      .filter((i) => !query.severity || i.severity === query.severity);
  }

  /** Incidents not yet resolved. */
  openCount(): number {
    return Object.entries(this.store.countBy("status"))
      .filter(([status]) => status !== "resolved")
      .reduce((sum, [, n]) => sum + n, 0);
  }

  get(id: string): Outcome<IncidentDetail> {
    const incident = this.store.get(id);
    if (!incident) return fail(404, "not_found", `No incident '${id}'.`, { field: "id" });
    const alerts = incident.alertIds.flatMap((alertId) => this.alerts.store.get(alertId) ?? []);
    // Incidents stored before the timeline had rows keep it whole in their own row.
    const timeline =
      incident.timelineTotal === undefined
        ? incident.timeline
        : this.timeline.newest(id, TIMELINE_READ_MAX);
    return ok({ incident: { ...incident, timeline }, alerts });
  }

  /** Opens an incident for one or several alerts; each alert gets its `incidentId`. */
  create(actor: Principal, body: CreateIncidentBody): Outcome<Incident> {
    const ids = requestedAlertIds(body);
    const checked = checkAlerts(
      ids,
      (id) => this.alerts.store.get(id),
      (id) => this.store.get(id),
    );
    if (!checked.ok) return checked;
    const now = new Date();
    const incident = { ...newIncident(body, ids, actor, now, checked.value), timelineTotal: 1 };
    this.host.transaction(() => {
      this.store.put(incident);
      this.timeline.append(incident.id, incident.timeline, 0);
      for (const alert of checked.value)
        this.alerts.store.put({ ...alert, incidentId: incident.id });
      this.host.audit.record(actor, "incident.create", incident.id, { after: incident }, now);
    });
    this.publish(now);
    this.alerts.publish(now);
    this.activity.add(
      [incidentActivity(incident, "opened", incident.description, actor, now)],
      now,
    );
    return ok(incident);
  }

  /** A status change (or an update at the same status) appended to the timeline. */
  update(actor: Principal, id: string, body: IncidentUpdateBody): Outcome<Incident> {
    const before = this.store.get(id);
    if (!before) return fail(404, "not_found", `No incident '${id}'.`, { field: "id" });
    const now = new Date();
    const updated = applyUpdate(before, body, actor, now);
    if (!updated.ok) return updated;
    const entry = updated.value.timeline.at(-1)!;
    const total = before.timelineTotal ?? before.timeline.length;
    const after: Incident = {
      ...updated.value,
      timeline: updated.value.timeline.slice(-TIMELINE_INLINE_ENTRIES),
      timelineTotal: total + 1,
    };
    this.host.transaction(() => {
      // An incident from before timeline rows moves its entries to rows on its first update.
      if (before.timelineTotal === undefined) this.timeline.append(id, before.timeline, 0);
      this.timeline.append(id, [entry], total);
      this.store.put(after);
      this.host.audit.record(actor, "incident.update", id, { before, after }, now);
    });
    this.publish(now);
    this.activity.add([incidentActivity(after, body.status, body.message, actor, now)], now);
    return ok(after);
  }

  private publish(now: Date): void {
    this.host.publish({ type: "incidents", payload: this.recent() }, now);
  }
}
