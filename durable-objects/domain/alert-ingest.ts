import {
  isUnset,
  type ActivityItem,
  type Alert,
  type PagerDutyOpenAlert,
  type AlertmanagerPayload,
  type GrafanaPayload,
  type HealthStatus,
  type Link,
  type PagerDutyChangeEvent,
  type PagerDutyEvent,
  type Severity,
} from "../../schema";
import type { RecordStore } from "../store/records";
import { withSuppression, type Silences } from "./silences";

/** `threshold`: raised by Opsdeck itself when a collected metric crosses a workspace threshold. */
export type AlertSource = "alertmanager" | "grafana" | "pagerduty" | "threshold";

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
};

export type BatchChanges = {
  created: Alert[];
  repeated: Alert[];
  resolved: Alert[];
  /** Alerts stored as resolved on first sight (resolve before firing). */
  resolvedUnseen: Alert[];
};

const TITLE_MAX = 1024;
const MESSAGE_MAX = 10_000;
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

function clip(text: string, max: number): string {
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
const safeKey = (key: string) => (SAFE_KEY.test(key) ? key : `h${shortHash(key)}`);

/** Identity of an alert instance: a re-fire after resolve has a new `startsAt`, so a new id. */
export function alertIdFor(source: AlertSource, fingerprint: string, startsAt: string): string {
  const prefix = { alertmanager: "am", grafana: "gf", pagerduty: "pd", threshold: "th" }[source];
  return `${prefix}.${safeKey(fingerprint)}.${Date.parse(startsAt)}`;
}

const groupOf = (groupKey: string) =>
  groupKey.length <= 1000 ? groupKey : `${groupKey.slice(0, 980)}#${shortHash(groupKey)}`;

function link(href: string | undefined, text: string): Link[] {
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
      labels: a.labels,
      annotations: a.annotations,
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

// ── PagerDuty Events v2 ───────────────────────────────────────────────────────────────

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

  apply(event: PagerDutyEvent, integrationId: string, now: Date): PagerDutyChange {
    const dedupKey = event.dedup_key ?? crypto.randomUUID();
    const key = `${integrationId}.${safeKey(dedupKey)}`;
    const index = this.open.get(key);
    const current = index?.dedupKey === dedupKey ? this.alerts.get(index.alertId) : undefined;
    const openAlert = current && current.status !== "resolved" ? current : undefined;
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
      this.open.put({ id: key, dedupKey, alertId: alert.id });
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

// ── Alert frames ──────────────────────────────────────────────────────────────────────

/** Fan-out the object may spend on `alerts` frames: bytes per second across all sockets. */
const FAN_OUT_BYTES_PER_SECOND = 32 * 1024 * 1024;
const MIN_FRAME_GAP_MS = 250;
const MAX_FRAME_GAP_MS = 5000;

/**
 * The least time between two `alerts` frames under sustained ingest: a whole-list frame to
 * every socket costs about bytes × sockets, so the gap keeps that within the fan-out budget
 * (250 ms for a small workspace; 200 alerts to 1,000 sockets, ~140 MB a frame, ~4 s).
 * @example alertFrameGap(140_000, 1000) // 4172
 */
export function alertFrameGap(frameBytes: number, sockets: number): number {
  const ms = ((frameBytes * sockets) / FAN_OUT_BYTES_PER_SECOND) * 1000;
  return Math.round(Math.min(MAX_FRAME_GAP_MS, Math.max(MIN_FRAME_GAP_MS, ms)));
}

/** Bytes of the newest event's payload: the size of the frame just broadcast. */
export function lastEventBytes(sql: SqlStorage): number {
  const row = sql
    .exec<{ n: number | null }>("SELECT LENGTH(payload) AS n FROM events ORDER BY seq DESC LIMIT 1")
    .toArray()[0];
  return row?.n ?? 0;
}
