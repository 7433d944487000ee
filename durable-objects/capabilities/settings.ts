import { ok, type Outcome, type Principal, type Settings, type SettingsInput } from "../../schema";
import { loadSettings, mergeSettings, saveSettings, viewSettings } from "../domain/settings";
import type { Alerts } from "./alerts";
import type { Host } from "./host";
import type { MetricSeries } from "./metrics";
import type { SourceStates } from "./sources";
import { SECRETS_KEY_MISSING } from "./webhooks";

/**
 * Workspace settings: notifications, thresholds and the settings-held integrations (secrets
 * sealed and write-only). A save re-judges changed thresholds and re-plans GitHub collection.
 */
export class WorkspaceSettings {
  constructor(
    private readonly host: Host,
    private readonly deps: {
      metrics: MetricSeries;
      alerts: Alerts;
      sources: SourceStates;
      rememberOrigin: (origin: string) => void;
      githubChanged: (now: Date) => Promise<void>;
    },
  ) {}

  view(): Settings {
    return viewSettings(loadSettings(this.host.sql));
  }

  /** `origin`: the dashboard's address as the admin reached it, for links in notifications. */
  async update(
    actor: Principal,
    input: SettingsInput,
    origin?: string,
  ): Promise<Outcome<Settings>> {
    if (origin) this.deps.rememberOrigin(origin);
    const box = await this.host.box();
    if (!box) return SECRETS_KEY_MISSING();
    const before = loadSettings(this.host.sql);
    const after = await mergeSettings(box, before, input);
    const now = new Date();
    const changes = this.host.transaction(() => {
      saveSettings(this.host.sql, after);
      const change = { before: viewSettings(before), after: viewSettings(after) };
      this.host.audit.record(actor, "settings.update", "settings", change, now);
      return this.deps.metrics.rejudge(before.thresholds, after.thresholds, now);
    });
    this.deps.alerts.breached(changes, now);
    this.deps.sources.publish(now);
    this.deps.metrics.publish(now);
    if (input.integrations?.github) await this.deps.githubChanged(now);
    return ok(viewSettings(after));
  }
}
