import { z } from "zod";
import { RecordId, Severity, Text, Timestamp } from "./common";

/** A workspace keeps at most this many rules, so every judged batch stays cheap. */
export const MAX_ALERT_RULES = 200;

export const Comparator = z.enum(["gt", "gte", "lt", "lte"]);
export type Comparator = z.infer<typeof Comparator>;

/** How a comparator reads on screen and in alert titles. */
export const COMPARATOR_SYMBOL: Record<Comparator, string> = {
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
};

/** The bound: any finite number (metrics are not only percentages). */
const RuleValue = z.number().finite().min(-1e15).max(1e15);
const RuleName = Text(120).trim().min(1);

/** A threshold rule on one metric series (ids as in `api/metrics`): raises an alert on a crossing. */
export const AlertRule = z.object({
  id: RecordId,
  metric: RecordId,
  comparator: Comparator,
  value: z.number(),
  severity: Severity,
  name: z.string().max(120).optional(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  createdBy: z.string().max(200),
});
export type AlertRule = z.infer<typeof AlertRule>;

/** `POST api/alert-rules`. The metric need not exist yet: the rule judges it once it arrives. */
export const CreateAlertRuleBody = z
  .object({
    metric: RecordId,
    comparator: Comparator,
    value: RuleValue,
    severity: Severity.default("warning"),
    name: RuleName.optional(),
  })
  .strict();
export type CreateAlertRuleBody = z.infer<typeof CreateAlertRuleBody>;

/** `PATCH api/alert-rules/:id`: any of the fields; `name: null` removes the name. */
export const UpdateAlertRuleBody = z
  .object({
    metric: RecordId,
    comparator: Comparator,
    value: RuleValue,
    severity: Severity,
    name: RuleName.nullable(),
  })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, {
    message: "give at least one of metric, comparator, value, severity, name",
  });
export type UpdateAlertRuleBody = z.infer<typeof UpdateAlertRuleBody>;

export const AlertRuleQuery = z.object({ metric: RecordId.optional() });
export type AlertRuleQuery = z.infer<typeof AlertRuleQuery>;
