import {
  Incident,
  LIST_CAPS,
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
import { ObservedRecordStore } from "../store/observed-records";
import type { RecordStore } from "../store/records";
import type { Activity } from "./activity";
import type { Alerts } from "./alerts";
import type { Host } from "./host";

/** Incidents: opened from one or several alerts, with a status timeline people append to. */
export class Incidents {
  readonly store: RecordStore<typeof Incident>;

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
    return ok({ incident, alerts });
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
    const incident = newIncident(body, ids, actor, now, checked.value);
    this.host.transaction(() => {
      this.store.put(incident);
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
    const after = updated.value;
    this.host.transaction(() => {
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
