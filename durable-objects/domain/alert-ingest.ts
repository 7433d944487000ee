import {
  isUnset,
  type ActivityItem,
  type Alert,
  type AlertmanagerPayload,
  type GrafanaPayload,
  type HealthStatus,
  type Link,
  type Severity,
  type Truncation,
} from "../../schema";
import type { RecordStore } from "../store/records";
import { fitAlertSets } from "./alert-budget";
import { withSuppression, type Silences } from "./silences";

/**
 * `threshold`: raised by Opsdeck itself when a collected metric crosses a workspace threshold;
 * `anomaly`: raised by the streaming detector on a metric series (capabilities/anomalies.ts).
 */
export type AlertSource = "alertmanager" | "grafana" | "pagerduty" | "threshold" | "anomaly";

/** One alert of a notification, normalised; `id` is its identity (source, fingerprint, start). */
export type IncomingAlert = {
  id: string;
  status: "firing" | "resolved";
  fingerprint: string;
  startsAt: string;
  resolvedAt?: string;
  title: string;
  message: string;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  links: Link[];
  runbook?: string;
  group: string;
  /** What was cut from labels or annotations to fit their budget. */
  truncated?: Truncation[];
};

export type BatchChanges = {
  created: Alert[];
  repeated: Alert[];
  resolved: Alert[];
  /** Alerts stored as resolved on first sight (resolve before firing). */
  resolvedUnseen: Alert[];
};

export const TITLE_MAX = 1024;
export const MESSAGE_MAX = 10_000;
const URL_MAX = 2000;
/** Activity items a single delivery may add before it is summarised in one item. */
const ACTIVITY_PER_DELIVERY = 10;

/**
 * `labels.severity`, case-insensitively: critical, error, warning and info map to
 * themselves; anything else (page, high, P1, missing…) is `warning`, so an unknown scheme
 * is visible without being ranked as the worst.
 */
export function severityOf(labels: Record<string, string>): Severity {
  const raw = labels.severity?.trim().toLowerCase();
  return raw === "critical" || raw === "error" || raw === "warning" || raw === "info"
    ? raw
    : "warning";
}

/** Only absolute http(s) URLs are kept as links: `javascript:`, `data:` and the rest are dropped. */
export function safeUrl(raw: string | undefined): string | undefined {
  if (!raw || raw.length > URL_MAX) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** 53-bit string hash (cyrb53): ids for keys whose characters cannot appear in a record id. */
export function shortHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0");
}

const SAFE_KEY = /^[A-Za-z0-9_-]{1,100}$/;
export const safeKey = (key: string) => (SAFE_KEY.test(key) ? key : `h${shortHash(key)}`);

/** Identity of an alert instance: a re-fire after resolve has a new `startsAt`, so a new id. */
export function alertIdFor(source: AlertSource, fingerprint: string, startsAt: string): string {
  const prefix = {
    alertmanager: "am",
    grafana: "gf",
    pagerduty: "pd",
    threshold: "th",
    anomaly: "an",
  }[source];
  return `${prefix}.${safeKey(fingerprint)}.${Date.parse(startsAt)}`;
}

const groupOf = (groupKey: string) =>
  groupKey.length <= 1000 ? groupKey : `${groupKey.slice(0, 980)}#${shortHash(groupKey)}`;

export function link(href: string | undefined, text: string): Link[] {
  const safe = safeUrl(href);
  return safe ? [{ href: safe, text }] : [];
}

/** Alertmanager or Grafana notification → normalised alerts (absent ones are never touched). */
export function normaliseAlerts(
  source: "alertmanager" | "grafana",
  payload: AlertmanagerPayload | GrafanaPayload,
): IncomingAlert[] {
  const group = groupOf(payload.groupKey);
  return payload.alerts.map((a) => {
    const startsAt = new Date(Date.parse(a.startsAt)).toISOString();
    const grafana = "silenceURL" in a ? a : undefined;
    const sets = fitAlertSets(a.labels, a.annotations);
    return {
      id: alertIdFor(source, a.fingerprint, startsAt),
      status: a.status,
      fingerprint: a.fingerprint,
      startsAt,
      resolvedAt: isUnset(a.endsAt) ? undefined : new Date(Date.parse(a.endsAt!)).toISOString(),
      title: clip(
        a.annotations.summary || a.labels.alertname || `Alert ${a.fingerprint}`,
        TITLE_MAX,
      ),
      message: clip(a.annotations.description ?? a.annotations.message ?? "", MESSAGE_MAX),
      severity: severityOf(a.labels),
      labels: sets.labels,
      annotations: sets.annotations,
      truncated: sets.truncated,
      links: [
        ...link(a.generatorURL, "Source"),
        ...link(grafana?.silenceURL, "Silence"),
        ...link(grafana?.dashboardURL, "Dashboard"),
        ...link(grafana?.panelURL, "Panel"),
        ...link(grafana?.imageURL, "Image"),
        ...link(payload.externalURL, source === "grafana" ? "Grafana" : "Alertmanager"),
      ],
      runbook: safeUrl(a.annotations.runbook_url),
      group,
    };
  });
}

