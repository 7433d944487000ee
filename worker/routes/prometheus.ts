import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  AlertRefusalReason,
  SourceState,
  type AlertLimitStats,
  type LoginStats,
  type StorageUsage,
  type WorkspaceStats,
} from "../../schema";
import { CONTENT_TYPE, renderExposition, type Family } from "../lib/prometheus";
import { socketFamilies } from "../lib/socket-families";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams } from "./params";

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** Sign-in failures and refusals (capabilities/login-guard.ts). */
function loginFamilies(logins: LoginStats): Family[] {
  return [
    {
      name: "opsdeck_login_failures_total",
      help: "Sign-in attempts refused because the token was not valid (all time).",
      type: "counter",
      samples: [{ value: logins.failedTotal }],
    },
    {
      name: "opsdeck_login_failures_last_hour",
      help: "Sign-in attempts refused because the token was not valid, in the last hour.",
      type: "gauge",
      samples: [{ value: logins.failedLastHour }],
    },
    {
      name: "opsdeck_login_rate_limited_total",
      help: "Sign-in attempts refused with 429 by the workspace's limits, since the object last started.",
      type: "counter",
      samples: [
        { labels: { scope: "client" }, value: logins.limitedByClient },
        { labels: { scope: "workspace" }, value: logins.limitedByWorkspace },
      ],
    },
  ];
}

/** The open-alert cap: how full it is and what it refused (capabilities/alert-cap.ts). */
function alertLimitFamilies(limits: AlertLimitStats | undefined): Family[] {
  if (!limits) return [];
  return [
    {
      name: "opsdeck_alerts_open",
      help: "Open alerts (firing, acknowledged or silenced; not resolved or dismissed).",
      type: "gauge",
      samples: [{ value: limits.open }],
    },
    {
      name: "opsdeck_alerts_open_limit",
      help: "Open alerts a workspace may hold; sender deliveries past it are refused.",
      type: "gauge",
      samples: [{ value: limits.limit }],
    },
    {
      name: "opsdeck_alerts_refused_total",
      help: "Sender deliveries refused (retried by the sender), by reason.",
      type: "counter",
      samples: AlertRefusalReason.options.map((reason) => ({
        labels: { reason },
        value: limits.refused[reason] ?? 0,
      })),
    },
  ];
}

function families(stats: WorkspaceStats): Family[] {
  const numeric = stats.metrics.flatMap((m) =>
    typeof m.value === "number" ? [{ ...m, value: m.value }] : [],
  );
  return [
    {
      name: "opsdeck_metric_value",
      help: "Latest value of each workspace metric (see opsdeck_metric_last_update_timestamp_seconds for its age).",
      type: "gauge",
      samples: numeric.map((m) => ({ labels: { metric: m.id, label: m.label }, value: m.value })),
    },
    {
      name: "opsdeck_metric_last_update_timestamp_seconds",
      help: "When each workspace metric last received a point (Unix time).",
      type: "gauge",
      samples: numeric.flatMap((m) =>
        m.updatedAt ? [{ labels: { metric: m.id }, value: seconds(m.updatedAt) }] : [],
      ),
    },
    {
      name: "opsdeck_alerts_firing",
      help: "Firing alerts by severity.",
      type: "gauge",
      samples: Object.entries(stats.alertsFiring).map(([severity, value]) => ({
        labels: { severity },
        value,
      })),
    },
    {
      name: "opsdeck_incidents_open",
      help: "Incidents not yet resolved.",
      type: "gauge",
      samples: [{ value: stats.incidentsOpen }],
    },
    {
      name: "opsdeck_source_up",
      help: "1 when a source is live, 0 otherwise (stale, error, pending, not configured).",
      type: "gauge",
      samples: stats.sources.map((s) => ({
        labels: { source: s.id },
        value: s.status === "live" ? 1 : 0,
      })),
    },
    {
      // One series per state (1 for the current one), so a state change never starts a new series.
      name: "opsdeck_source_state",
      help: "Each source's state: 1 for the current state, 0 for the others.",
      type: "gauge",
      samples: stats.sources.flatMap((s) =>
        SourceState.options.map((state) => ({
          labels: { source: s.id, state },
          value: s.status === state ? 1 : 0,
        })),
      ),
    },
    {
      name: "opsdeck_source_last_success_timestamp_seconds",
      help: "When each source last delivered data (Unix time).",
      type: "gauge",
      samples: stats.sources.flatMap((s) =>
        s.lastSuccessAt ? [{ labels: { source: s.id }, value: seconds(s.lastSuccessAt) }] : [],
      ),
    },
    {
      name: "opsdeck_websocket_clients",
      help: "Connected live sockets.",
      type: "gauge",
      samples: [{ value: stats.sockets }],
    },
    ...socketFamilies(stats.socketLimits),
    ...alertLimitFamilies(stats.alertLimits),
    {
      name: "opsdeck_events_total",
      help: "Change events published (the event log's sequence number).",
      type: "counter",
      samples: [{ value: stats.seq }],
    },
    {
      name: "opsdeck_storage_bytes",
      help: "Size of the workspace object's SQLite database.",
      type: "gauge",
      samples: [{ value: stats.storageBytes }],
    },
  ];
}

/** Rows and payload bytes per table, and per kind of the shared `records` table. */
function storageFamilies(usage: StorageUsage): Family[] {
  return [
    {
      name: "opsdeck_table_rows",
      help: "Rows per SQLite table of the workspace object (counted at most once a minute).",
      type: "gauge",
      samples: usage.tables.map((t) => ({ labels: { table: t.name }, value: t.rows })),
    },
    {
      name: "opsdeck_table_bytes",
      help: "Stored column bytes per SQLite table (without indexes or page overhead).",
      type: "gauge",
      samples: usage.tables.map((t) => ({ labels: { table: t.name }, value: t.bytes })),
    },
    {
      name: "opsdeck_records_rows",
      help: "Rows of the records table per kind (alert, incident, activity, ...).",
      type: "gauge",
      samples: usage.records.map((r) => ({ labels: { kind: r.name }, value: r.rows })),
    },
    {
      name: "opsdeck_records_bytes",
      help: "Stored column bytes of the records table per kind.",
      type: "gauge",
      samples: usage.records.map((r) => ({ labels: { kind: r.name }, value: r.bytes })),
    },
  ];
}

/** `GET /w/:workspace/metrics`: the workspace's state for a Prometheus scrape (token required). */
export const prometheusRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/metrics",
    summary: "Prometheus text exposition of the workspace (scrape with a bearer token)",
    middleware: [authorize("viewer")] as const,
    request: { params: WorkspaceParams },
    responses: {
      200: {
        content: { [CONTENT_TYPE]: { schema: z.string() } },
        description: "Prometheus text format 0.0.4",
      },
      ...problemResponses,
    },
  }),
  async (c) => {
    const { stub } = c.var.workspace;
    const [stats, usage, logins] = await Promise.all([
      stub.stats(),
      stub.storageUsage(),
      stub.loginStats(),
    ]);
    c.header("Cache-Control", "no-store");
    const all = [...families(stats), ...storageFamilies(usage), ...loginFamilies(logins)];
    return c.body(renderExposition(all), 200, { "Content-Type": CONTENT_TYPE });
  },
);
