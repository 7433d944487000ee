import {
  Deployment,
  LIST_CAPS,
  Pipeline,
  SecurityScan,
  fail,
  ok,
  type DeploymentQuery,
  type Outcome,
  type SecurityQuery,
} from "../../schema";
import type { GithubStores } from "../domain/github-apply";
import { RecordStore } from "../store/records";
import type { Activity } from "./activity";
import type { Host } from "./host";

/**
 * Delivery records: deployments, CI pipeline runs and security scans, as GitHub's collector,
 * webhooks and actions write them. Reads only; the writers are in `github.ts`.
 */
export class Delivery {
  readonly deployments: RecordStore<typeof Deployment>;
  readonly pipelines: RecordStore<typeof Pipeline>;
  readonly security: RecordStore<typeof SecurityScan>;

  constructor(
    host: Host,
    private readonly activity: Activity,
  ) {
    this.deployments = new RecordStore(host.sql, "deployment", Deployment, (d) => d.timestamp);
    this.pipelines = new RecordStore(
      host.sql,
      "pipeline",
      Pipeline,
      (p) => p.startedAt ?? p.updatedAt ?? "",
    );
    this.security = new RecordStore(host.sql, "security-scan", SecurityScan, (s) => s.timestamp);
  }

  /** The stores GitHub's writers share (collector, webhook receiver, actions). */
  stores(): GithubStores {
    const { deployments, pipelines, security } = this;
    return { deployments, pipelines, security, activity: this.activity.store };
  }

  listDeployments(query: DeploymentQuery = { limit: LIST_CAPS.deployments }): Deployment[] {
    return this.deployments.list(query.limit, { environment: query.environment });
  }

  listPipelines(limit: number = LIST_CAPS.pipelines): Pipeline[] {
    return this.pipelines.list(limit);
  }

  getPipeline(id: string): Outcome<Pipeline> {
    const pipeline = this.pipelines.get(id);
    return pipeline
      ? ok(pipeline)
      : fail(404, "not_found", `No pipeline '${id}'.`, { field: "id" });
  }

  listSecurity(query: SecurityQuery = { limit: LIST_CAPS.security }): SecurityScan[] {
    return this.security.list(query.limit, { status: query.status });
  }

  /** Recent changes an alert may be correlated with. */
  recentChanges(): { deployments: Deployment[]; pipelines: Pipeline[] } {
    return { deployments: this.deployments.list(1000), pipelines: this.pipelines.list(1000) };
  }
}
