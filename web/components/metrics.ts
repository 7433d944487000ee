import type { Metric, Settings } from "../../schema";
import { html } from "../html";
import { AnomalyBadge, openAnomaly } from "./anomaly";
import { Age, Badge, Empty, TREND_ARROW } from "./common";
import { formatChange, formatValue } from "./format";
import { Menu } from "./menu";
import { paths } from "./paths";
import { can } from "./roles";
import type { PanelProps } from "./types";

/**
 * The workspace thresholds (settings) judge cpu, memory and disk metrics; the same matching
 * as the workspace object's, so the threshold is shown exactly where it applies.
 */
export function thresholdKey(metricId: string): keyof Settings["thresholds"] | undefined {
  return (["cpu", "memory", "disk"] as const).find(
    (k) => metricId === k || metricId.startsWith(`${k}.`) || metricId.startsWith(`${k}_`),
  );
}

export function metricMenu(m: Metric, workspace: string, range: string, role: PanelProps["role"]) {
  const p = paths(workspace);
  return html`<${Menu}
    label=${`Actions for ${m.label}`}
    items=${[
      { kind: "link", label: "View Details", href: p.metric(m.id, range), modal: true },
      // Every metric takes alert rules (operator); cpu/memory/disk also show the threshold.
      can(role, "operator") && {
        kind: "link",
        label: "Set Alert",
        href: `${p.metric(m.id, range)}#set-alert`,
        modal: true,
      },
      { kind: "link", label: "Export Data (CSV)", href: p.metricCsv(m.id, range), download: true },
    ]}
  />`;
}

/** The number large and the unit small; the text reads the same as `formatValue`. */
function valueParts(m: Metric) {
  const number = formatValue(m.value);
  if (!m.unit) return number;
  return html`${number}<span class="unit">${m.unit === "%" ? "%" : ` ${m.unit}`}</span>`;
}

export function MetricsBody({ snapshot, now, role, range = "1h" }: PanelProps) {
  if (snapshot.metrics.length === 0) {
    return html`<${Empty}>
      No source has produced metrics yet. Push samples to <code>api/metrics/samples</code>.
    <//>`;
  }
  const ws = snapshot.workspace.id;
  return html`<ul class="cards">
    ${snapshot.metrics.map(
      (m) =>
        html`<li class="card" key=${m.id} data-id=${m.id} data-status=${m.status}>
          <div class="card-head">
            <a class="label card-link" href=${paths(ws).metric(m.id, range)} data-modal=""
              >${m.label}</a
            >
            ${metricMenu(m, ws, range, role)}
          </div>
          <div class="value" title=${formatValue(m.value, m.unit)}>${valueParts(m)}</div>
          <div class="card-foot">
            <span class="change" data-trend=${m.trend} title=${`trend: ${m.trend}`}>
              ${TREND_ARROW[m.trend]} ${formatChange(m.change)}
            </span>
            <${Badge} status=${m.status} />
            <${AnomalyBadge} alert=${openAnomaly(snapshot.alerts, m.id)} />
          </div>
          <small class="meta"
            >${m.source} · <${Age} at=${m.updatedAt} now=${now} prefix="updated"
          /></small>
        </li>`,
    )}
  </ul>`;
}
