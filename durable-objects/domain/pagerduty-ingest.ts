import type {
  ActivityItem,
  Alert,
  Link,
  PagerDutyChangeEvent,
  PagerDutyEvent,
  PagerDutyOpenAlert,
} from "../../schema";
import type { RecordStore } from "../store/records";
import { MESSAGE_MAX, TITLE_MAX, clip, link, safeKey, shortHash } from "./alert-ingest";
import { withSuppression, type Silences } from "./silences";

// PagerDuty Events v2: triggers, acknowledges and resolves by dedup key; change events.

export type PagerDutyChange = {
  dedupKey: string;
  kind: "created" | "appended" | "acknowledged" | "resolved" | "none";
  alert?: Alert;
};

function detailsText(details: unknown): string {
  if (details === undefined || details === null) return "";
  if (typeof details !== "object") return String(details);
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("\n");
}

function pdLinks(event: PagerDutyEvent): Link[] {
  return [
    ...(event.links ?? []).flatMap((l) => link(l.href, clip(l.text || "Link", 200))),
    ...(event.images ?? []).flatMap((i) => link(i.href ?? i.src, clip(i.alt || "Image", 200))),
    ...link(event.client_url, clip(event.client || "Client", 200)),
  ];
}

/**
 * PagerDuty semantics: a trigger opens an alert or appends to the open one with the same
 * `dedup_key` (per integration); acknowledge and resolve act on the open one, and are
 * dropped when there is none. After a resolve, a trigger opens a new alert.
 */
export class PagerDutyAlerts {
  constructor(
    private readonly alerts: RecordStore<typeof Alert>,
    private readonly open: RecordStore<typeof PagerDutyOpenAlert>,
    private readonly silences: Silences,
  ) {}

  /** Whether `apply` would open a new alert: a trigger whose key has no open alert. */
  wouldOpen(event: PagerDutyEvent, integrationId: string): boolean {
    if (event.event_action !== "trigger") return false;
    if (event.dedup_key === undefined) return true;
    return this.openAlertOf(event.dedup_key, integrationId).openAlert === undefined;
  }

  apply(event: PagerDutyEvent, integrationId: string, now: Date): PagerDutyChange {
    const dedupKey = event.dedup_key ?? crypto.randomUUID();
    const { key, openAlert } = this.openAlertOf(dedupKey, integrationId);
    const at = now.toISOString();
    if (event.event_action === "trigger") {
      const p = event.payload;
      const labels = Object.fromEntries(
        Object.entries({
          source: p.source,
          severity: p.severity,
          component: p.component,
          group: p.group,
          class: p.class,
          client: event.client,
        }).filter((e): e is [string, string] => typeof e[1] === "string"),
      );
      const fresh = {
        title: clip(p.summary, TITLE_MAX),
        message: clip(detailsText(p.custom_details), MESSAGE_MAX),
        severity: p.severity,
        labels,
        links: pdLinks(event),
        group: p.group === undefined ? undefined : clip(p.group, 1000),
        lastSeen: at,
      };
      const silencedBy = this.silences.matching(labels, this.silences.active(now));
      if (openAlert) {
        const alert = withSuppression(
          { ...openAlert, ...fresh, count: openAlert.count + 1 },
          silencedBy,
        );
        this.alerts.put(alert);
        return { dedupKey, kind: "appended", alert };
      }
      const startsAt = p.timestamp ? new Date(Date.parse(p.timestamp)).toISOString() : at;
      const alert = withSuppression(
        {
          id: `pd.${shortHash(key)}.${now.getTime()}`,
          ...fresh,
          timestamp: startsAt,
          acknowledged: false,
          source: "pagerduty",
          status: "firing",
          annotations: {},
          count: 1,
          firstSeen: at,
          notes: [],
          dedupKey,
          integrationId,
        },
        silencedBy,
      );
      this.alerts.put(alert);
      // Made-up keys are marked so retention can bound them (store/retention.ts).
      const generated = event.dedup_key === undefined ? { generated: true } : {};
      this.open.put({ id: key, dedupKey, alertId: alert.id, ...generated });
      return { dedupKey, kind: "created", alert };
    }
    if (!openAlert) return { dedupKey, kind: "none" };
    if (event.event_action === "acknowledge") {
      if (openAlert.acknowledged) return { dedupKey, kind: "none", alert: openAlert };
      const alert = withSuppression(
        {
          ...openAlert,
          acknowledged: true,
          acknowledgedBy: clip(event.client || "pagerduty", 200),
          acknowledgedAt: at,
          lastSeen: at,
        },
        openAlert.silencedBy ?? [],
      );
      this.alerts.put(alert);
      return { dedupKey, kind: "acknowledged", alert };
    }
    const alert = withSuppression(
      { ...openAlert, status: "resolved", resolvedAt: at, lastSeen: at },
      [],
    );
    this.alerts.put(alert);
    this.open.delete(key);
    return { dedupKey, kind: "resolved", alert };
  }

  /** The index key of a dedup key, and the open alert it names, if any. */
  private openAlertOf(dedupKey: string, integrationId: string): { key: string; openAlert?: Alert } {
    const key = `${integrationId}.${safeKey(dedupKey)}`;
    const index = this.open.get(key);
    const current = index?.dedupKey === dedupKey ? this.alerts.get(index.alertId) : undefined;
    return { key, openAlert: current && current.status !== "resolved" ? current : undefined };
  }
}

/** A change event (deploy, config change) as an activity feed item. */
export function changeActivity(event: PagerDutyChangeEvent, now: Date): ActivityItem {
  const p = event.payload;
  const details = detailsText(p.custom_details);
  return {
    id: crypto.randomUUID(),
    type: "deployment",
    title: clip(p.summary, TITLE_MAX),
    description: clip(
      [p.source ? `Source: ${p.source}` : "", details].filter(Boolean).join("\n"),
      MESSAGE_MAX,
    ),
    timestamp: p.timestamp ? new Date(Date.parse(p.timestamp)).toISOString() : now.toISOString(),
  };
}
