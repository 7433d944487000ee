import { z } from "zod";
import { Anomaly } from "./anomaly";
import { ANOMALY_PANEL } from "./list-caps";
import { ChartDataPoint } from "./metrics";

/**
 * One card of the dashboard's Anomalies panel: an open anomaly with its series' unit and a
 * sparkline from `ANOMALY_PANEL.beforeMs` before it opened to now, or `ANOMALY_PANEL.afterMs`
 * after it opened if sooner (averaged into at most `ANOMALY_PANEL.sparkPoints` buckets).
 */
export const AnomalyCard = Anomaly.extend({
  unit: z.string().max(20).optional(),
  spark: z.array(ChartDataPoint).max(ANOMALY_PANEL.sparkPoints),
});
export type AnomalyCard = z.infer<typeof AnomalyCard>;
