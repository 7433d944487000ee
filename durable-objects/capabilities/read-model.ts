import type { Snapshot, WorkspaceStats } from "../../schema";
import type { Activity } from "./activity";
import type { Alerts } from "./alerts";
import type { Aws } from "./aws";
import type { Delivery } from "./delivery";
import type { Host } from "./host";
import type { Incidents } from "./incidents";
import type { MetricSeries } from "./metrics";
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

  snapshot(): Snapshot {
    const p = this.parts;
    return {
      workspace: this.workspace(),
      seq: this.host.log.lastSeq,
      metrics: p.metrics.cards(),
      alerts: p.alerts.list(),
      incidents: p.incidents.recent(),
      deployments: p.delivery.listDeployments(),
      pipelines: p.delivery.listPipelines(),
      awsServices: p.aws.list(),
      web3Networks: p.web3.listCards(),
      activity: p.activity.list(),
      security: p.delivery.listSecurity(),
      sources: p.sources.list(),
    };
  }

  /** Counts for the Prometheus endpoint and `api/status`. */
  stats(): WorkspaceStats {
    const p = this.parts;
    return {
      workspace: this.workspace(),
      sockets: this.host.sockets().length,
      seq: this.host.log.lastSeq,
      storageBytes: this.host.sql.databaseSize,
      sources: p.sources.list(),
      metrics: p.metrics.cards(),
      alertsFiring: p.alerts.counts(["firing"]),
      incidentsOpen: p.incidents.openCount(),
    };
  }

  private workspace(): { id: string; name: string } {
    const info = this.host.info();
    return { id: info?.id ?? "", name: info?.name ?? "" };
  }
}
