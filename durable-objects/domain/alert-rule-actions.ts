import {
  MAX_ALERT_RULES,
  fail,
  ok,
  type AlertRule,
  type CreateAlertRuleBody,
  type Outcome,
  type Principal,
  type UpdateAlertRuleBody,
} from "../../schema";
import type { AuditLog } from "../store/audit";
import type { BatchChanges } from "./alert-ingest";
import { judgeRules, type MetricJudgeDeps } from "./metric-alerts";

export type RuleActionDeps = MetricJudgeDeps & {
  audit: AuditLog;
  transaction: <T>(fn: () => T) => T;
};

/** A rule change and the alert changes judging it caused (none when nothing crossed). */
export type RuleChange = { rule: AlertRule; changes?: BatchChanges };

const notFound = (id: string) =>
  fail(404, "not_found", `No alert rule '${id}'. List the rules with GET api/alert-rules.`, {
    field: "id",
  });

/**
 * Creates a rule and judges it at once against its metric's newest stored value, so a rule
 * already broken alerts now, not at the next sample. Refused over the workspace's rule cap.
 * @example createRule(deps, principal, { metric: "latency.p99", comparator: "gt", value: 250, severity: "warning" }, now)
 */
export function createRule(
  deps: RuleActionDeps,
  actor: Principal,
  body: CreateAlertRuleBody,
  now: Date,
): Outcome<RuleChange> {
  const count = deps.rules.count();
  if (count >= MAX_ALERT_RULES)
    return fail(
      422,
      "rule_limit",
      `A workspace keeps at most ${MAX_ALERT_RULES} alert rules and this one has ${count}. Delete rules you no longer need, or edit one with PATCH.`,
      { field: "json" },
    );
  const at = now.toISOString();
  const rule: AlertRule = {
    id: crypto.randomUUID(),
    metric: body.metric,
    comparator: body.comparator,
    value: body.value,
    severity: body.severity,
    name: body.name,
    createdAt: at,
    updatedAt: at,
    createdBy: actor.name,
  };
  const changes = deps.transaction(() => {
    deps.rules.put(rule);
    deps.audit.record(actor, "alert-rule.create", rule.id, { after: rule }, now);
    return judgeRules(deps, [{ rule }], now);
  });
  return ok({ rule, changes });
}

/** Edits a rule; when its condition changed it is judged again, and an open breach takes the edit. */
export function updateRule(
  deps: RuleActionDeps,
  actor: Principal,
  id: string,
  body: UpdateAlertRuleBody,
  now: Date,
): Outcome<RuleChange> {
  const before = deps.rules.get(id);
  if (!before) return notFound(id);
  const { name, ...fields } = body;
  const after: AlertRule = {
    ...before,
    ...fields,
    name: name === null ? undefined : (name ?? before.name),
    updatedAt: now.toISOString(),
  };
  const changed = (["metric", "comparator", "value", "severity", "name"] as const).some(
    (k) => after[k] !== before[k],
  );
  const changes = deps.transaction(() => {
    deps.rules.put(after);
    deps.audit.record(actor, "alert-rule.update", id, { before, after }, now);
    if (!changed) return undefined;
    // A rule moved to another metric starts afresh: its breach of the old one is closed.
    const moved = after.metric !== before.metric;
    return judgeRules(
      deps,
      moved
        ? [{ rule: before, close: `moved to ${after.metric}` }, { rule: after }]
        : [{ rule: after, refresh: true }],
      now,
    );
  });
  return ok({ rule: after, changes });
}

/** Deletes a rule; its open breach is resolved (the alert stays, resolved, for the record). */
export function deleteRule(
  deps: RuleActionDeps,
  actor: Principal,
  id: string,
  now: Date,
): Outcome<RuleChange> {
  const before = deps.rules.get(id);
  if (!before) return notFound(id);
  const changes = deps.transaction(() => {
    deps.rules.delete(id);
    deps.audit.record(actor, "alert-rule.delete", id, { before }, now);
    return judgeRules(deps, [{ rule: before, close: "was deleted" }], now);
  });
  return ok({ rule: before, changes });
}
