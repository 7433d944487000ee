import {
  AwsService,
  ok,
  type AwsIntegration,
  type AwsIntegrationInput,
  type Outcome,
  type Principal,
} from "../../schema";
import { awsJob } from "../collection/aws-job";
import { loadIntervals } from "../collection/intervals";
import type { CollectionJob } from "../collection/runner";
import { mergeAwsConfig, viewAws } from "../domain/aws-config";
import { loadSettings, saveSettings } from "../domain/settings";
import { RecordStore } from "../store/records";
import type { Alerts } from "./alerts";
import type { Host } from "./host";
import type { MetricSeries } from "./metrics";
import type { SourceStates } from "./sources";
import { SECRETS_KEY_MISSING } from "./webhooks";

/** AWS: the integration (keys sealed, write-only), its service cards and its collector job. */
export class Aws {
  readonly services: RecordStore<typeof AwsService>;

  constructor(
    private readonly host: Host,
    private readonly deps: {
      sources: SourceStates;
      metrics: MetricSeries;
      alerts: Alerts;
      /** The integration changed: collect now, or stop collecting. */
      reschedule: (now: Date) => Promise<void>;
    },
  ) {
    this.services = new RecordStore(host.sql, "aws-service", AwsService, (s) => s.id);
  }

  list(): AwsService[] {
    return this.services.list();
  }

  /** The integration as `GET api/integrations/aws` shows it: keys only as "set". */
  view(): AwsIntegration {
    const source = this.deps.sources.list().find((s) => s.id === "aws") ?? {
      id: "aws",
      status: "not_configured",
    };
    return viewAws(loadSettings(this.host.sql), source);
  }

  /**
   * Saves the integration and collects at once when it is complete, so a wrong key shows as
   * "credentials invalid" within seconds.
   */
  async configure(actor: Principal, input: AwsIntegrationInput): Promise<Outcome<AwsIntegration>> {
    const box = await this.host.box();
    if (!box) return SECRETS_KEY_MISSING();
    const before = loadSettings(this.host.sql);
    const after = await mergeAwsConfig(box, before, input);
    const now = new Date();
    saveSettings(this.host.sql, after);
    const { source: _b, ...auditBefore } = viewAws(before, { id: "aws", status: "pending" });
    const { source: _a, ...auditAfter } = viewAws(after, { id: "aws", status: "pending" });
    const change = { before: auditBefore, after: auditAfter };
    this.host.audit.record(actor, "aws.configure", "aws", change, now);
    await this.deps.reschedule(now);
    this.deps.sources.publish(now);
    return ok(this.view());
  }

  /** EC2, RDS, CloudWatch, S3 and Lambda; the rules are in collection/aws-job.ts. */
  job(): CollectionJob {
    const { metrics, alerts } = this.deps;
    return awsJob({
      settings: () => loadSettings(this.host.sql),
      box: () => this.host.box(),
      allowEndpointOverride: this.host.allowLoopback,
      intervalMs: loadIntervals(this.host.sql).metrics * 1000,
      lastSuccessAt: () => this.deps.sources.reports.get("aws")?.lastSuccessAt,
      services: this.services,
      ...metrics.judge(),
      transaction: (fn) => this.host.transaction(fn),
      publish: (event, now) => this.host.publish(event, now),
      publishMetrics: (now) => metrics.publish(now),
      breached: (changes, now) => alerts.breached(changes, now),
    });
  }
}
