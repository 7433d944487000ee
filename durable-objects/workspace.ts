import { DurableObject } from "cloudflare:workers";
import { PING_FRAME, PONG_FRAME, type NetworkView, type Principal } from "../schema";
import type { Access } from "./capabilities/access";
import type { Activity } from "./capabilities/activity";
import type { Alerts } from "./capabilities/alerts";
import type { Anomalies } from "./capabilities/anomalies";
import type { Aws } from "./capabilities/aws";
import type { Prometheus } from "./capabilities/prometheus";
import type { Collection } from "./capabilities/collection";
import { Capabilities } from "./capabilities/compose";
import type { Delivery } from "./capabilities/delivery";
import type { Github } from "./capabilities/github";
import { Host } from "./capabilities/host";
import type { Idempotency } from "./capabilities/idempotency";
import type { Incidents } from "./capabilities/incidents";
import type { Members } from "./capabilities/members";
import type { MetricSeries } from "./capabilities/metrics";
import type { Notifications } from "./capabilities/notifications";
import type { Origins } from "./capabilities/origins";
import type { AlertSenders } from "./capabilities/senders";
import type { WorkspaceSettings } from "./capabilities/settings";
import type { SingleSignOn } from "./capabilities/sso";
import type { SilenceWindows } from "./capabilities/silences";
import type { StatusPage } from "./capabilities/status-page";
import type { NewNetwork, Web3 } from "./capabilities/web3";
import type { Webhooks } from "./capabilities/webhooks";
import { migrate } from "./store/migrations";

/** When an alarm task throws, it alone runs again this much later. */
const TASK_RETRY_MS = 60_000;

/**
 * One workspace: its state in SQLite, its live sockets, its event log. A thin typed-RPC facade:
 * each method hands its call to the capability module that owns it (capabilities/*.ts), and
 * the read model (capabilities/read-model.ts) answers every whole-workspace view.
 */
