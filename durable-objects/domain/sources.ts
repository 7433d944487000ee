import { SourceId, SourceStatus, type StoredSettings } from "../../schema";
import { RecordStore } from "../store/records";
import { configuredBySettings, githubActionsReady } from "./configured";

/**
 * Source freshness. A source's stored report (from a webhook or a collector run) wins;
 * without one, a configured source is `pending` and an unconfigured one `not_configured`.
 * A collected source whose last success is older than its `staleAfterMs` reads as `stale`,
 * so a stopped collector can never leave a number looking fresh.
 */
export class Sources {
  private readonly reports: RecordStore<typeof SourceStatus>;

  constructor(sql: SqlStorage) {
    this.reports = new RecordStore(sql, "source", SourceStatus, (s) => s.id);
  }

  report(status: SourceStatus): void {
    this.reports.put(status);
  }

  get(id: SourceId): SourceStatus | undefined {
    return this.reports.get(id);
  }

  list(
    settings: StoredSettings,
    alsoConfigured: ReadonlySet<string>,
    staleAfterMs: Partial<Record<SourceId, number>> = {},
    now = Date.now(),
  ): SourceStatus[] {
    return SourceId.options.map((id): SourceStatus => {
      const status = this.status(id, settings, alsoConfigured, staleAfterMs, now);
      return id === "github"
        ? { ...status, tokenSet: githubActionsReady(settings.integrations.github) }
        : status;
    });
  }

  private status(
    id: SourceId,
    settings: StoredSettings,
    alsoConfigured: ReadonlySet<string>,
    staleAfterMs: Partial<Record<SourceId, number>>,
    now: number,
  ): SourceStatus {
    const configured = configuredBySettings(id, settings) || alsoConfigured.has(id);
    const stored = this.reports.get(id);
    if (!configured) return { id, status: "not_configured" };
    if (!stored) return { id, status: "pending" };
    const limit = staleAfterMs[id];
    const age = stored.lastSuccessAt ? now - Date.parse(stored.lastSuccessAt) : Infinity;
    return stored.status === "live" && limit !== undefined && age > limit
      ? { ...stored, status: "stale" }
      : stored;
  }
}
