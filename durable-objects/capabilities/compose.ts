import { awsConfigured, githubCollectable } from "../domain/configured";
import { loadPrometheus, prometheusConfigured } from "../domain/prometheus-config";
import { loadSettings } from "../domain/settings";
import { Access } from "./access";
import { Activity } from "./activity";
import { Alerts } from "./alerts";
import { Anomalies } from "./anomalies";
import { Aws } from "./aws";
import { Collection } from "./collection";
import { Delivery } from "./delivery";
import { Github } from "./github";
import type { AlarmTasks, Host } from "./host";
import { Idempotency } from "./idempotency";
import { Incidents } from "./incidents";
import { JwtKeys } from "./jwt-keys";
import { Members } from "./members";
import { SeedAuth } from "./seed-auth";
import { Passkeys } from "./passkeys";
import { MetricSeries } from "./metrics";
import { Notifications } from "./notifications";
import { Origins } from "./origins";
import { Prometheus } from "./prometheus";
import { ReadModel } from "./read-model";
import { Retention } from "./retention";
import { AlertSenders } from "./senders";
import { WorkspaceSettings } from "./settings";
import { SilenceWindows } from "./silences";
import { SocketGuard } from "./socket-guard";
import { SingleSignOn } from "./sso";
import { Sockets } from "./sockets";
import { SourceStates } from "./sources";
import { StatusPage } from "./status-page";
import { Web3 } from "./web3";
import { Webhooks } from "./webhooks";

/**
 * The workspace's capability modules, wired once per object instance. Modules are built
 * bottom-up; the few upward calls (a change that must re-publish the source strip or start a
 * collection) are closures, so construction order stays simple and no module imports another
 * module's host.
 */
export class Capabilities {
  readonly access: Access;
  readonly members: Members;
  readonly jwtKeys: JwtKeys;
  readonly seedAuth: SeedAuth;
  readonly passkeys: Passkeys;
  readonly sso: SingleSignOn;
  readonly idempotency: Idempotency;
  readonly activity: Activity;
  readonly notifications: Notifications;
  readonly alerts: Alerts;
  readonly silences: SilenceWindows;
  readonly webhooks: Webhooks;
  readonly sources: SourceStates;
  readonly senders: AlertSenders;
  readonly metrics: MetricSeries;
  readonly anomalies: Anomalies;
  readonly incidents: Incidents;
  readonly delivery: Delivery;
  readonly web3: Web3;
  readonly aws: Aws;
  readonly prometheus: Prometheus;
  readonly github: Github;
  readonly collection: Collection;
  readonly settings: WorkspaceSettings;
  readonly statusPage: StatusPage;
  readonly origins: Origins;
  readonly read: ReadModel;
  readonly sockets: Sockets;
  readonly retention: Retention;
  readonly socketGuard: SocketGuard;
  readonly alarmTasks: AlarmTasks;

  constructor(host: Host) {
    this.members = new Members(host, () => this.access.logins);
    this.jwtKeys = new JwtKeys(host);
    this.seedAuth = new SeedAuth(host, () => this.access, this.members, this.jwtKeys);
    this.access = new Access(host, this.members, (jwt) => this.seedAuth.principal(jwt));
    this.passkeys = new Passkeys(host, this.members, () => this.access.logins);
    this.sso = new SingleSignOn(host, this.members, () => this.access.logins);
    this.idempotency = new Idempotency(host);
    this.activity = new Activity(host);
    this.notifications = new Notifications(host, () => this.sources);
    this.delivery = new Delivery(host, this.activity);
    this.alerts = new Alerts(host, {
      activity: this.activity,
      notifier: this.notifications.notifier,
      changes: () => this.delivery.recentChanges(),
    });
    this.silences = new SilenceWindows(host, this.alerts);
    this.webhooks = new Webhooks(host, (now) => this.sources.publish(now));
    const collectNow = (source: "web3" | "github" | "aws" | "prometheus") => (now: Date) =>
      this.collection.reschedule(source, now);
    this.web3 = new Web3(host, {
      alerts: this.alerts,
      sourcesChanged: (now) => this.sources.publish(now),
      collectNow: collectNow("web3"),
      observe: (points, source, now) => this.anomalies.observe(points, source, now),
    });
    this.sources = new SourceStates(host, () => [
      ...this.webhooks.store.kinds(),
      ...(this.web3.configured() ? (["web3"] as const) : []),
      ...(prometheusConfigured(loadPrometheus(host.sql)) ? (["prometheus"] as const) : []),
    ]);
    this.senders = new AlertSenders(host, {
      alerts: this.alerts,
      activity: this.activity,
      webhooks: this.webhooks,
      sources: this.sources,
    });
    this.metrics = new MetricSeries(host, this.alerts);
    this.anomalies = new Anomalies(host, { alerts: this.alerts, metrics: this.metrics.store });
    this.metrics.store.observe(this.anomalies.observe);
    this.incidents = new Incidents(host, this.alerts, this.activity, this.notifications.notifier);
    this.aws = new Aws(host, {
      sources: this.sources,
      metrics: this.metrics,
      alerts: this.alerts,
      reschedule: collectNow("aws"),
    });
    this.prometheus = new Prometheus(host, {
      sources: this.sources,
      metrics: this.metrics,
      alerts: this.alerts,
      reschedule: collectNow("prometheus"),
    });
    this.settings = new WorkspaceSettings(host, {
      metrics: this.metrics,
      alerts: this.alerts,
      sources: this.sources,
      rememberOrigin: (origin) => this.notifications.notifier.rememberOrigin(origin),
      githubChanged: collectNow("github"),
    });
    this.github = new Github(host, {
      delivery: this.delivery,
      activity: this.activity,
      sources: this.sources,
      webhooks: this.webhooks,
      updateSettings: (actor, input) => this.settings.update(actor, input),
    });
    const settings = () => loadSettings(host.sql);
    this.collection = new Collection(host, this.sources, () => ({
      web3: { configured: () => this.web3.configured(), job: () => this.web3.job() },
      github: {
        configured: () => githubCollectable(settings().integrations.github),
        job: () => this.github.job(),
      },
      aws: { configured: () => awsConfigured(settings()), job: () => this.aws.job() },
      prometheus: {
        configured: () => prometheusConfigured(loadPrometheus(host.sql)),
        job: () => this.prometheus.job(),
      },
    }));
    this.statusPage = new StatusPage(host, {
      sources: () => this.sources.list(),
      metrics: () => this.metrics.cards(),
      openAlerts: () => this.alerts.counts(["firing", "acknowledged"]),
    });
    this.origins = new Origins(host);
    this.read = new ReadModel(host, {
      sources: this.sources,
      metrics: this.metrics,
      alerts: this.alerts,
      incidents: this.incidents,
      delivery: this.delivery,
      aws: this.aws,
      web3: this.web3,
      activity: this.activity,
      members: this.members,
      anomalies: this.anomalies,
    });
    this.retention = new Retention(host, this.alerts);
    this.socketGuard = new SocketGuard(host, this.access.store);
    this.sockets = new Sockets(host, this.access, this.read, this.socketGuard);
    host.outlet.connect(this.read.readers());
    this.alarmTasks = {
      ...host.outlet.tasks,
      ...this.sources.tasks,
      ...this.silences.tasks,
      ...this.collection.tasks,
      ...this.notifications.tasks,
      ...this.retention.tasks,
      ...this.socketGuard.tasks,
      ...this.github.tasks,
      ...this.jwtKeys.tasks,
    };
  }
}