export class Workspace extends DurableObject<Env> {
  private readonly host: Host;
  private readonly c: Capabilities;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql));
    this.host = new Host(ctx, env);
    this.c = new Capabilities(this.host);
    // Existing clients send this exact text every 30 s; answer it without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  // ── Workspace, access, audit, idempotency (capabilities/access.ts, idempotency.ts) ──
  create(...a: Parameters<Access["create"]>) {
    return this.c.access.create(...a);
  }
  info() {
    return this.host.info();
  }
  authenticate(...a: Parameters<Access["authenticate"]>) {
    return this.c.access.authenticate(...a);
  }
  admit(...a: Parameters<Access["admit"]>) {
    return this.c.access.admit(...a);
  }
  openSession(...a: Parameters<Access["openSession"]>) {
    return this.c.access.openSession(...a);
  }
  /** Sign-in failures and refusals for `/metrics` (capabilities/login-guard.ts). */
  loginStats() {
    return this.c.access.logins.stats(Date.now());
  }
  closeSession(...a: Parameters<Access["closeSession"]>) {
    return this.c.access.closeSession(...a);
  }
  issueSocketTicket(...a: Parameters<Access["issueSocketTicket"]>) {
    return this.c.access.issueSocketTicket(...a);
  }
  listTokens() {
    return this.c.access.listTokens();
  }
  createToken(...a: Parameters<Access["createToken"]>) {
    return this.c.access.createToken(...a);
  }
  revokeToken(...a: Parameters<Access["revokeToken"]>) {
    return this.c.access.revokeToken(...a);
  }
  auditPage(...a: Parameters<Access["auditPage"]>) {
    return this.c.access.auditPage(...a);
  }

  // ── Members, invitations, member sessions (capabilities/members.ts) ────────────────
  listMembers() {
    return this.c.members.list();
  }
  updateMember(...a: Parameters<Members["update"]>) {
    return this.c.members.update(...a);
  }
  createInvitation(...a: Parameters<Members["invite"]>) {
    return this.c.members.invite(...a);
  }
  listInvitations() {
    return this.c.members.invitations();
  }
  revokeInvitation(...a: Parameters<Members["revokeInvitation"]>) {
    return this.c.members.revokeInvitation(...a);
  }
  acceptInvitation(...a: Parameters<Members["accept"]>) {
    return this.c.members.accept(...a);
  }
  renewMemberSession(...a: Parameters<Members["renewSession"]>) {
    return this.c.members.renewSession(...a);
  }
  me(...a: Parameters<Members["me"]>) {
    return this.c.members.me(...a);
  }
  mySessions(...a: Parameters<Members["mySessions"]>) {
    return this.c.members.mySessions(...a);
  }
  signOutEverywhere(...a: Parameters<Members["signOutEverywhere"]>) {
    return this.c.members.signOutEverywhere(...a);
  }
  // ── Single sign-on and Cloudflare Access (capabilities/sso.ts) ──
  ssoConfig() {
    return this.c.sso.view();
  }
  ssoEnabled() {
    return this.c.sso.enabled();
  }
  configureSso(...a: Parameters<SingleSignOn["configure"]>) {
    return this.c.sso.configure(...a);
  }
  accessConfig() {
    return this.c.sso.accessSettings();
  }
  configureAccess(...a: Parameters<SingleSignOn["configureAccess"]>) {
    return this.c.sso.configureAccess(...a);
  }
  ssoStart(...a: Parameters<SingleSignOn["start"]>) {
    return this.c.sso.start(...a);
  }
  ssoComplete(...a: Parameters<SingleSignOn["complete"]>) {
    return this.c.sso.complete(...a);
  }
  accessSignIn(...a: Parameters<SingleSignOn["accessSignIn"]>) {
    return this.c.sso.accessSignIn(...a);
  }

  claimIdempotency(...a: Parameters<Idempotency["claim"]>) {
    return this.c.idempotency.claim(...a);
  }
  completeIdempotency(...a: Parameters<Idempotency["complete"]>) {
    return this.c.idempotency.complete(...a);
  }
  releaseIdempotency(...a: Parameters<Idempotency["release"]>) {
    return this.c.idempotency.release(...a);
  }

  // ── Whole-workspace reads (capabilities/read-model.ts, sources.ts) ─────────────────
  snapshot() {
    return this.c.read.snapshot();
  }
  stats() {
    return { ...this.c.read.stats(), socketLimits: this.c.socketGuard.stats() };
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

  // ── Deployments, pipelines, security, GitHub (capabilities/delivery.ts, github.ts) ──
  listDeployments(...a: Parameters<Delivery["listDeployments"]>) {
    return this.c.delivery.listDeployments(...a);
  }
  listPipelines(...a: Parameters<Delivery["listPipelines"]>) {
    return this.c.delivery.listPipelines(...a);
  }
  getPipeline(...a: Parameters<Delivery["getPipeline"]>) {
    return this.c.delivery.getPipeline(...a);
  }
  listSecurity(...a: Parameters<Delivery["listSecurity"]>) {
    return this.c.delivery.listSecurity(...a);
  }
  getGithubIntegration() {
    return this.c.github.view();
  }
  configureGithub(...a: Parameters<Github["configure"]>) {
    return this.c.github.configure(...a);
  }
  ingestGithub(...a: Parameters<Github["ingest"]>) {
    return this.c.github.ingest(...a);
  }
  retryDeployment(...a: Parameters<Github["retry"]>) {
    return this.c.github.retry(...a);
  }
  rollbackDeployment(...a: Parameters<Github["rollback"]>) {
    return this.c.github.rollback(...a);
  }
  deploymentLogs(...a: Parameters<Github["deploymentLogs"]>) {
    return this.c.github.deploymentLogs(...a);
  }
  rerunPipeline(...a: Parameters<Github["rerun"]>) {
    return this.c.github.rerun(...a);
  }
  cancelPipeline(...a: Parameters<Github["cancel"]>) {
    return this.c.github.cancel(...a);
  }
  stageLogs(...a: Parameters<Github["stageLogs"]>) {
    return this.c.github.stageLogs(...a);
  }
  listProviderActions(...a: Parameters<Github["listActions"]>) {
    return this.c.github.listActions(...a);
  }

  // ── Cloud and chains, collection (capabilities/aws.ts, web3.ts, collection.ts) ──────
  listAwsServices() {
    return this.c.aws.list();
  }
  getAwsIntegration() {
    return this.c.aws.view();
  }
  configureAws(...a: Parameters<Aws["configure"]>) {
    return this.c.aws.configure(...a);
  }
  getPrometheusIntegration() {
    return this.c.prometheus.view();
  }
  configurePrometheus(...a: Parameters<Prometheus["configure"]>) {
    return this.c.prometheus.configure(...a);
  }
  listWeb3() {
    return this.c.web3.listCards();
  }
  listNetworks(): NetworkView[] {
    return this.c.web3.listNetworks();
  }
  addNetwork(actor: Parameters<Web3["add"]>[0], network: NewNetwork) {
    return this.c.web3.add(actor, network);
  }
  updateNetwork(...a: Parameters<Web3["update"]>) {
    return this.c.web3.update(...a);
  }
  removeNetwork(...a: Parameters<Web3["remove"]>) {
    return this.c.web3.remove(...a);
  }
  listContracts(...a: Parameters<Web3["contracts"]>) {
    return this.c.web3.contracts(...a);
  }
  addContract(...a: Parameters<Web3["addContract"]>) {
    return this.c.web3.addContract(...a);
  }
  removeContract(...a: Parameters<Web3["removeContract"]>) {
    return this.c.web3.removeContract(...a);
  }
  getIntervals() {
    return this.c.collection.intervals();
  }
  setIntervals(...a: Parameters<Collection["setIntervals"]>) {
    return this.c.collection.setIntervals(...a);
  }
  refresh(...a: Parameters<Collection["refresh"]>) {
    return this.c.collection.refresh(...a);
  }
  /** Called by the cron: makes sure every configured collector, and retention, has its alarm task. */
  wake() {
    this.c.retention.ensure(Date.now());
    return this.c.collection.wake();
  }

  // ── Notifications out, status page (capabilities/notifications.ts, status-page.ts) ──
  getNotifications() {
    return this.c.notifications.view();
  }
  listNotificationDeliveries(...a: Parameters<Notifications["deliveries"]>) {
    return this.c.notifications.deliveries(...a);
  }
  testNotification(...a: Parameters<Notifications["test"]>) {
    return this.c.notifications.test(...a);
  }
  getStatusPage() {
    return this.c.statusPage.config();
  }
  setStatusPage(...a: Parameters<StatusPage["set"]>) {
    return this.c.statusPage.set(...a);
  }
  /** @example const view = await env.WORKSPACE.getByName("demo").publicStatus() */
  publicStatus() {
    return this.c.statusPage.publicView();
  }

  // ── Cross-origin clients (capabilities/origins.ts) ──────────────────────────────────
  /** Also the Worker's CORS read: `[]` for an unknown workspace, like an unlisted origin. */
  getAllowedOrigins() {
    return this.c.origins.list();
  }
  setAllowedOrigins(...a: Parameters<Origins["set"]>) {
    return this.c.origins.set(...a);
  }

  // ── Live sockets (capabilities/sockets.ts) and the alarm ────────────────────────────
  override fetch(request: Request): Promise<Response> {
    return this.c.sockets.upgrade(request);
  }
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.c.sockets.message(ws, message);
  }
  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.c.sockets.close(ws, code, reason);
  }
  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.c.sockets.error(ws, error);
  }

  /**
   * Runs every task whose stored due time has come (each capability contributes its own
   * tasks), then re-points the single alarm at the earliest remaining one. Safe to run twice:
   * a task that ran has moved its due time on. A task that throws is retried on its own a
   * minute later; letting it fail the whole alarm would, after the runtime's six retries, drop
   * the alarm and stall every other task.
   */
  override async alarm(): Promise<void> {
    await this.host.schedule.runDue(this.c.alarmTasks, Date.now(), TASK_RETRY_MS);
  }
}
