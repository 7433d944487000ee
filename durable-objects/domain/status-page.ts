import {
  DEFAULT_STATUS_PAGE,
  StatusPageConfig,
  type HealthStatus,
  type Metric,
  type PublicState,
  type PublicStatus,
  type Severity,
  type SourceState,
  type SourceStatus,
  type StatusPageComponent,
} from "../../schema";

const KEY = "status-page";

export function loadStatusPage(sql: SqlStorage): StatusPageConfig {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", KEY).next();
  return row.done ? DEFAULT_STATUS_PAGE : StatusPageConfig.parse(JSON.parse(row.value.value));
}

export function saveStatusPage(sql: SqlStorage, config: StatusPageConfig): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", KEY, JSON.stringify(config));
}

/** What the feeds are read from; each is called only if some component uses it. */
export type StatusFeeds = {
  sources: () => SourceStatus[];
  metrics: () => Metric[];
  openAlerts: () => Partial<Record<Severity, number>>;
};

const FROM_SOURCE: Record<SourceState, PublicState> = {
  live: "operational",
  stale: "degraded",
  error: "down",
  pending: "unknown",
  not_configured: "unknown",
};

const FROM_METRIC: Record<HealthStatus, PublicState> = {
  healthy: "operational",
  warning: "degraded",
  critical: "down",
  // No fresh reading: saying "operational" would be a guess.
  offline: "unknown",
};

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2, critical: 3 };

/**
 * Worst first. `unknown` outranks `operational`: a page must not call something up when it
 * cannot see it.
 */
const STATE_RANK: Record<PublicState, number> = {
  operational: 0,
  unknown: 1,
  degraded: 2,
  down: 3,
};

function worst(states: PublicState[]): PublicState {
  return (
    states.reduce<PublicState | undefined>(
      (acc, s) => (acc === undefined || STATE_RANK[s] > STATE_RANK[acc] ? s : acc),
      undefined,
    ) ?? "unknown"
  );
}

function alertState(minSeverity: Severity, open: Partial<Record<Severity, number>>): PublicState {
  const counted = (Object.entries(open) as Array<[Severity, number]>).filter(
    ([severity, n]) => n > 0 && SEVERITY_RANK[severity] >= SEVERITY_RANK[minSeverity],
  );
  if (counted.length === 0) return "operational";
  return counted.some(([severity]) => severity === "critical") ? "down" : "degraded";
}

/**
 * The public view of a status page: component names and their states, nothing else — no
 * metric values, labels, hostnames, source errors or alert text ever enter it.
 * @example publicView(config, { sources: () => [], metrics: () => [], openAlerts: () => ({}) }, new Date())
 */
export function publicView(config: StatusPageConfig, feeds: StatusFeeds, now: Date): PublicStatus {
  let sources: Map<string, SourceStatus> | undefined;
  let metrics: Map<string, Metric> | undefined;
  let open: Partial<Record<Severity, number>> | undefined;
  const stateOf = (component: StatusPageComponent): PublicState => {
    const states: PublicState[] = [];
    for (const id of component.sources ?? []) {
      sources ??= new Map(feeds.sources().map((s) => [s.id, s]));
      const source = sources.get(id);
      states.push(source ? FROM_SOURCE[source.status] : "unknown");
    }
    for (const id of component.metricIds ?? []) {
      metrics ??= new Map(feeds.metrics().map((m) => [m.id, m]));
      const metric = metrics.get(id);
      states.push(metric ? FROM_METRIC[metric.status] : "unknown");
    }
    if (component.alerts) {
      open ??= feeds.openAlerts();
      states.push(alertState(component.alerts.minSeverity, open));
    }
    return worst(states);
  };
  const components = config.components.map((c) => ({ id: c.id, name: c.name, state: stateOf(c) }));
  return {
    title: config.title,
    state: worst(components.map((c) => c.state)),
    updatedAt: now.toISOString(),
    components,
  };
}
