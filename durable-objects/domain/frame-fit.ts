import {
  LIST_FRAME_BYTES,
  clipBytes,
  jsonBytes,
  type ActivityItem,
  type Alert,
  type Incident,
  type Truncation,
} from "../../schema";

/**
 * Lists as frames carry them, within their byte budget (schema/budgets.ts LIST_FRAME_BYTES).
 * A list within budget is sent as it is stored. A larger one keeps every item, but items
 * bigger than their share of the budget are abbreviated: strings clipped with a visible mark,
 * label/annotation sets, notes and timelines shortened, and (alerts, incidents) a `truncated`
 * entry `{ field: "frame", bytes }` telling the client this copy is partial; the full record
 * is one `GET …/:id` away (the detail pages read it from there). The client replaces its list
 * with the frame's as always, so nothing changes for it. Only if the abbreviated items still
 * do not fit (pathological ids) are the oldest dropped.
 */

/** The frame marker on an abbreviated alert or incident: its full size. */
const frameMark = (bytes: number): Truncation => ({ field: "frame", bytes });

/** The first `max` entries of a set, each value clipped to `valueBytes`. */
function shortSet(set: Record<string, string>, max: number, valueBytes: number) {
  return Object.fromEntries(
    Object.entries(set)
      .slice(0, max)
      .map(([k, v]) => [clipBytes(k, 64), clipBytes(v, valueBytes)]),
  );
}

/** An alert within `share` bytes: first a readable abbreviation, then the bare minimum. */
export function compactAlert(alert: Alert, share: number): Alert {
  const bytes = jsonBytes(alert);
  if (bytes <= share) return alert;
  const mark = [frameMark(bytes)];
  const readable: Alert = {
    ...alert,
    title: clipBytes(alert.title, 512),
    message: clipBytes(alert.message, 512),
    group: alert.group === undefined ? undefined : clipBytes(alert.group, 128),
    labels: shortSet(alert.labels, 12, 128),
    annotations: shortSet(alert.annotations, 4, 256),
    links: alert.links.slice(0, 3),
    notes: alert.notes
      .slice(-1)
      .map((n) => ({ ...n, by: clipBytes(n.by, 64), text: clipBytes(n.text, 256) })),
    silencedBy: alert.silencedBy?.slice(0, 3),
    truncated: mark,
  };
  if (jsonBytes(readable) <= share) return readable;
  return {
    ...readable,
    title: clipBytes(alert.title, 128),
    message: "",
    group: undefined,
    labels: shortSet(alert.labels, 2, 64),
    annotations: {},
    links: [],
    notes: [],
    runbook: undefined,
    silencedBy: alert.silencedBy?.slice(0, 1),
  };
}

/** An incident within `share` bytes: its newest timeline entry, clipped text, few alert ids. */
export function compactIncident(incident: Incident, share: number): Incident {
  const bytes = jsonBytes(incident);
  if (bytes <= share) return incident;
  const clipEntry = (e: Incident["timeline"][number], max: number) => ({
    ...e,
    message: clipBytes(e.message, max),
  });
  const readable: Incident = {
    ...incident,
    title: clipBytes(incident.title, 256),
    description: clipBytes(incident.description, 512),
    message: clipBytes(incident.message, 512),
    alertIds: incident.alertIds.slice(0, 10),
    timeline: incident.timeline.slice(-1).map((e) => clipEntry(e, 512)),
    truncated: [frameMark(bytes)],
  };
  if (jsonBytes(readable) <= share) return readable;
  return {
    ...readable,
    description: "",
    message: "",
    alertIds: incident.alertIds.slice(0, 1),
    timeline: incident.timeline.slice(-1).map((e) => clipEntry(e, 64)),
  };
}

/** A feed item within `share` bytes (its text carries the clip mark). */
export function compactActivity(item: ActivityItem, share: number): ActivityItem {
  if (jsonBytes(item) <= share) return item;
  const text = Math.max(64, Math.floor((share - 800) / 2));
  return {
    ...item,
    title: clipBytes(item.title, Math.min(text, 1024)),
    description: clipBytes(item.description, text),
  };
}

/**
 * `items` within `budget` bytes of JSON: unchanged when they fit; else each item over its
 * share abbreviated by `compact`, then (only if still too large) the oldest dropped.
 * @example fitList(alerts, LIST_FRAME_BYTES.alerts, compactAlert)
 */
export function fitList<T>(
  items: T[],
  budget: number,
  compact: (item: T, share: number) => T = (item) => item,
): T[] {
  if (jsonBytes(items) <= budget) return items;
  // Brackets and commas: n + 1 bytes around the items.
  const share = Math.floor((budget - items.length - 1) / Math.max(1, items.length));
  const fitted = items.map((item) => compact(item, share));
  let total = jsonBytes(fitted);
  while (total > budget && fitted.length > 0) total -= jsonBytes(fitted.pop()) + 1;
  return fitted;
}

/** Each list kind with its budget and abbreviation, for the read model. */
export const fitAlerts = (alerts: Alert[]) =>
  fitList(alerts, LIST_FRAME_BYTES.alerts, compactAlert);
export const fitIncidents = (incidents: Incident[]) =>
  fitList(incidents, LIST_FRAME_BYTES.incidents, compactIncident);
export const fitActivity = (items: ActivityItem[]) =>
  fitList(items, LIST_FRAME_BYTES.other, compactActivity);
/** Lists whose items have no abbreviation (bounded by their schemas in practice). */
export const fitOther = <T>(items: T[]) => fitList(items, LIST_FRAME_BYTES.other);
