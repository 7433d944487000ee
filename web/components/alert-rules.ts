import type { AlertRule, Comparator, Role } from "../../schema";
import { html } from "../html";
import { Badge } from "./common";
import { ActionButton, ActionForm } from "./menu";
import { paths } from "./paths";
import { can } from "./roles";

/** As schema COMPARATOR_SYMBOL, kept here so pages never pull zod into the browser bundle. */
const SYMBOL = { gt: ">", gte: "≥", lt: "<", lte: "≤" } as const satisfies Record<
  Comparator,
  string
>;
const COMPARATOR_LABEL: Record<Comparator, string> = {
  gt: "above (>)",
  gte: "at or above (≥)",
  lt: "below (<)",
  lte: "at or below (≤)",
};
const SEVERITIES = ["warning", "critical", "error", "info"] as const;

/** `> 250 ms`: a rule's condition, with the metric's unit when it is known. */
export function conditionText(rule: AlertRule, unit?: string): string {
  const value = !unit ? `${rule.value}` : unit === "%" ? `${rule.value}%` : `${rule.value} ${unit}`;
  return `${SYMBOL[rule.comparator]} ${value}`;
}

/**
 * Alert rules as a table: metric (a link, on the settings page), condition, severity, name,
 * and Delete for operators. Every value is rendered as text (names are user input).
 */
export function AlertRuleTable(props: {
  workspace: string;
  rules: AlertRule[];
  role: Role;
  /** Show the metric column (the settings page lists every metric's rules). */
  showMetric?: boolean;
  unit?: string;
  after: "modal" | "reload";
}) {
  const p = paths(props.workspace);
  const operator = can(props.role, "operator");
  return html`<div class="scroll">
    <table class="alert-rules">
      <thead>
        <tr>
          ${props.showMetric ? html`<th scope="col">Metric</th>` : null}
          <th scope="col">Condition</th>
          <th scope="col">Severity</th>
          <th scope="col">Name</th>
          ${operator ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : null}
        </tr>
      </thead>
      <tbody>
        ${props.rules.map(
          (r) =>
            html`<tr data-id=${r.id}>
              ${
                props.showMetric
                  ? html`<td><a href=${p.metric(r.metric)}>${r.metric}</a></td>`
                  : null
              }
              <td class="num">${conditionText(r, props.unit)}</td>
              <td><${Badge} status=${r.severity} /></td>
              <td>${r.name ?? "—"}</td>
              ${
                operator
                  ? html`<td>
                      <${ActionButton}
                        label="Delete"
                        url=${p.api(`alert-rules/${encodeURIComponent(r.id)}`)}
                        method="DELETE"
                        done="Rule deleted."
                        confirm="Press again to delete"
                        danger=${true}
                        after=${props.after}
                      />
                    </td>`
                  : null
              }
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** New rule on one metric: posts to `api/alert-rules`; the dialog redraws with it listed. */
export function AlertRuleForm(props: { workspace: string; metric: string; unit?: string }) {
  return html`<${ActionForm}
    url=${paths(props.workspace).api("alert-rules")}
    done="Alert rule created."
    submit="Create rule"
    after="modal"
    id="alert-rule-form"
  >
    <input type="hidden" name="metric" value=${props.metric} />
    <div class="field">
      <label for="rule-comparator">Alert when the value is</label>
      <select id="rule-comparator" name="comparator">
        ${(Object.keys(COMPARATOR_LABEL) as Comparator[]).map(
          (c) => html`<option value=${c}>${COMPARATOR_LABEL[c]}</option>`,
        )}
      </select>
    </div>
    <div class="field">
      <label for="rule-value">Value${props.unit ? ` (${props.unit})` : ""}</label>
      <input id="rule-value" name="value" type="number" data-type="number" step="any" required />
    </div>
    <div class="field">
      <label for="rule-severity">Severity</label>
      <select id="rule-severity" name="severity">
        ${SEVERITIES.map((s) => html`<option value=${s}>${s}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="rule-name">Name (optional)</label>
      <input id="rule-name" name="name" maxlength="120" />
    </div>
  <//>`;
}
