/**
 * How many items of each list the snapshot, its frames and the REST reads carry, newest first.
 * One table so the server and the browser client (which trims lists it grows from frames)
 * cannot disagree. No zod here: the client bundle imports this file.
 */
export const LIST_CAPS = {
  alerts: 200,
  incidents: 100,
  deployments: 50,
  pipelines: 20,
  activity: 50,
  security: 50,
} as const;

/**
 * The dashboard's Anomalies panel (read model `anomalies` list): how many open anomalies it
 * carries, how many points each card's sparkline has, how far before an anomaly's opening the
 * sparkline starts and "what changed nearby" looks, and how far after it the sparkline ends. Zod-free: the client reads it too.
 */
export const ANOMALY_PANEL = {
  cards: 20,
  sparkPoints: 60,
  beforeMs: 30 * 60_000,
  /** The sparkline ends this long after the opening at the latest: each card reads ≤ 2 h. */
  afterMs: 90 * 60_000,
  nearby: 5,
} as const;
