import {
  MAX_PROM_CARDS,
  MAX_PROM_SERIES_PER_CARD,
  StoredPrometheus,
  type AlertRule,
  type PromCard,
  type PrometheusIntegration,
  type SourceStatus,
} from "../../schema";

const KEY = "prometheus-integration";

/** The stored integration, or undefined before an admin first saved one. */
export function loadPrometheus(sql: SqlStorage): StoredPrometheus | undefined {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", KEY).next();
  if (row.done) return undefined;
  const parsed = StoredPrometheus.safeParse(JSON.parse(row.value.value));
  return parsed.success ? parsed.data : undefined;
}

export function savePrometheus(sql: SqlStorage, stored: StoredPrometheus): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", KEY, JSON.stringify(stored));
}

/** Collected when switched on; with no cards a run still checks that the endpoint answers. */
export function prometheusConfigured(stored: StoredPrometheus | undefined): boolean {
  return stored?.enabled === true;
}

/** What `GET api/integrations/prometheus` shows: the credential only as its kind. */
export function viewPrometheus(
  stored: StoredPrometheus | undefined,
  source: SourceStatus,
): PrometheusIntegration {
  const limits = { cards: MAX_PROM_CARDS, seriesPerCard: MAX_PROM_SERIES_PER_CARD };
  if (!stored)
    return { enabled: false, authType: "none", credentialSet: false, cards: [], limits, source };
  return {
    enabled: stored.enabled,
    baseUrl: stored.baseUrl,
    authType: stored.authType,
    credentialSet: stored.authSealed !== undefined,
    orgId: stored.orgId,
    cards: stored.cards.map((card) => ({ ...card, report: stored.reports[card.id] })),
    limits,
    source,
  };
}

/** The card a series belongs to: `<card>` itself or `<card>:<labels>`. */
export function cardOf(cards: readonly PromCard[], metricId: string): PromCard | undefined {
  const cardId = metricId.split(":", 1)[0];
  return cards.find((c) => c.id === cardId);
}

/**
 * A card's thresholds as alert rules on each of its series, so crossings raise and resolve
 * alerts, colour the cards and respect silences exactly as hand-made rules do. Their ids are
 * stable (`prom:<series>:warning`), so a breach survives the next run and a changed value
 * edits it.
 */
export function cardRules(
  stored: StoredPrometheus | undefined,
  metricIds: readonly string[],
): AlertRule[] {
  if (!stored?.enabled) return [];
  const rules: AlertRule[] = [];
  for (const metric of metricIds) {
    const card = cardOf(stored.cards, metric);
    const t = card?.thresholds;
    if (!card || !t) continue;
    const comparator = t.direction === "below" ? "lte" : "gte";
    const at = stored.reports[card.id]?.at ?? "1970-01-01T00:00:00.000Z";
    for (const severity of ["warning", "critical"] as const) {
      const value = t[severity];
      if (value === undefined) continue;
      rules.push({
        id: `prom:${metric}:${severity}`,
        metric,
        comparator,
        value,
        severity,
        name: `${card.label}: ${severity} threshold`,
        createdAt: at,
        updatedAt: at,
        createdBy: "prometheus card",
      });
    }
  }
  return rules;
}
