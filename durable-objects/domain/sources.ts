import { SourceId, SourceStatus, type StoredSettings, type WebhookKind } from "../../schema";
import { RecordStore } from "../store/records";

/**
 * Source freshness. A source's stored report (from a webhook or a collector run) wins;
 * without one, a configured source is `pending` and an unconfigured one `not_configured`.
 */
export class Sources {
  private readonly reports: RecordStore<typeof SourceStatus>;

  constructor(sql: SqlStorage) {
    this.reports = new RecordStore(sql, "source", SourceStatus, (s) => s.id);
  }

  report(status: SourceStatus): void {
    this.reports.put(status);
  }

  list(settings: StoredSettings, webhookKinds: ReadonlySet<WebhookKind>): SourceStatus[] {
    return SourceId.options.map((id) => {
      const configured = isConfigured(id, settings) || webhookKinds.has(id as WebhookKind);
      const stored = this.reports.get(id);
      if (!configured) return { id, status: "not_configured" };
      return stored ?? { id, status: "pending" };
    });
  }
}

function isConfigured(id: SourceId, settings: StoredSettings): boolean {
  const { github, aws, slack } = settings.integrations;
  switch (id) {
    case "github":
      return github.enabled && github.token !== undefined;
    case "aws":
      return aws.enabled && aws.accessKey !== undefined && aws.secretKey !== undefined;
    case "slack":
      return slack.enabled && slack.webhookUrl !== undefined;
    default:
      // Webhook and chain sources become configurable with their integrations.
      return false;
  }
}
