import { CollectionIntervals, DEFAULT_INTERVALS, type SourceId } from "../../schema";

const KEY = "collection-intervals";

export function loadIntervals(sql: SqlStorage): CollectionIntervals {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", KEY).next();
  return row.done ? DEFAULT_INTERVALS : CollectionIntervals.parse(JSON.parse(row.value.value));
}

export function saveIntervals(sql: SqlStorage, intervals: CollectionIntervals): void {
  sql.exec(
    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
    KEY,
    JSON.stringify(intervals),
  );
}

/** A collected source reads as stale after three missed runs. */
export function staleAfter(intervals: CollectionIntervals): Partial<Record<SourceId, number>> {
  return {
    web3: 3 * intervals.web3 * 1000,
    github: 3 * intervals.deployments * 1000,
    aws: 3 * intervals.metrics * 1000,
    prometheus: 3 * intervals.metrics * 1000,
  };
}
