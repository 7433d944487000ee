import type { Principal } from "../../schema";
import type { Activity } from "../capabilities/activity";
import type { Alerts } from "../capabilities/alerts";
import type { Anomalies } from "../capabilities/anomalies";
import type { Incidents } from "../capabilities/incidents";
import type { MetricSeries } from "../capabilities/metrics";
import type { AlertSenders } from "../capabilities/senders";
import type { WorkspaceSettings } from "../capabilities/settings";
import type { SilenceWindows } from "../capabilities/silences";
import type { SocketGuard } from "../capabilities/socket-guard";
import type { Webhooks } from "../capabilities/webhooks";
import { PeopleFacade } from "./people";

/**
 * What is happening: whole-workspace reads, settings, metrics, anomalies, alerts, silences,
 * incidents and the senders that report them.
 */
export class OperationsFacade extends PeopleFacade {
  // ── Whole-workspace reads (capabilities/read-model.ts, sources.ts) ─────────────────
  snapshot() {
    return this.c.read.snapshot();
  }
  stats() {
    return { ...this.c.read.stats(), socketLimits: this.c.socketGuard.stats() };
  }
  /** Upgrades the Worker's per-isolate bucket refused, batched (worker/lib/upgrade-limit.ts). */
  countRefusedUpgrades(...a: Parameters<SocketGuard["countEdgeRefusals"]>) {
    this.c.socketGuard.countEdgeRefusals(...a);
  }
  /** Rows and bytes per table for `/metrics` (capabilities/retention.ts; cached a minute). */
  storageUsage() {
    return this.c.retention.usage();
  }
  listSources() {
    return this.c.sources.list();
  }
  listActivity(...a: Parameters<Activity["list"]>) {
    return this.c.activity.list(...a);
  }

  // ── Settings and sender integrations (capabilities/settings.ts, webhooks.ts) ───────
  getSettings() {
    return this.c.settings.view();
  }
  updateSettings(...a: Parameters<WorkspaceSettings["update"]>) {
    return this.c.settings.update(...a);
  }
  listWebhookIntegrations() {
    return this.c.webhooks.list();
  }
  createWebhookIntegration(...a: Parameters<Webhooks["create"]>) {
    return this.c.webhooks.create(...a);
  }
  rotateWebhookIntegration(...a: Parameters<Webhooks["rotate"]>) {
    return this.c.webhooks.rotate(...a);
  }
  deleteWebhookIntegration(...a: Parameters<Webhooks["delete"]>) {
    return this.c.webhooks.delete(...a);
  }

  // ── Metrics and alert rules (capabilities/metrics.ts) ──────────────────────────────
  listMetrics(...a: Parameters<MetricSeries["cards"]>) {
    return this.c.metrics.cards(...a);
  }
  chart(...a: Parameters<MetricSeries["chart"]>) {
    return this.c.metrics.chart(...a);
  }
  ingestMetricSamples(_actor: Principal, ...a: Parameters<MetricSeries["ingest"]>) {
    return this.c.metrics.ingest(...a);
  }
  listAlertRules(...a: Parameters<MetricSeries["listRules"]>) {
    return this.c.metrics.listRules(...a);
  }
  createAlertRule(...a: Parameters<MetricSeries["createRule"]>) {
    return this.c.metrics.createRule(...a);
  }
  updateAlertRule(...a: Parameters<MetricSeries["updateRule"]>) {
    return this.c.metrics.updateRule(...a);
  }
  deleteAlertRule(...a: Parameters<MetricSeries["deleteRule"]>) {
    return this.c.metrics.deleteRule(...a);
  }

  // ── Anomaly detection (capabilities/anomalies.ts) ────────────────────────────────────
  listAnomalies(...a: Parameters<Anomalies["list"]>) {
    return this.c.anomalies.list(...a);
  }
  getAnomaly(...a: Parameters<Anomalies["get"]>) {
    return this.c.anomalies.get(...a);
  }
  actOnAnomaly(...a: Parameters<Anomalies["act"]>) {
    return this.c.anomalies.act(...a);
  }
  anomalyFeedback(...a: Parameters<Anomalies["feedback"]>) {
    return this.c.anomalies.feedback(...a);
  }
  getDetection(...a: Parameters<Anomalies["detection"]>) {
    return this.c.anomalies.detection(...a);
  }
  configureDetection(...a: Parameters<Anomalies["configure"]>) {
    return this.c.anomalies.configure(...a);
  }

  // ── Alerts, silences, incidents (capabilities/alerts.ts, silences.ts, incidents.ts) ─
  listAlerts() {
    return this.c.alerts.list();
  }
  getAlert(...a: Parameters<Alerts["get"]>) {
    return this.c.alerts.get(...a);
  }
  acknowledgeAlert(...a: Parameters<Alerts["acknowledge"]>) {
    return this.c.alerts.acknowledge(...a);
  }
  resolveAlert(...a: Parameters<Alerts["resolve"]>) {
    return this.c.alerts.resolve(...a);
  }
  dismissAlert(...a: Parameters<Alerts["dismiss"]>) {
    return this.c.alerts.dismiss(...a);
  }
  listSilences(...a: Parameters<SilenceWindows["list"]>) {
    return this.c.silences.list(...a);
  }
  getSilence(...a: Parameters<SilenceWindows["get"]>) {
    return this.c.silences.get(...a);
  }
  createSilence(...a: Parameters<SilenceWindows["create"]>) {
    return this.c.silences.create(...a);
  }
  expireSilence(...a: Parameters<SilenceWindows["expire"]>) {
    return this.c.silences.expire(...a);
  }
  listIncidents(...a: Parameters<Incidents["list"]>) {
    return this.c.incidents.list(...a);
  }
  getIncident(...a: Parameters<Incidents["get"]>) {
    return this.c.incidents.get(...a);
  }
  createIncident(...a: Parameters<Incidents["create"]>) {
    return this.c.incidents.create(...a);
  }
  updateIncident(...a: Parameters<Incidents["update"]>) {
    return this.c.incidents.update(...a);
  }

  // ── Alerts in from senders (capabilities/senders.ts) ────────────────────────────────
  receiveAlertmanager(...a: Parameters<AlertSenders["alertmanager"]>) {
    return this.c.senders.alertmanager(...a);
  }
  checkAlertmanagerToken(...a: Parameters<AlertSenders["checkAlertmanagerToken"]>) {
    return this.c.senders.checkAlertmanagerToken(...a);
  }
  receiveGrafana(...a: Parameters<AlertSenders["grafana"]>) {
    return this.c.senders.grafana(...a);
  }
  receivePagerDuty(...a: Parameters<AlertSenders["pagerDutyEvent"]>) {
    return this.c.senders.pagerDutyEvent(...a);
  }
  receivePagerDutyChange(...a: Parameters<AlertSenders["pagerDutyChange"]>) {
    return this.c.senders.pagerDutyChange(...a);
  }
}