/**
 * Applies normalised alerts to the store: one instance per id, repeats bump `count` and
 * `lastSeen`, resolutions resolve, a resolve for an unknown alert is stored as resolved.
 * Synchronous on purpose: the caller runs it inside one storage transaction.
 */
export function applyAlerts(
  store: RecordStore<typeof Alert>,
  silences: Silences,
  source: AlertSource,
  incoming: IncomingAlert[],
  integrationId: string,
  now: Date,
): BatchChanges {
  const at = now.toISOString();
  const active = silences.active(now);
  const changes: BatchChanges = { created: [], repeated: [], resolved: [], resolvedUnseen: [] };
  for (const a of incoming) {
    const existing = store.get(a.id);
    const silencedBy = silences.matching(a.labels, active);
    const fresh = {
      title: a.title,
      message: a.message,
      severity: a.severity,
      labels: a.labels,
      annotations: a.annotations,
      links: a.links,
      runbook: a.runbook,
      group: a.group,
      truncated: a.truncated,
      lastSeen: at,
    };
    if (!existing) {
      const resolved = a.status === "resolved";
      const alert = withSuppression(
        {
          id: a.id,
          ...fresh,
          timestamp: a.startsAt,
          acknowledged: false,
          source,
          status: resolved ? "resolved" : "firing",
          fingerprint: a.fingerprint,
          count: 1,
          firstSeen: at,
          resolvedAt: resolved ? (a.resolvedAt ?? at) : undefined,
          notes: [],
          integrationId,
        },
        silencedBy,
      );
      store.put(alert);
      (resolved ? changes.resolvedUnseen : changes.created).push(alert);
      continue;
    }
    if (existing.status === "resolved") {
      // A late repeat of an instance already resolved (same startsAt) never reopens it.
      store.put({ ...existing, lastSeen: at });
      continue;
    }
    if (a.status === "resolved") {
      const alert = withSuppression(
        { ...existing, ...fresh, status: "resolved", resolvedAt: a.resolvedAt ?? at },
        [],
      );
      store.put(alert);
      changes.resolved.push(alert);
      continue;
    }
    const alert = withSuppression({ ...existing, ...fresh, count: existing.count + 1 }, silencedBy);
    store.put(alert);
    changes.repeated.push(alert);
  }
  return changes;
}

/**
 * The feed badge for an alert of this severity. An info alert gets none: it is news, and
 * "healthy" next to something firing would read as a contradiction.
 */
export const severityHealth = (severity: Severity): HealthStatus | undefined =>
  severity === "info" ? undefined : severity === "warning" ? "warning" : "critical";

/** Feed items for newly firing alerts (not suppressed ones) and resolutions; summarised when many. */
export function activityFor(
  source: AlertSource,
  changes: Pick<BatchChanges, "created" | "resolved">,
  now: Date,
): ActivityItem[] {
  const at = now.toISOString();
  const firing = changes.created.filter((a) => a.status !== "suppressed");
  const items: ActivityItem[] = [
    ...firing.map((a) => ({
      id: crypto.randomUUID(),
      type: "alert" as const,
      title: a.title,
      description: clip(
        `${a.severity} alert firing (${source})${a.message ? `: ${a.message}` : ""}`,
        MESSAGE_MAX,
      ),
      timestamp: at,
      status: severityHealth(a.severity),
    })),
    ...changes.resolved.map((a) => ({
      id: crypto.randomUUID(),
      type: "alert" as const,
      title: clip(`Resolved: ${a.title}`, TITLE_MAX),
      description: `Resolved (${source}) after ${a.count} notification${a.count === 1 ? "" : "s"}.`,
      timestamp: at,
      status: "healthy" as const,
    })),
  ];
  if (items.length <= ACTIVITY_PER_DELIVERY) return items;
  const worst = firing.some((a) => severityHealth(a.severity) === "critical")
    ? "critical"
    : "warning";
  return [
    {
      id: crypto.randomUUID(),
      type: "alert",
      title: `${firing.length} alerts firing, ${changes.resolved.length} resolved (${source})`,
      description: clip(
        items
          .slice(0, 50)
          .map((i) => i.title)
          .join("; "),
        MESSAGE_MAX,
      ),
      timestamp: at,
      status: firing.length ? worst : "healthy",
    },
  ];
}
