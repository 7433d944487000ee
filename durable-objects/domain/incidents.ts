import {
  actorOf,
  fail,
  ok,
  type ActivityItem,
  type Alert,
  type CreateIncidentBody,
  type HealthStatus,
  type Incident,
  type IncidentStatus,
  type IncidentUpdateBody,
  type Outcome,
  type Principal,
} from "../../schema";

const ORDER: Record<IncidentStatus, number> = {
  investigating: 0,
  identified: 1,
  monitoring: 2,
  resolved: 3,
};

/**
 * Forward only (steps may be skipped: a quick fix goes straight to resolved), the same
 * status again to post an update, and one way back: a resolved incident that recurs is
 * reopened as investigating rather than opened twice.
 */
export function canMove(from: IncidentStatus, to: IncidentStatus): boolean {
  if (from === "resolved" && to === "investigating") return true;
  return ORDER[to] >= ORDER[from];
}

/** The alert ids of a create request, in order, without repeats. */
export function requestedAlertIds(body: CreateIncidentBody): string[] {
  return [...new Set([...(body.alertId ? [body.alertId] : []), ...(body.alertIds ?? [])])];
}

/**
 * Checks the alerts an incident would group: each must exist, not be dismissed, and not
 * already belong to an open incident (a second click on "Create incident" gets a 409
 * naming the first, not a duplicate incident).
 */
export function checkAlerts(
  ids: string[],
  getAlert: (id: string) => Alert | undefined,
  getIncident: (id: string) => Incident | undefined,
): Outcome<Alert[]> {
  const alerts: Alert[] = [];
  for (const id of ids) {
    const alert = getAlert(id);
    if (!alert) return fail(404, "not_found", `No alert '${id}'.`, { field: "alertId" });
    if (alert.dismissedAt)
      return fail(409, "conflict", `Alert '${id}' was dismissed.`, {
        field: "alertId",
        current: alert,
      });
    const open = alert.incidentId ? getIncident(alert.incidentId) : undefined;
    if (open && open.status !== "resolved")
      return fail(
        409,
        "conflict",
        `Alert '${id}' already belongs to open incident '${open.id}' (${open.title}).`,
        { field: "alertId", current: open },
      );
    alerts.push(alert);
  }
  return ok(alerts);
}

/** `alerts`: the alerts it groups; their sources become the incident's `source`. */
export function newIncident(
  body: CreateIncidentBody,
  alertIds: string[],
  actor: Principal,
  now: Date,
  alerts: Alert[] = [],
): Incident {
  const at = now.toISOString();
  const sources = [...new Set(alerts.map((a) => a.source).filter((s) => s !== ""))];
  return {
    id: `inc-${crypto.randomUUID()}`,
    title: body.title,
    description: body.description,
    severity: body.severity,
    status: "investigating",
    alertIds,
    createdAt: at,
    updatedAt: at,
    createdBy: actor.name,
    createdByActor: actorOf(actor),
    timeline: [
      {
        at,
        by: actor.name,
        actor: actorOf(actor),
        status: "investigating",
        message: body.description,
      },
    ],
    message: body.description,
    timestamp: at,
    acknowledged: true,
    source: sources.join(", ").slice(0, 300) || "opsdeck",
  };
}

export function applyUpdate(
  incident: Incident,
  body: IncidentUpdateBody,
  actor: Principal,
  now: Date,
): Outcome<Incident> {
  if (!canMove(incident.status, body.status))
    return fail(
      409,
      "invalid_transition",
      `Incident '${incident.id}' is ${incident.status}; it can move forward (investigating → identified → monitoring → resolved) or, once resolved, reopen as investigating — not to ${body.status}.`,
      { field: "status", current: incident },
    );
  const at = now.toISOString();
  const resolving = body.status === "resolved";
  return ok({
    ...incident,
    status: body.status,
    updatedAt: at,
    // Reopening clears resolvedAt; the timeline keeps when it was resolved before.
    resolvedAt: resolving ? (incident.status === "resolved" ? incident.resolvedAt : at) : undefined,
    timeline: [
      ...incident.timeline,
      { at, by: actor.name, actor: actorOf(actor), status: body.status, message: body.message },
    ],
  });
}

const HEALTH: Record<IncidentStatus, HealthStatus> = {
  investigating: "critical",
  identified: "critical",
  monitoring: "warning",
  resolved: "healthy",
};

export function incidentActivity(
  incident: Incident,
  what: "opened" | IncidentStatus,
  message: string,
  actor: Principal,
  now: Date,
): ActivityItem {
  const prefix = what === "opened" ? "Incident opened: " : `Incident ${what}: `;
  return {
    id: `act-${crypto.randomUUID()}`,
    type: "incident",
    title: prefix + incident.title,
    description: message,
    user: actor.name,
    timestamp: now.toISOString(),
    status: HEALTH[incident.status],
  };
}
