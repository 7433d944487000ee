import {
  ok,
  type Metric,
  type Outcome,
  type Principal,
  type PublicStatus,
  type Severity,
  type SourceStatus,
  type StatusPageConfig,
} from "../../schema";
import { loadStatusPage, publicView, saveStatusPage } from "../domain/status-page";
import type { Host } from "./host";

/** The public status page: its configuration, and the anonymous view built from the read model. */
export class StatusPage {
  constructor(
    private readonly host: Host,
    private readonly feeds: {
      sources: () => SourceStatus[];
      metrics: () => Metric[];
      openAlerts: () => Partial<Record<Severity, number>>;
    },
  ) {}

  config(): StatusPageConfig {
    return loadStatusPage(this.host.sql);
  }

  /** Replaces the configuration (admin); takes effect as the public cache expires. */
  set(actor: Principal, config: StatusPageConfig): Outcome<StatusPageConfig> {
    const before = loadStatusPage(this.host.sql);
    const now = new Date();
    this.host.transaction(() => {
      saveStatusPage(this.host.sql, config);
      const change = { before, after: config };
      this.host.audit.record(actor, "status-page.update", "status-page", change, now);
    });
    return ok(config);
  }

  /**
   * The anonymous view (names and states only), or undefined when the workspace does not exist
   * or has not opted in. The Worker caches it per location (worker/lib/public-status-cache.ts),
   * so this runs about twice a minute per location, not once per viewer.
   */
  publicView(): PublicStatus | undefined {
    if (!this.host.info()) return undefined;
    const config = loadStatusPage(this.host.sql);
    return config.enabled ? publicView(config, this.feeds, new Date()) : undefined;
  }
}
