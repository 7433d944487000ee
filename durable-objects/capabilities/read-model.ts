import type { ChangeEvent, Snapshot, WorkspaceStats } from "../../schema";
import { fitActivity, fitAlerts, fitIncidents, fitOther } from "../domain/frame-fit";
import type { Activity } from "./activity";
import type { Alerts } from "./alerts";
import type { Anomalies } from "./anomalies";
import type { Aws } from "./aws";
import type { Delivery } from "./delivery";
import type { Host } from "./host";
import type { Incidents } from "./incidents";
import type { Members } from "./members";
import type { MetricSeries } from "./metrics";
import type { OutletReaders } from "./outlet";
import type { SourceStates } from "./sources";
import type { Web3 } from "./web3";

export type ReadModelParts = {
  sources: SourceStates;
  metrics: MetricSeries;
  alerts: Alerts;
  incidents: Incidents;
  delivery: Delivery;
  aws: Aws;
  web3: Web3;
  activity: Activity;
  members: Members;
  anomalies: Anomalies;
};

/**
 * The one read model: every view of the workspace as a whole (the socket snapshot and first
 * paint, `/metrics` and `api/status` counts) is assembled here from each capability's own
 * query, so a fact shown in two places comes from one function.
 */
export class ReadModel {
  constructor(
    private readonly host: Host,
    private readonly parts: ReadModelParts,
  ) {}

  /**
   * Each list as its frames carry it: the snapshot and the outlet read these same functions.
   * Each fits its frame budget (domain/frame-fit.ts), so a stored event row and the snapshot
   * stay within the platform's limits however large the records grow.
   */
  readonly lists: OutletReaders["lists"] = {
    metrics: () => fitOther(this.parts.metrics.cards()),
    alerts: () => fitAlerts(this.parts.alerts.list()),
    incidents: () => fitIncidents(this.parts.incidents.recent()),
    deployments: () => fitOther(this.parts.delivery.listDeployments()),
    "aws-services": () => fitOther(this.parts.aws.list()),
    "web3-networks": () => fitOther(this.parts.web3.listCards()),
    security: () => fitOther(this.parts.delivery.listSecurity()),
    sources: () => fitOther(this.parts.sources.shown()),
    members: () => fitOther(this.parts.members.roster()),
    anomalies: () => fitOther(this.parts.anomalies.cards(this.parts.alerts.list(), new Date())),
  };

  /** What the outlet reads when it flushes. */
  readers(): OutletReaders {
    const { delivery, activity } = this.parts;
    return {
      lists: this.lists,
      pipeline: (id) => delivery.pipelines.get(id),
      activity: (ids) => fitActivity(activity.byIds(ids)),
      feed: () => fitActivity(activity.list()),
    };
  }

  /**
   * What a `contract` socket gets on connect (schema/frames.ts FrameMode): one frame per
   * contract type, read from the same functions as the snapshot; `pipeline` is the most
   * recent run, left out while there is none.
   */
  contractFrames(): ChangeEvent[] {
    const l = this.lists;
    const [latest] = this.parts.delivery.listPipelines(1);
    return [
      { type: "metrics", payload: l.metrics() },
      { type: "alerts", payload: l.alerts() },
      { type: "deployments", payload: l.deployments() },
      { type: "aws-services", payload: l["aws-services"]() },
      ...(latest ? [{ type: "pipeline" as const, payload: latest }] : []),
      { type: "web3-networks", payload: l["web3-networks"]() },
      { type: "activity", payload: fitActivity(this.parts.activity.list()) },
    ];
  }

  snapshot(): Snapshot {
    const l = this.lists;
    return {
      workspace: this.workspace(),
      seq: this.host.log.lastSeq,
      metrics: l.metrics(),
      alerts: l.alerts(),
      incidents: l.incidents(),
      deployments: l.deployments(),
      pipelines: fitOther(this.parts.delivery.listPipelines()),
      awsServices: l["aws-services"](),
      web3Networks: l["web3-networks"](),
      activity: fitActivity(this.parts.activity.list()),
      security: l.security(),
      sources: l.sources(),
      members: l.members(),
      anomalies: l.anomalies(),
    };
  }

  /** Counts for the Prometheus endpoint and `api/status`. */
  stats(): WorkspaceStats {
    const p = this.parts;
    const alerts = p.alerts.tally();
    return {
      workspace: this.workspace(),
      sockets: this.host.sockets().length,
      seq: this.host.log.lastSeq,
      storageBytes: this.host.sql.databaseSize,
      // Counted whole: frame budgets shape what a socket carries, never what is counted.
      sources: p.sources.shown(),
      metrics: p.metrics.cards(),
      alertsFiring: alerts.firing,
      incidentsOpen: p.incidents.openCount(),
      alertLimits: p.alerts.cap.stats(alerts.open),
    };
  }

  private workspace(): { id: string; name: string } {
    const info = this.host.info();
    return { id: info?.id ?? "", name: info?.name ?? "" };
  }
}
