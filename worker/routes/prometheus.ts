import { Hono } from "hono";
import { Severity, type Snapshot } from "../../schema";
import type { AppEnv } from "../env";
import { authorize } from "../middleware/auth";
import { renderExposition, type Family } from "../lib/prometheus";

function families(snapshot: Snapshot, sockets: number): Family[] {
  const numeric = snapshot.metrics.filter((m) => typeof m.value === "number");
  const firing = (severity: string) =>
    snapshot.alerts.filter((a) => a.severity === severity && a.status === "firing").length;
  return [
    {
      name: "opsdeck_metric_value",
      help: "Latest value of each workspace metric.",
      type: "gauge",
      samples: numeric.map((m) => ({
        labels: { metric: m.id, label: m.label },
        value: Number(m.value),
      })),
    },
    {
      name: "opsdeck_alerts_firing",
      help: "Firing alerts by severity.",
      type: "gauge",
      samples: Severity.options.map((severity) => ({
        labels: { severity },
        value: firing(severity),
      })),
    },
    {
      name: "opsdeck_incidents_open",
      help: "Incidents not yet resolved.",
      type: "gauge",
      samples: [{ value: snapshot.incidents.filter((i) => i.status !== "resolved").length }],
    },
    {
      name: "opsdeck_source_up",
      help: "1 when a source is live, 0 otherwise (stale, error, pending, not configured).",
      type: "gauge",
      samples: snapshot.sources.map((s) => ({
        labels: { source: s.id, state: s.status },
        value: s.status === "live" ? 1 : 0,
      })),
    },
    {
      name: "opsdeck_websocket_clients",
      help: "Connected live sockets.",
      type: "gauge",
      samples: [{ value: sockets }],
    },
    {
      name: "opsdeck_events_total",
      help: "Change events published (the event log's sequence number).",
      type: "counter",
      samples: [{ value: snapshot.seq }],
    },
  ];
}

/** `GET /w/:workspace/metrics`: the workspace's state for a Prometheus scrape (token required). */
export const prometheusRoutes = new Hono<AppEnv>().get(
  "/metrics",
  authorize("viewer"),
  async (c) => {
    const stub = c.var.workspace.stub;
    const [snapshot, stats] = await Promise.all([stub.snapshot(), stub.stats()]);
    return c.body(renderExposition(families(snapshot, stats.sockets)), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    });
  },
);
